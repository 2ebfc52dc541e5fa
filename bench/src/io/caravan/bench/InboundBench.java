package io.caravan.bench;

import io.caravan.local.InProcessKafka;
import io.caravan.testing.CaravanApp;
import io.caravan.testing.Inbox;
import io.caravan.testing.TemplateRow;
import io.caravan.webhook.WebhookHeaders;
import io.caravan.webhook.WebhookSecret;
import io.caravan.webhook.WebhookSigner;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Inbound webhooks: signed requests per second from one HTTP client with 16 concurrent senders (keep-alive) into
 * (a) caravan's inbound-webhook route (the whole application, one row: size, signature, timestamp and JSON checks,
 * the ledger claim, the sealed record written to the in-JVM Kafka inbox, 202 only after the broker's ack with
 * acks=all and an idempotent producer) and (b) a route on the same platform-http listener, at the same path shape,
 * that reads the same body and answers 202 without the inbox. Rounds alternate so all see the same machine load. For information, (c): the same listener writing each body to Kafka with the same producer
 * settings and answering 202 after the ack, nothing else, the floor any Kafka inbox pays. Rounds go a, b, c, a, b, c,
 * ... Afterwards every webhook-id answered 202 by (a) must be in the inbox topic exactly once (and (c)'s in its own).
 * The senders run in the bench JVM ("in-JVM") and, the same code, in a JVM process of their own ("process", as an
 * outside client; {@link InboundClientProcess}); by default both, rounds alternating a, b, c in-JVM, then a, b, c from
 * the process.
 * Usage: bench/run inbound [--requests N per round (default 20000)] [--rounds N per variant (default 3)]
 * [--clients N (default 16)] [--body-bytes N (default 1024)] [--store h2|postgresql (default h2)]
 * [--warmup N per variant and client (default 20000)] [--client both|in-jvm|process (default both)].
 */
public final class InboundBench {
    static final double TARGET_RATIO = 0.7;
    static final int DEFAULT_REQUESTS = 20_000;
    static final int DEFAULT_ROUNDS = 3;
    static final int DEFAULT_CLIENTS = 16;
    static final int DEFAULT_BODY_BYTES = 1024;
    static final int WARMUP_REQUESTS = 20_000;
    static final String TOPIC = "inbox-bench";
    static final String FLOOR_TOPIC = "inbox-bench-floor";
    /** The senders run in the bench JVM, next to the server, broker and store. */
    static final String IN_JVM = "in-JVM";
    /** The senders run in a JVM process of their own, as an outside client would. */
    static final String PROCESS = "process";

    public static void main(String[] args) throws Exception {
        int requests = intOption(args, "--requests", DEFAULT_REQUESTS);
        int rounds = intOption(args, "--rounds", DEFAULT_ROUNDS);
        int clients = intOption(args, "--clients", DEFAULT_CLIENTS);
        int bodyBytes = intOption(args, "--body-bytes", DEFAULT_BODY_BYTES);
        int warmup = intOption(args, "--warmup", WARMUP_REQUESTS);
        String storeKind = stringOption(args, "--store", "h2");
        List<String> modes =
                switch (stringOption(args, "--client", "both")) {
                    case "in-jvm" -> List.of(IN_JVM);
                    case "process" -> List.of(PROCESS);
                    case "both" -> List.of(IN_JVM, PROCESS);
                    default -> throw new IllegalArgumentException("--client must be in-jvm, process or both");
                };
        double loadAtStart = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        Instant started = Instant.now();

        try (InProcessKafka kafka = InProcessKafka.start();
                BenchStore store = BenchStore.open(storeKind)) {
            kafka.createTopic(TOPIC, 3);
            kafka.createTopic(FLOOR_TOPIC, 3);
            byte[] key = new byte[32];
            new SecureRandom().nextBytes(key);
            String secretText = "whsec_" + Base64.getEncoder().encodeToString(key);
            Path secretFile = Files.createTempFile("bench-inbound", ".secret");
            Files.writeString(secretFile, secretText);
            WebhookSigner signer = new WebhookSigner(List.of(WebhookSecret.parse(secretText)));

            BenchStore.Db db = store.fresh("inbound");
            Map<String, String> settings = CaravanApp.settings(db.url(), db.user(), db.password());
            int port = CaravanApp.freePort();
            settings.put("camel.server.enabled", "true");
            settings.put("camel.server.port", String.valueOf(port));
            settings.put("camel.component.kafka.brokers", kafka.bootstrapServers());
            settings.put("caravan.routes.dir", System.getProperty("bench.templates", "routes"));
            settings.put(
                    "camel.main.routesIncludePattern",
                    "file:" + System.getProperty("bench.templates", "routes") + "/*.yaml");
            try (CaravanApp app = CaravanApp.start(settings)) {
                app.routeConfig()
                        .upsert(
                                TemplateRow.inboundWebhook(
                                                "bench-inbound", "bench", "file:" + secretFile.toAbsolutePath(), TOPIC)
                                        .row(),
                                "bench");
                app.reconciler().reconcile();
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (!app.reconciler().running().contains("bench-inbound")) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("the inbound row did not start");
                    }
                    Thread.sleep(50);
                }
                app.camel().addRoutes(new BareRoute());
                KafkaProducer<String, String> floorProducer = floorProducer(kafka.bootstrapServers());
                app.camel().addRoutes(new KafkaFloorRoute(floorProducer));

                String caravanUrl = "http://127.0.0.1:" + port + "/webhooks/bench";
                String bareUrl = "http://127.0.0.1:" + port + "/webhooks/bare";
                String floorUrl = "http://127.0.0.1:" + port + "/webhooks/kafka-floor";
                Map<String, Client> senders = new LinkedHashMap<>();
                for (String mode : modes) {
                    senders.put(
                            mode,
                            mode.equals(IN_JVM)
                                    ? new Sender(signer, clients, bodyBytes, "msg_", true)
                                    : InboundClientProcess.start(secretText, clients, bodyBytes));
                }

                // warm-up: every variant from every client, not reported
                for (Client sender : senders.values()) {
                    sender.round("caravan", caravanUrl, warmup, "warm-a");
                    sender.round("bare", bareUrl, warmup, "warm-b");
                    sender.round("kafka-floor", floorUrl, warmup, "warm-c");
                }

                List<Round> rows = new ArrayList<>();
                for (int r = 1; r <= rounds; r++) {
                    for (Client sender : senders.values()) {
                        rows.add(sender.round("caravan", caravanUrl, requests, "a" + r));
                        rows.add(sender.round("bare", bareUrl, requests, "b" + r));
                        rows.add(sender.round("kafka-floor", floorUrl, requests, "c" + r));
                    }
                }
                floorProducer.close();
                Set<String> accepted = new HashSet<>();
                Set<String> floorAccepted = new HashSet<>();
                for (Client sender : senders.values()) {
                    accepted.addAll(sender.accepted);
                    floorAccepted.addAll(sender.floorAccepted);
                    sender.close();
                }

                Map<String, Integer> inbox = countByKey(kafka.bootstrapServers(), TOPIC);
                Map<String, Integer> floorTopic = countByKey(kafka.bootstrapServers(), FLOOR_TOPIC);
                Check check = check(accepted, inbox);
                Check floorCheck = check(floorAccepted, floorTopic);
                String report = report(
                        started,
                        loadAtStart,
                        storeKind,
                        store.durability(),
                        requests,
                        rounds,
                        clients,
                        bodyBytes,
                        warmup,
                        modes,
                        rows,
                        check,
                        floorCheck);
                System.out.println(report);
                Path dir = Path.of("bench", "results");
                Files.createDirectories(dir);
                String clientsName = String.join("+", modes).toLowerCase(Locale.ROOT);
                String name = requests == DEFAULT_REQUESTS
                                && rounds == DEFAULT_ROUNDS
                                && clients == DEFAULT_CLIENTS
                                && bodyBytes == DEFAULT_BODY_BYTES
                                && warmup == WARMUP_REQUESTS
                        ? "inbound-" + LocalDate.now() + "-" + storeKind + "-" + clientsName + ".md"
                        : "inbound-" + LocalDate.now() + "-" + storeKind + "-" + clientsName + "-requests" + requests
                                + "-rounds" + rounds + "-clients" + clients + "-body" + bodyBytes + "-warmup" + warmup
                                + ".md";
                Files.writeString(dir.resolve(name), report);
                System.out.println("written to bench/results/" + name);
            }
        }
        System.exit(0); // the HTTP client's and Kafka's threads would keep the JVM alive
    }

    /**
     * (b): the same platform-http listener and path shape, the body read (platform-http's body handler), answered
     * 202 with the same kind of JSON caravan answers; no checks, no ledger, no inbox.
     */
    static final class BareRoute extends RouteBuilder {
        @Override
        public void configure() {
            from("platform-http:/webhooks/bare?httpMethodRestrict=POST&muteException=true")
                    .routeId("bench-bare")
                    .process(exchange -> {
                        var message = exchange.getMessage();
                        byte[] body = message.getBody(byte[].class);
                        String id = message.getHeader(WebhookHeaders.ID, String.class);
                        message.getHeaders().clear();
                        message.setHeader(Exchange.HTTP_RESPONSE_CODE, 202);
                        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
                        message.setBody("{\"status\":\"queued\",\"webhookId\":\"" + id + "\",\"bytes\":"
                                + (body == null ? 0 : body.length) + "}");
                    });
        }
    }

    /**
     * (c), the floor any Kafka inbox pays: the same listener and body as (b), and the body written to Kafka with the
     * producer settings caravan's inbox uses (acks=all, idempotent, linger 0), answered 202 after the broker's ack; no
     * checks, no ledger, no seal.
     */
    static final class KafkaFloorRoute extends RouteBuilder {
        private final KafkaProducer<String, String> producer;

        KafkaFloorRoute(KafkaProducer<String, String> producer) {
            this.producer = producer;
        }

        @Override
        public void configure() {
            from("platform-http:/webhooks/kafka-floor?httpMethodRestrict=POST&muteException=true")
                    .routeId("bench-kafka-floor")
                    .process(exchange -> {
                        var message = exchange.getMessage();
                        String body = message.getBody(String.class);
                        String id = message.getHeader(WebhookHeaders.ID, String.class);
                        var metadata = producer.send(new ProducerRecord<>(FLOOR_TOPIC, id, body))
                                .get();
                        message.getHeaders().clear();
                        message.setHeader(Exchange.HTTP_RESPONSE_CODE, 202);
                        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
                        message.setBody("{\"status\":\"queued\",\"webhookId\":\"" + id + "\",\"offset\":"
                                + metadata.offset() + "}");
                    });
        }
    }

    static KafkaProducer<String, String> floorProducer(String brokers) {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        config.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return new KafkaProducer<>(config);
    }

    /** One round of one variant: N requests from the clients, each a signed POST of a fresh webhook-id. */
    record Round(
            String mode,
            String variant,
            String label,
            int requests,
            double seconds,
            int accepted,
            Map<Integer, Integer> others,
            long[] latenciesNanos,
            double cpuSeconds,
            double clientCpuSeconds) {
        double perSecond() {
            return requests / seconds;
        }

        double percentileMs(double p) {
            long[] sorted = latenciesNanos.clone();
            Arrays.sort(sorted);
            int i = (int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1);
            return sorted[Math.max(0, i)] / 1e6;
        }
    }

    /** Sends the rounds of requests: in the bench JVM ({@link Sender}) or from a process of its own. */
    abstract static class Client implements AutoCloseable {
        /** webhook-ids answered 202 by caravan: each must be in the inbox exactly once. */
        final Set<String> accepted = ConcurrentHashMap.newKeySet();
        /** webhook-ids answered 202 by the Kafka floor: each must be in its topic exactly once. */
        final Set<String> floorAccepted = ConcurrentHashMap.newKeySet();

        abstract Round round(String variant, String url, int requests, String label) throws Exception;

        @Override
        public void close() throws Exception {}
    }

    /** The HTTP senders: one JDK HttpClient (HTTP/1.1, keep-alive), N threads each sending one request at a time. */
    static final class Sender extends Client {
        final HttpClient http;
        final WebhookSigner signer;
        final int clients;
        final String pad;
        /** Starts every webhook-id: the two clients' ids never meet. */
        final String idPrefix;
        /** Whether a round prints its line (the client process's stdout is its protocol). */
        final boolean print;

        Sender(WebhookSigner signer, int clients, int bodyBytes, String idPrefix, boolean print) {
            this.idPrefix = idPrefix;
            this.print = print;
            this.http = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();
            this.signer = signer;
            this.clients = clients;
            String shape = "{\"type\":\"order.created\",\"data\":{\"id\":\"o-000000\",\"pad\":\"\"}}";
            this.pad = "x".repeat(Math.max(0, bodyBytes - shape.length()));
        }

        @Override
        Round round(String variant, String url, int requests, String label) throws Exception {
            // signed before the clock starts: both variants get the same kind of requests, signing is not timed
            List<HttpRequest> prepared = new ArrayList<>(requests);
            List<String> ids = new ArrayList<>(requests);
            Instant now = Instant.now();
            URI uri = URI.create(url);
            for (int i = 0; i < requests; i++) {
                String id = idPrefix + label + "_" + i + "_" + Long.toHexString(System.nanoTime());
                String body = "{\"type\":\"order.created\",\"data\":{\"id\":\"o-" + String.format("%06d", i % 1_000_000)
                        + "\",\"pad\":\"" + pad + "\"}}";
                WebhookHeaders signed = signer.sign(id, now, body);
                prepared.add(HttpRequest.newBuilder(uri)
                        .timeout(Duration.ofSeconds(30))
                        .header("Content-Type", "application/json")
                        .header(WebhookHeaders.ID, signed.id())
                        .header(WebhookHeaders.TIMESTAMP, signed.timestamp())
                        .header(WebhookHeaders.SIGNATURE, signed.signature())
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build());
                ids.add(id);
            }
            AtomicInteger next = new AtomicInteger();
            AtomicInteger ok = new AtomicInteger();
            Map<Integer, Integer> others = new ConcurrentHashMap<>();
            long[] latencies = new long[requests];
            CountDownLatch done = new CountDownLatch(clients);
            double cpu0 = cpuSeconds();
            long t0 = System.nanoTime();
            for (int c = 0; c < clients; c++) {
                Thread t = new Thread(
                        () -> {
                            try {
                                int i;
                                while ((i = next.getAndIncrement()) < requests) {
                                    long s = System.nanoTime();
                                    int status;
                                    try {
                                        status = http.send(prepared.get(i), HttpResponse.BodyHandlers.ofString())
                                                .statusCode();
                                    } catch (Exception e) {
                                        status = -1;
                                    }
                                    latencies[i] = System.nanoTime() - s;
                                    if (status == 202) {
                                        ok.incrementAndGet();
                                        if (variant.equals("caravan")) {
                                            accepted.add(ids.get(i));
                                        } else if (variant.equals("kafka-floor")) {
                                            floorAccepted.add(ids.get(i));
                                        }
                                    } else {
                                        others.merge(status, 1, Integer::sum);
                                    }
                                }
                            } finally {
                                done.countDown();
                            }
                        },
                        "bench-client-" + c);
                t.start();
            }
            done.await();
            double seconds = (System.nanoTime() - t0) / 1e9;
            double cpu = cpuSeconds() - cpu0;
            Round round = new Round(
                    IN_JVM,
                    variant,
                    label,
                    requests,
                    seconds,
                    ok.get(),
                    Map.copyOf(others),
                    latencies,
                    cpu,
                    Double.NaN);
            if (print && !label.startsWith("warm")) {
                print(round);
            }
            return round;
        }
    }

    static void print(Round round) {
        System.out.printf(
                Locale.ROOT,
                "%s %-7s %-11s %,d req in %.2f s = %,.0f req/s, p50 %.2f ms, p99 %.2f ms, non-202 %s%n",
                round.label(),
                round.mode(),
                round.variant(),
                round.requests(),
                round.seconds(),
                round.perSecond(),
                round.percentileMs(0.50),
                round.percentileMs(0.99),
                round.others());
    }

    record Check(int accepted, int missing, int duplicated, int inTopic) {
        boolean exactlyOnce() {
            return missing == 0 && duplicated == 0;
        }
    }

    static Check check(Set<String> accepted, Map<String, Integer> inbox) {
        int missing = 0;
        int duplicated = 0;
        for (String id : accepted) {
            int n = inbox.getOrDefault(id, 0);
            if (n == 0) {
                missing++;
            } else if (n > 1) {
                duplicated++;
            }
        }
        int records = inbox.values().stream().mapToInt(Integer::intValue).sum();
        return new Check(accepted.size(), missing, duplicated, records);
    }

    /** How many records each key has in the topic, read from the beginning of every partition to its end. */
    static Map<String, Integer> countByKey(String brokers, String topic) {
        Map<String, Integer> counts = new HashMap<>();
        for (ConsumerRecord<String, String> r : Inbox.records(brokers, topic)) {
            counts.merge(r.key(), 1, Integer::sum);
        }
        return counts;
    }

    static String report(
            Instant started,
            double load,
            String storeKind,
            String durability,
            int requests,
            int rounds,
            int clients,
            int bodyBytes,
            int warmup,
            List<String> modes,
            List<Round> rows,
            Check check,
            Check floorCheck) {
        StringBuilder s = new StringBuilder();
        s.append("# Inbound benchmark ")
                .append(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")))
                .append("\n\n");
        s.append(String.format(
                Locale.ROOT,
                "Commit %s · store %s (%s) · %d cores · 1-min load average at start %.2f · %,d requests per round, "
                        + "%d rounds per variant and client, alternating a, b, c%s · %d concurrent clients (one JDK "
                        + "HttpClient, HTTP/1.1, keep-alive) · body %,d bytes · warm-up %,d requests per variant and "
                        + "client.\n\n",
                System.getProperty("bench.commit", "unknown"),
                storeKind,
                durability,
                Runtime.getRuntime().availableProcessors(),
                load,
                requests,
                rounds,
                modes.size() > 1 ? " from the in-JVM client, then a, b, c from the client process" : "",
                clients,
                bodyBytes,
                warmup));
        s.append("Clients: **in-JVM** = the senders run in the bench JVM next to the server, broker and store (their "
                + "CPU is charged to it); **process** = the same sender code (same HttpClient, signing and "
                + "connections) in a JVM process of its own, as an outside client. Server JVM CPU = the bench JVM's "
                + "(server, in-JVM Kafka broker, H2; with PostgreSQL the database's CPU is not in it; with the "
                + "in-JVM client, the client's too).\n\n");
        s.append(
                "| round | client | variant | requests | seconds | req/s | p50 ms | p99 ms | non-202 | server JVM CPU s "
                        + "| client JVM CPU s |\n");
        s.append("|---|---|---|---:|---:|---:|---:|---:|---|---:|---:|\n");
        for (Round round : rows) {
            s.append(row(
                    round.label(),
                    round,
                    round.others().isEmpty() ? "0" : round.others().toString()));
        }
        Map<String, Round[]> totals = new LinkedHashMap<>();
        for (String mode : modes) {
            Round[] t = new Round[3];
            String[] variants = {"caravan", "bare", "kafka-floor"};
            for (int v = 0; v < 3; v++) {
                String variant = variants[v];
                t[v] = total(
                        mode,
                        variant,
                        rows.stream()
                                .filter(r ->
                                        r.mode().equals(mode) && r.variant().equals(variant))
                                .toList());
                s.append(row("all", t[v], ""));
            }
            totals.put(mode, t);
        }
        s.append("\n");
        boolean valid = check.exactlyOnce()
                && rows.stream().filter(r -> r.variant().equals("caravan")).allMatch(r -> r.others()
                        .isEmpty());
        s.append("| client | (a) req/s | (b) req/s | (c) req/s | a/b | a/c | c/b | p50/p99 ms (a) | p50/p99 ms (b) "
                + "| server JVM CPU per request a / b / c | client CPU per request a / b / c |\n");
        s.append("|---|---:|---:|---:|---:|---:|---:|---|---|---|---|\n");
        totals.forEach((mode, t) -> s.append(String.format(
                Locale.ROOT,
                "| %s | %,.0f | %,.0f | %,.0f | **%s** | %.2f | %.2f | %.2f / %.2f | %.2f / %.2f | %.0f / %.0f / %.0f µs "
                        + "| %s |\n",
                mode,
                t[0].perSecond(),
                t[1].perSecond(),
                t[2].perSecond(),
                valid ? String.format(Locale.ROOT, "%.2f", t[0].perSecond() / t[1].perSecond()) : "invalid",
                t[0].perSecond() / t[2].perSecond(),
                t[2].perSecond() / t[1].perSecond(),
                t[0].percentileMs(0.50),
                t[0].percentileMs(0.99),
                t[1].percentileMs(0.50),
                t[1].percentileMs(0.99),
                perRequestMicros(t[0].cpuSeconds(), t[0]),
                perRequestMicros(t[1].cpuSeconds(), t[1]),
                perRequestMicros(t[2].cpuSeconds(), t[2]),
                Double.isNaN(t[0].clientCpuSeconds())
                        ? "in the server JVM's"
                        : String.format(
                                Locale.ROOT,
                                "%.0f / %.0f / %.0f µs",
                                perRequestMicros(t[0].clientCpuSeconds(), t[0]),
                                perRequestMicros(t[1].clientCpuSeconds(), t[1]),
                                perRequestMicros(t[2].clientCpuSeconds(), t[2])))));
        s.append("\n");
        s.append(String.format(
                Locale.ROOT,
                "Target a/b ≥ %.1f: %s. c/b: what writing each body to Kafka with the same acknowledgement costs on "
                        + "its own, nothing else; a/c: caravan against that floor. Kafka floor check: %,d answered 202, "
                        + "%,d missing, %,d more than once.\n\n",
                TARGET_RATIO,
                !valid
                        ? "no ratio, the run is not valid — INVALID RUN"
                        : totals.values().stream().anyMatch(t -> t[0].perSecond() / t[1].perSecond() >= TARGET_RATIO)
                                ? "met"
                                : "not met",
                floorCheck.accepted(),
                floorCheck.missing(),
                floorCheck.duplicated()));
        s.append(String.format(
                Locale.ROOT,
                "Inbox check (a consumer reads the topic from the beginning after the last round): %,d webhook-ids "
                        + "answered 202 (warm-up and both clients included), %,d missing from the topic, %,d in it more "
                        + "than once; %,d records in the topic: %s.\n\n",
                check.accepted(),
                check.missing(),
                check.duplicated(),
                check.inTopic(),
                check.exactlyOnce() ? "every 202 is in the inbox exactly once" : "NOT EXACTLY ONCE"));
        s.append(String.format(
                Locale.ROOT,
                "Run took %d s; 1-min load average at the end %.2f (above ~2, other processes competed for the cores).\n",
                Duration.between(started, Instant.now()).toSeconds(),
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
        return s.toString();
    }

    static double perRequestMicros(double cpuSeconds, Round total) {
        return cpuSeconds / total.requests() * 1e6;
    }

    /** One line of the table. */
    static String row(String label, Round round, String others) {
        return String.format(
                Locale.ROOT,
                "| %s | %s | %s | %,d | %.2f | %,.0f | %.2f | %.2f | %s | %.1f | %s |\n",
                label,
                round.mode(),
                switch (round.variant()) {
                    case "caravan" -> "(a) caravan inbound → Kafka inbox";
                    case "bare" -> "(b) same listener, 202 without inbox";
                    default -> "(c) same listener, body → Kafka, 202 after ack";
                },
                round.requests(),
                round.seconds(),
                round.perSecond(),
                round.percentileMs(0.50),
                round.percentileMs(0.99),
                others,
                round.cpuSeconds(),
                Double.isNaN(round.clientCpuSeconds())
                        ? "–"
                        : String.format(Locale.ROOT, "%.1f", round.clientCpuSeconds()));
    }

    static Round total(String mode, String variant, List<Round> rounds) {
        int n = rounds.stream().mapToInt(Round::requests).sum();
        double seconds = rounds.stream().mapToDouble(Round::seconds).sum();
        double cpu = rounds.stream().mapToDouble(Round::cpuSeconds).sum();
        double clientCpu = rounds.stream().mapToDouble(Round::clientCpuSeconds).sum();
        long[] all = rounds.stream()
                .flatMapToLong(r -> Arrays.stream(r.latenciesNanos()))
                .toArray();
        int ok = rounds.stream().mapToInt(Round::accepted).sum();
        return new Round(mode, variant, "all", n, seconds, ok, Map.of(), all, cpu, clientCpu);
    }

    static double cpuSeconds() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getProcessCpuTime() / 1e9;
        }
        return Double.NaN;
    }

    static int intOption(String[] args, String name, int fallback) {
        String v = stringOption(args, name, null);
        return v == null ? fallback : Integer.parseInt(v);
    }

    static String stringOption(String[] args, String name, String fallback) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return fallback;
    }
}
