package io.caravan.bench;

import io.caravan.bench.InboundBench.Client;
import io.caravan.bench.InboundBench.Round;
import io.caravan.bench.InboundBench.Sender;
import io.caravan.webhook.WebhookSecret;
import io.caravan.webhook.WebhookSigner;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The inbound bench's senders in a JVM process of their own, as an outside client: the same {@link Sender} (one JDK
 * HttpClient, the same signing, the same number of connections), so the client's CPU, JIT and GC are not charged to
 * the server's JVM. The bench JVM drives it over stdin/stdout: the signing secret, then one line per round; the child
 * writes each round's result (timing, latencies, the webhook-ids answered 202, its own CPU) to a file and answers
 * "done".
 */
final class InboundClientProcess extends Client {
    private final Process process;
    private final BufferedWriter commands;
    private final BufferedReader answers;

    private InboundClientProcess(Process process) {
        this.process = process;
        this.commands = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
        this.answers = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    /** Starts the client JVM with the bench's classpath; the secret goes over stdin, not the command line. */
    static InboundClientProcess start(String secretText, int clients, int bodyBytes) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(
                java,
                "-Xmx512m",
                "-Dlog4j2.configurationFile=" + System.getProperty("log4j2.configurationFile", ""),
                "-cp",
                System.getProperty("java.class.path"),
                InboundClientProcess.class.getName(),
                String.valueOf(clients),
                String.valueOf(bodyBytes)));
        Process process = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        InboundClientProcess client = new InboundClientProcess(process);
        client.send(secretText);
        return client;
    }

    @Override
    Round round(String variant, String url, int requests, String label) throws Exception {
        Path result = Files.createTempFile("bench-inbound-" + label, ".bin");
        double cpu0 = InboundBench.cpuSeconds();
        send(String.join(" ", "round", variant, url, String.valueOf(requests), label, result.toString()));
        String answer = answers.readLine();
        double serverCpu = InboundBench.cpuSeconds() - cpu0;
        if (!"done".equals(answer)) {
            throw new IllegalStateException("the client process answered " + answer + " to round " + label);
        }
        try (DataInputStream in = new DataInputStream(Files.newInputStream(result))) {
            double seconds = in.readDouble();
            int ok = in.readInt();
            double clientCpu = in.readDouble();
            Map<Integer, Integer> others = new HashMap<>();
            for (int i = in.readInt(); i > 0; i--) {
                others.put(in.readInt(), in.readInt());
            }
            long[] latencies = new long[in.readInt()];
            for (int i = 0; i < latencies.length; i++) {
                latencies[i] = in.readLong();
            }
            Set<String> ids = variant.equals("caravan") ? accepted : floorAccepted;
            for (int i = in.readInt(); i > 0; i--) {
                String id = in.readUTF();
                if (!variant.equals("bare")) {
                    ids.add(id);
                }
            }
            Round round = new Round(
                    InboundBench.PROCESS,
                    variant,
                    label,
                    requests,
                    seconds,
                    ok,
                    Map.copyOf(others),
                    latencies,
                    serverCpu,
                    clientCpu);
            if (!label.startsWith("warm")) {
                InboundBench.print(round);
            }
            return round;
        } finally {
            Files.deleteIfExists(result);
        }
    }

    @Override
    public void close() throws Exception {
        send("quit");
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroy();
        }
    }

    private void send(String line) throws IOException {
        commands.write(line);
        commands.newLine();
        commands.flush();
    }

    /** The client JVM: args clients, body bytes; stdin: the secret, then "round ..." lines and "quit". */
    public static void main(String[] args) throws Exception {
        int clients = Integer.parseInt(args[0]);
        int bodyBytes = Integer.parseInt(args[1]);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        WebhookSigner signer = new WebhookSigner(List.of(WebhookSecret.parse(in.readLine())));
        // the bench JVM reads the protocol from stdout: the sender prints nothing
        Sender sender = new Sender(signer, clients, bodyBytes, "msgp_", false);
        java.io.PrintStream protocol = System.out;
        String line;
        while ((line = in.readLine()) != null && !line.equals("quit")) {
            String[] f = line.split(" ");
            String variant = f[1];
            String label = f[4];
            Round round = sender.round(variant, f[2], Integer.parseInt(f[3]), label);
            Set<String> ids = new HashSet<>(variant.equals("caravan") ? sender.accepted : sender.floorAccepted);
            sender.accepted.clear();
            sender.floorAccepted.clear();
            try (DataOutputStream out =
                    new DataOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(Path.of(f[5]))))) {
                out.writeDouble(round.seconds());
                out.writeInt(round.accepted());
                out.writeDouble(round.cpuSeconds());
                out.writeInt(round.others().size());
                for (Map.Entry<Integer, Integer> e : round.others().entrySet()) {
                    out.writeInt(e.getKey());
                    out.writeInt(e.getValue());
                }
                out.writeInt(round.latenciesNanos().length);
                for (long l : round.latenciesNanos()) {
                    out.writeLong(l);
                }
                out.writeInt(variant.equals("bare") ? 0 : ids.size());
                if (!variant.equals("bare")) {
                    for (String id : ids) {
                        out.writeUTF(id);
                    }
                }
            }
            protocol.println("done");
            protocol.flush();
        }
        System.exit(0); // the HttpClient's threads would keep the JVM alive
    }
}
