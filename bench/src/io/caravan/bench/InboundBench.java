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
 * Usage: bench/run inbound [--requests N per round (default 20000)] [--rounds N per variant (default 3)]
 * [--clients N (default 16)] [--body-bytes N (default 1024)] [--store h2|postgresql (default h2)].
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

    public static void main(String[] args) throws Exception {
        int requests = intOption(args, "--requests", DEFAULT_REQUESTS);
        int rounds = intOption(args, "--rounds", DEFAULT_ROUNDS);
        int clients = intOption(args, "--clients", DEFAULT_CLIENTS);
        int bodyBytes = intOption(args, "--body-bytes", DEFAULT_BODY_BYTES);
        String storeKind = stringOption(args, "--store", "h2");
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
                HttpClient http = HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(5))
                        .build();
                Sender sender = new Sender(http, signer, clients, bodyBytes);

                // warm-up: both variants, not reported
                sender.round("caravan", caravanUrl, WARMUP_REQUESTS, "warm-a");
                sender.round("bare", bareUrl, WARMUP_REQUESTS, "warm-b");
                sender.round("kafka-floor", floorUrl, WARMUP_REQUESTS, "warm-c");

                List<Round> a = new ArrayList<>();
                List<Round> b = new ArrayList<>();
                List<Round> c = new ArrayList<>();
                for (int r = 1; r <= rounds; r++) {
                    a.add(sender.round("caravan", caravanUrl, requests, "a" + r));
                    b.add(sender.round("bare", bareUrl, requests, "b" + r));
                    c.add(sender.round("kafka-floor", floorUrl, requests, "c" + r));
                }
                floorProducer.close();

                Map<String, Integer> inbox = countByKey(kafka.bootstrapServers(), TOPIC);
                Map<String, Integer> floorTopic = countByKey(kafka.bootstrapServers(), FLOOR_TOPIC);
                Check check = check(sender.accepted, inbox);
                Check floorCheck = check(sender.floorAccepted, floorTopic);
                String report = report(
                        started,
                        loadAtStart,
                        storeKind,
                        store.durability(),
                        requests,
                        rounds,
                        clients,
                        bodyBytes,
                        a,
                        b,
                        c,
                        check,
                        floorCheck);
                System.out.println(report);
                Path dir = Path.of("bench", "results");
                Files.createDirectories(dir);
                String name = requests == DEFAULT_REQUESTS
                                && rounds == DEFAULT_ROUNDS
                                && clients == DEFAULT_CLIENTS
                                && bodyBytes == DEFAULT_BODY_BYTES
                        ? "inbound-" + LocalDate.now() + "-" + storeKind + ".md"
                        : "inbound-" + LocalDate.now() + "-" + storeKind + "-requests" + requests + "-rounds" + rounds
                                + "-clients" + clients + "-body" + bodyBytes + ".md";
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
            String variant,
            String label,
            int requests,
            double seconds,
            int accepted,
            Map<Integer, Integer> others,
            long[] latenciesNanos,
            double cpuSeconds) {
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

    /** The HTTP senders: one JDK HttpClient (HTTP/1.1, keep-alive), N threads each sending one request at a time. */
    static final class Sender {
        final HttpClient http;
        final WebhookSigner signer;
        final int clients;
        final String pad;
        /** webhook-ids answered 202 by caravan: each must be in the inbox exactly once. */
        final Set<String> accepted = ConcurrentHashMap.newKeySet();
        /** webhook-ids answered 202 by the Kafka floor: each must be in its topic exactly once. */
        final Set<String> floorAccepted = ConcurrentHashMap.newKeySet();

        Sender(HttpClient http, WebhookSigner signer, int clients, int bodyBytes) {
            this.http = http;
            this.signer = signer;
            this.clients = clients;
            String shape = "{\"type\":\"order.created\",\"data\":{\"id\":\"o-000000\",\"pad\":\"\"}}";
            this.pad = "x".repeat(Math.max(0, bodyBytes - shape.length()));
        }

        Round round(String variant, String url, int requests, String label) throws Exception {
            // signed before the clock starts: both variants get the same kind of requests, signing is not timed
            List<HttpRequest> prepared = new ArrayList<>(requests);
            List<String> ids = new ArrayList<>(requests);
            Instant now = Instant.now();
            URI uri = URI.create(url);
            for (int i = 0; i < requests; i++) {
                String id = "msg_" + label + "_" + i + "_" + Long.toHexString(System.nanoTime());
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
            Round round = new Round(variant, label, requests, seconds, ok.get(), Map.copyOf(others), latencies, cpu);
            if (!label.startsWith("warm")) {
                System.out.printf(
                        Locale.ROOT,
                        "%s %-8s %,d req in %.2f s = %,.0f req/s, p50 %.2f ms, p99 %.2f ms, non-202 %s%n",
                        label,
                        variant,
                        requests,
                        seconds,
                        round.perSecond(),
                        round.percentileMs(0.50),
                        round.percentileMs(0.99),
                        others);
            }
            return round;
        }
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
            List<Round> a,
            List<Round> b,
            List<Round> c,
            Check check,
            Check floorCheck) {
        StringBuilder s = new StringBuilder();
        s.append("# Inbound benchmark ")
                .append(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")))
                .append("\n\n");
        s.append(String.format(
                Locale.ROOT,
                "Commit %s · store %s (%s) · %d cores · 1-min load average at start %.2f · %,d requests per round, "
                        + "%d rounds per variant alternating a, b, c · %d concurrent clients (one JDK HttpClient, HTTP/1.1, "
                        + "keep-alive) · body %,d bytes · warm-up %,d requests per variant.\n\n",
                System.getProperty("bench.commit", "unknown"),
                storeKind,
                durability,
                Runtime.getRuntime().availableProcessors(),
                load,
                requests,
                rounds,
                clients,
                bodyBytes,
                WARMUP_REQUESTS));
        s.append("| round | variant | requests | seconds | req/s | p50 ms | p99 ms | non-202 | bench JVM CPU s |\n");
        s.append("|---|---|---:|---:|---:|---:|---:|---|---:|\n");
        for (int r = 0; r < a.size(); r++) {
            for (Round round : List.of(a.get(r), b.get(r), c.get(r))) {
                s.append(row(
                        round.label(),
                        round,
                        round.others().isEmpty() ? "0" : round.others().toString()));
            }
        }
        Round ta = total("caravan", a);
        Round tb = total("bare", b);
        Round tc = total("kafka-floor", c);
        for (Round total : List.of(ta, tb, tc)) {
            s.append(row("all", total, ""));
        }
        s.append("\n");
        s.append(String.format(
                Locale.ROOT,
                "Bench JVM CPU per request (client, server, broker and store all in it): (a) %.0f µs, (b) %.0f µs, "
                        + "(c) %.0f µs.\n\n",
                ta.cpuSeconds() / ta.requests() * 1e6,
                tb.cpuSeconds() / tb.requests() * 1e6,
                tc.cpuSeconds() / tc.requests() * 1e6));
        double ratio = ta.perSecond() / tb.perSecond();
        boolean valid =
                check.exactlyOnce() && a.stream().allMatch(r -> r.others().isEmpty());
        s.append(String.format(
                Locale.ROOT,
                "a/b = **%.2f** (target ≥ %.1f: %s)%s\n\n",
                ratio,
                TARGET_RATIO,
                !valid ? "no ratio: the run is not valid" : ratio >= TARGET_RATIO ? "met" : "not met",
                valid ? "" : " — INVALID RUN"));
        s.append(String.format(
                Locale.ROOT,
                "For information: c/b = %.2f (what writing each body to Kafka with the same acknowledgement costs on "
                        + "its own, nothing else), a/c = %.2f (caravan against that floor). Kafka floor check: %,d "
                        + "answered 202, %,d missing, %,d more than once.\n\n",
                tc.perSecond() / tb.perSecond(),
                ta.perSecond() / tc.perSecond(),
                floorCheck.accepted(),
                floorCheck.missing(),
                floorCheck.duplicated()));
        s.append(String.format(
                Locale.ROOT,
                "Inbox check (a consumer reads the topic from the beginning after the last round): %,d webhook-ids "
                        + "answered 202 (warm-up included), %,d missing from the topic, %,d in it more than once; %,d "
                        + "records in the topic: %s.\n\n",
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

    /** One line of the table. */
    static String row(String label, Round round, String others) {
        return String.format(
                Locale.ROOT,
                "| %s | %s | %,d | %.2f | %,.0f | %.2f | %.2f | %s | %.1f |\n",
                label,
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
                round.cpuSeconds());
    }

    static Round total(String variant, List<Round> rounds) {
        int n = rounds.stream().mapToInt(Round::requests).sum();
        double seconds = rounds.stream().mapToDouble(Round::seconds).sum();
        double cpu = rounds.stream().mapToDouble(Round::cpuSeconds).sum();
        long[] all = rounds.stream()
                .flatMapToLong(r -> Arrays.stream(r.latenciesNanos()))
                .toArray();
        int ok = rounds.stream().mapToInt(Round::accepted).sum();
        return new Round(variant, "all", n, seconds, ok, Map.of(), all, cpu);
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
