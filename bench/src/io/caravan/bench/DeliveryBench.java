package io.caravan.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.caravan.local.InProcessKafka;
import io.caravan.testing.CaravanApp;
import io.caravan.testing.SubscriptionRow;
import io.caravan.webhook.WebhookHeaders;
import io.caravan.webhook.WebhookSecret;
import io.caravan.webhook.WebhookSigner;
import io.caravan.webhook.WebhookVerifier;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Webhook delivery from a Kafka topic to a local HTTP receiver, in one run on one in-JVM broker: (a) caravan's
 * webhook-delivery route (the whole application, one subscription row) and (b) a raw loop (KafkaConsumer +
 * java.net.http, the same signing, committing after each poll's POSTs). Two measurements per variant: events per
 * second draining a backlog, and end-to-end latency (produce → receipt) at a steady rate both keep up with.
 * Then the same two variants against a subscriber that answers each POST after 20 ms (--subscriber-latency-ms):
 * caravan with several deliveries in flight (maxInFlight) against the raw loop's one at a time; the receiver checks
 * each key's order and counts duplicates in both scenarios.
 * Usage: bench/run --delivery [--events N (default 20000)] [--rate PER_SECOND (default 500)] [--paced-events N]
 * [--slow-events N (default 1000)] [--subscriber-latency-ms N (default 20)] [--max-in-flight N (default: the row's
 * default)].
 */
public final class DeliveryBench {
    static final double TARGET_RATIO = 0.8;
    static final int DEFAULT_EVENTS = 20_000;
    static final int WARMUP_EVENTS = 3_000;
    static final int DEFAULT_RATE = 500;
    static final int DEFAULT_PACED = 5_000;
    /** The raw loop polls as many records as caravan's route does when sending one event per POST. */
    static final int RECORDS_PER_POLL = 100;
    /** Target for caravan against the raw loop when the subscriber answers after 20 ms. */
    static final double SLOW_TARGET_RATIO = 8.0;

    static final int DEFAULT_SLOW_EVENTS = 1_000;
    static final int DEFAULT_SUBSCRIBER_LATENCY_MS = 20;
    /** Events are keyed obj-(i % KEYS); the receiver checks that each key's ids arrive increasing. */
    static final int KEYS = 1000;

    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        int events = intOption(args, "--events", DEFAULT_EVENTS);
        int rate = intOption(args, "--rate", DEFAULT_RATE);
        int paced = intOption(args, "--paced-events", DEFAULT_PACED);
        int slowEvents = intOption(args, "--slow-events", DEFAULT_SLOW_EVENTS);
        int latencyMs = intOption(args, "--subscriber-latency-ms", DEFAULT_SUBSCRIBER_LATENCY_MS);
        int maxInFlight = intOption(args, "--max-in-flight", 0);
        // Camel's per-route timers (camel.metrics, on in caravan's application.properties) cost a share of the
        // route's throughput; --without-camel-route-metrics keeps only the context-level ones, to show how much
        boolean camelRouteMetrics = !Arrays.asList(args).contains("--without-camel-route-metrics");
        Instant started = Instant.now();

        try (InProcessKafka kafka = InProcessKafka.start();
                Receiver receiver = Receiver.start()) {
            String brokers = kafka.bootstrapServers();
            Path secretFile = Files.createTempFile("bench-webhook", ".secret");
            byte[] key = new byte[32];
            new SecureRandom().nextBytes(key);
            Files.writeString(secretFile, "whsec_" + Base64.getEncoder().encodeToString(key));
            WebhookSecret secret = WebhookSecret.parse(Files.readString(secretFile));
            receiver.verifyWith(secret);

            Map<String, String> settings =
                    CaravanApp.settings("jdbc:h2:mem:delivery_bench;DB_CLOSE_DELAY=-1", "sa", "");
            settings.put("camel.component.kafka.brokers", brokers);
            if (!camelRouteMetrics) {
                settings.put("camel.metrics.routePolicyLevel", "context");
            }
            settings.put("caravan.routes.dir", System.getProperty("bench.templates", "routes"));
            settings.put(
                    "camel.main.routesIncludePattern",
                    "file:" + System.getProperty("bench.templates", "routes") + "/*.yaml");
            try (CaravanApp app = CaravanApp.start(settings)) {
                Variant caravan = new CaravanVariant(app, receiver, "file:" + secretFile.toAbsolutePath(), maxInFlight);
                Variant raw = new RawLoopVariant(brokers, receiver, new WebhookSigner(List.of(secret)));

                // warm-up: each variant drains a backlog of its own (not reported)
                produceBacklog(brokers, "warmup", WARMUP_EVENTS);
                caravan.drain("warmup", WARMUP_EVENTS);
                raw.drain("warmup", WARMUP_EVENTS);

                produceBacklog(brokers, "backlog", events);
                Result a = caravan.drain("backlog", events);
                Result b = raw.drain("backlog", events);

                Latency la = caravan.paced(brokers, "paced-caravan", paced, rate);
                Latency lb = raw.paced(brokers, "paced-raw", paced, rate);

                // a subscriber that takes latencyMs per POST: what several deliveries in flight buy
                receiver.delayMs = latencyMs;
                produceBacklog(brokers, "slow-caravan", slowEvents);
                produceBacklog(brokers, "slow-raw", slowEvents);
                Result sa = caravan.drain("slow-caravan", slowEvents);
                Result sb = raw.drain("slow-raw", slowEvents);
                receiver.delayMs = 0;

                String report = report(started, events, rate, paced, camelRouteMetrics, a, b, la, lb)
                        + slowReport(slowEvents, latencyMs, maxInFlight, sa, sb);
                System.out.println(report);
                Path dir = Path.of("bench", "results");
                Files.createDirectories(dir);
                String name = events == DEFAULT_EVENTS && rate == DEFAULT_RATE && paced == DEFAULT_PACED
                        ? "delivery-" + LocalDate.now() + (camelRouteMetrics ? "" : "-without-camel-route-metrics")
                                + ".md"
                        : "delivery-" + LocalDate.now() + "-events" + events + "-rate" + rate + ".md";
                Files.writeString(dir.resolve(name), report);
                System.out.println("written to bench/results/" + name);
                caravan.close();
                raw.close();
            }
        }
        System.exit(0); // the receiver's and Kafka's client threads would keep the JVM alive
    }

    /** seconds: first to last receipt (steady state); withStart: from starting the consumer (group join included). */
    record Result(
            String variant,
            int events,
            double seconds,
            double withStart,
            int duplicates,
            int badSignatures,
            int outOfOrder) {
        double perSecond() {
            return events / seconds;
        }
    }

    record Latency(String variant, int events, double p50Ms, double p99Ms, double maxMs) {}

    /** One way of delivering: drains a topic's backlog, or follows a paced producer. */
    abstract static class Variant implements AutoCloseable {
        final Receiver receiver;
        final String name;

        Variant(String name, Receiver receiver) {
            this.name = name;
            this.receiver = receiver;
        }

        abstract void startConsuming(String topic, String label) throws Exception;

        abstract void stopConsuming() throws Exception;

        Result drain(String topic, int events) throws Exception {
            receiver.reset();
            long t0 = System.nanoTime();
            startConsuming(topic, topic);
            receiver.awaitCount(events, Duration.ofMinutes(10));
            double withStart = (System.nanoTime() - t0) / 1e9;
            double seconds = (receiver.lastNanos() - receiver.firstNanos()) / 1e9;
            Thread.sleep(300); // a late duplicate still counts
            stopConsuming();
            return new Result(
                    name,
                    events,
                    seconds,
                    withStart,
                    receiver.duplicates(),
                    receiver.badSignatures.get(),
                    receiver.outOfOrder.get());
        }

        Latency paced(String brokers, String topic, int events, int rate) throws Exception {
            createTopic(brokers, topic);
            receiver.reset();
            startConsuming(topic, topic);
            try (KafkaProducer<String, String> producer = producer(brokers)) {
                // one event first: the consumer has joined its group and is polling when pacing begins
                producer.send(new ProducerRecord<>(topic, "first", event(0))).get();
                receiver.awaitCount(1, Duration.ofSeconds(60));
                receiver.reset();
                long start = System.nanoTime();
                long interval = 1_000_000_000L / rate;
                for (int i = 1; i <= events; i++) {
                    long due = start + i * interval;
                    long wait;
                    while ((wait = due - System.nanoTime()) > 0) {
                        if (wait > 200_000) {
                            Thread.sleep(0, 100_000);
                        } else {
                            Thread.onSpinWait();
                        }
                    }
                    producer.send(new ProducerRecord<>(topic, "obj-" + (i % 1000), event(i)));
                }
                producer.flush();
            }
            receiver.awaitCount(events, Duration.ofMinutes(5));
            stopConsuming();
            long[] lat = receiver.latencies();
            Arrays.sort(lat);
            return new Latency(
                    name,
                    lat.length,
                    lat[(int) (lat.length * 0.50)] / 1e6,
                    lat[Math.min(lat.length - 1, (int) (lat.length * 0.99))] / 1e6,
                    lat[lat.length - 1] / 1e6);
        }

        @Override
        public void close() {}
    }

    /** (a) caravan: one webhook-delivery subscription row per run, started by the reconciler at once. */
    static final class CaravanVariant extends Variant {
        private final CaravanApp app;
        private final String secretRef;
        private final int maxInFlight;
        private String routeId;

        CaravanVariant(CaravanApp app, Receiver receiver, String secretRef, int maxInFlight) {
            super("(a) caravan webhook-delivery" + (maxInFlight > 0 ? " maxInFlight " + maxInFlight : ""), receiver);
            this.app = app;
            this.secretRef = secretRef;
            this.maxInFlight = maxInFlight;
        }

        @Override
        void startConsuming(String topic, String label) {
            routeId = "bench-" + label;
            SubscriptionRow row = SubscriptionRow.of(routeId, topic, receiver.url(), secretRef)
                    .retry(5, 500, 30_000);
            if (maxInFlight > 0) {
                row.param("maxInFlight", String.valueOf(maxInFlight));
            }
            app.routeConfig().upsert(row.row(), "bench");
            app.reconciler().reconcile();
            if (!app.reconciler().running().contains(routeId)) {
                throw new IllegalStateException("subscription " + routeId + " did not start: "
                        + app.reconciler().rejected().get(routeId));
            }
        }

        @Override
        void stopConsuming() {
            app.routeConfig().setEnabled(routeId, false, "bench");
            app.reconciler().reconcile();
        }
    }

    /**
     * (b) the raw loop: poll up to 100 records, for each parse the event, sign it (the same WebhookSigner) and POST
     * it with java.net.http, then commitSync; a non-2xx answer is retried here without backoff (none occur).
     */
    static final class RawLoopVariant extends Variant {
        private final String brokers;
        private final WebhookSigner signer;
        private final HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
        private Thread loop;
        private final AtomicBoolean running = new AtomicBoolean();

        RawLoopVariant(String brokers, Receiver receiver, WebhookSigner signer) {
            super("(b) raw loop", receiver);
            this.brokers = brokers;
            this.signer = signer;
        }

        @Override
        void startConsuming(String topic, String label) {
            running.set(true);
            loop = new Thread(() -> run(topic, "raw-" + label), "raw-loop");
            loop.start();
        }

        private void run(String topic, String group) {
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
            p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
            p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, RECORDS_PER_POLL);
            p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            URI url = URI.create(receiver.url());
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
                consumer.subscribe(List.of(topic));
                while (running.get()) {
                    ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(500));
                    for (ConsumerRecord<String, String> r : records) {
                        String id = JSON.readTree(r.value()).get("event_id").asText();
                        while (true) {
                            WebhookHeaders h = signer.sign(id, Instant.now(), r.value());
                            HttpResponse<Void> response = http.send(
                                    HttpRequest.newBuilder(url)
                                            .timeout(Duration.ofSeconds(10))
                                            .header("Content-Type", "application/json")
                                            .header(WebhookHeaders.ID, h.id())
                                            .header(WebhookHeaders.TIMESTAMP, h.timestamp())
                                            .header(WebhookHeaders.SIGNATURE, h.signature())
                                            .POST(HttpRequest.BodyPublishers.ofString(r.value()))
                                            .build(),
                                    HttpResponse.BodyHandlers.discarding());
                            if (response.statusCode() / 100 == 2) {
                                break;
                            }
                        }
                    }
                    if (!records.isEmpty()) {
                        consumer.commitSync();
                    }
                }
            } catch (Exception e) {
                throw new IllegalStateException("raw loop failed", e);
            }
        }

        @Override
        void stopConsuming() throws Exception {
            running.set(false);
            loop.join();
        }
    }

    /**
     * The subscriber: a JDK HttpServer on 127.0.0.1 (64 threads) answering 204, after delayMs when set. It records
     * each webhook-id (a duplicate counts), the latency from the event's produce time (data.produced_nanos, same JVM)
     * to receipt, each key's order (an event whose data.id is below the last one seen for its key is out of order),
     * and verifies every 20th signature with WebhookVerifier.
     */
    static final class Receiver implements AutoCloseable {
        private final HttpServer server;
        private final Set<String> ids = ConcurrentHashMap.newKeySet();
        private final AtomicInteger count = new AtomicInteger();
        private final AtomicInteger duplicates = new AtomicInteger();
        final AtomicInteger badSignatures = new AtomicInteger();
        private final AtomicLong checked = new AtomicLong();
        private final AtomicLong first = new AtomicLong();
        private final AtomicLong last = new AtomicLong();
        private final List<Long> latencies = new ArrayList<>();
        private volatile WebhookVerifier verifier;
        final AtomicInteger outOfOrder = new AtomicInteger();
        private final Map<Integer, Integer> lastIdPerKey = new ConcurrentHashMap<>();
        volatile long delayMs;

        private Receiver(HttpServer server) {
            this.server = server;
        }

        static Receiver start() throws Exception {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 200);
            Receiver r = new Receiver(server);
            server.createContext("/hooks", exchange -> {
                long received = System.nanoTime();
                byte[] body = exchange.getRequestBody().readAllBytes();
                String id = exchange.getRequestHeaders().getFirst(WebhookHeaders.ID);
                r.record(
                        id,
                        received,
                        new String(body, StandardCharsets.UTF_8),
                        new WebhookHeaders(
                                id,
                                exchange.getRequestHeaders().getFirst(WebhookHeaders.TIMESTAMP),
                                exchange.getRequestHeaders().getFirst(WebhookHeaders.SIGNATURE)));
                long delay = r.delayMs;
                if (delay > 0) {
                    try {
                        Thread.sleep(delay);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                exchange.sendResponseHeaders(204, -1);
                exchange.close();
            });
            server.setExecutor(Executors.newFixedThreadPool(64));
            server.start();
            return r;
        }

        void verifyWith(WebhookSecret secret) {
            verifier = new WebhookVerifier(List.of(secret), Duration.ofMinutes(5), Clock.systemUTC());
        }

        private void record(String id, long receivedNanos, String body, WebhookHeaders headers) {
            first.compareAndSet(0, receivedNanos);
            last.accumulateAndGet(receivedNanos, Math::max);
            if (!ids.add(id)) {
                duplicates.incrementAndGet();
            }
            try {
                JsonNode event = JSON.readTree(body);
                long produced = event.path("data").path("produced_nanos").asLong();
                int seq = event.path("data").path("id").asInt();
                Integer before = lastIdPerKey.put(seq % KEYS, seq);
                if (before != null && before > seq) {
                    outOfOrder.incrementAndGet();
                }
                synchronized (latencies) {
                    latencies.add(receivedNanos - produced);
                }
                if (checked.incrementAndGet() % 20 == 0) {
                    verifier.verify(headers, body);
                }
            } catch (Exception e) {
                badSignatures.incrementAndGet();
            }
            count.incrementAndGet();
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/hooks";
        }

        long firstNanos() {
            return first.get();
        }

        long lastNanos() {
            return last.get();
        }

        void reset() {
            first.set(0);
            last.set(0);
            ids.clear();
            count.set(0);
            duplicates.set(0);
            outOfOrder.set(0);
            lastIdPerKey.clear();
            synchronized (latencies) {
                latencies.clear();
            }
        }

        int duplicates() {
            return duplicates.get();
        }

        long[] latencies() {
            synchronized (latencies) {
                return latencies.stream().mapToLong(Long::longValue).toArray();
            }
        }

        void awaitCount(int n, Duration timeout) throws InterruptedException {
            long until = System.nanoTime() + timeout.toNanos();
            while (count.get() < n) {
                if (System.nanoTime() > until) {
                    throw new IllegalStateException("receiver got " + count.get() + " of " + n);
                }
                Thread.sleep(5);
            }
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    static String event(int i) {
        return "{\"event_id\":\"evt-" + System.nanoTime() + "-" + i
                + "\",\"event_type\":\"ROW_CHANGED\",\"route\":\"bench-feed\",\"timestamp\":\"" + Instant.now()
                + "\",\"source_timestamp\":\"2026-11-23T10:00:00Z\",\"data\":{\"id\":" + i + ",\"produced_nanos\":"
                + System.nanoTime() + ",\"payload\":\"" + "x".repeat(150) + "\"}}";
    }

    static void produceBacklog(String brokers, String topic, int events) throws Exception {
        createTopic(brokers, topic);
        try (KafkaProducer<String, String> producer = producer(brokers)) {
            for (int i = 1; i <= events; i++) {
                producer.send(new ProducerRecord<>(topic, "obj-" + (i % KEYS), event(i)));
            }
            producer.flush();
        }
    }

    static void createTopic(String brokers, String topic) throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", brokers);
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(p)) {
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(topic, 1, (short) 1)))
                    .all()
                    .get();
        }
    }

    static KafkaProducer<String, String> producer(String brokers) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        return new KafkaProducer<>(p);
    }

    static String report(
            Instant started,
            int events,
            int rate,
            int paced,
            boolean camelRouteMetrics,
            Result a,
            Result b,
            Latency la,
            Latency lb) {
        double ratio = a.perSecond() / b.perSecond();
        StringBuilder md = new StringBuilder();
        md.append("# Delivery benchmark ").append(LocalDate.now()).append("\n\n");
        md.append("Commit ")
                .append(System.getProperty("bench.commit", "unknown"))
                .append(", started ")
                .append(started)
                .append(", ")
                .append(Runtime.getRuntime().availableProcessors())
                .append(" cores, JDK ")
                .append(System.getProperty("java.version"))
                .append(". One run; one in-JVM KRaft broker, one partition; receiver: JDK HttpServer on 127.0.0.1 ")
                .append(
                        "answering 204. caravan's store: H2 in memory (delivery writes to the store only for dead letters). ")
                .append(
                        camelRouteMetrics
                                ? "Camel's per-route metrics on, as application.properties sets them."
                                : "Camel's per-route metrics off (camel.metrics.routePolicyLevel=context).")
                .append(String.format(
                        " Load average at the end: %.2f.%n%n",
                        java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                                .getSystemLoadAverage()));
        md.append("## Throughput: draining a backlog of ")
                .append(String.format("%,d", events))
                .append(" events\n\n");
        throughputTable(md, a, b);
        md.append(String.format(
                "%n**a/b = %.2f** (target ≥ %.1f: %s)%n%n",
                ratio, TARGET_RATIO, ratio >= TARGET_RATIO ? "met" : "NOT met"));
        md.append("## End-to-end latency at ")
                .append(rate)
                .append(" events/s (")
                .append(String.format("%,d", paced))
                .append(" events; produce → receipt)\n\n");
        md.append("| variant | p50 ms | p99 ms | max ms |\n|---|---:|---:|---:|\n");
        for (Latency l : List.of(la, lb)) {
            md.append(String.format("| %s | %.2f | %.2f | %.2f |%n", l.variant(), l.p50Ms(), l.p99Ms(), l.maxMs()));
        }
        return md.toString();
    }

    private static void throughputTable(StringBuilder md, Result a, Result b) {
        md.append("| variant | events/s | first → last receipt (s) | from consumer start (s) | duplicates | "
                + "out of key order | bad signatures |\n|---|---:|---:|---:|---:|---:|---:|\n");
        for (Result r : List.of(a, b)) {
            md.append(String.format(
                    "| %s | %,.0f | %.2f | %.2f | %d | %d | %d |%n",
                    r.variant(),
                    r.perSecond(),
                    r.seconds(),
                    r.withStart(),
                    r.duplicates(),
                    r.outOfOrder(),
                    r.badSignatures()));
        }
    }

    static String slowReport(int events, int latencyMs, int maxInFlight, Result a, Result b) {
        double ratio = a.perSecond() / b.perSecond();
        StringBuilder md = new StringBuilder();
        md.append(String.format(
                "%n## Throughput: a subscriber answering after %d ms, backlog of %,d events (%d keys)%n%n",
                latencyMs, events, KEYS));
        md.append("caravan: maxInFlight ")
                .append(maxInFlight > 0 ? String.valueOf(maxInFlight) : "default")
                .append("; the raw loop sends one event at a time. The receiver has 64 threads.\n\n");
        throughputTable(md, a, b);
        md.append(String.format(
                "%n**a/b = %.2f** (target ≥ %.0f: %s)%n",
                ratio, SLOW_TARGET_RATIO, ratio >= SLOW_TARGET_RATIO ? "met" : "NOT met"));
        return md.toString();
    }

    private static int intOption(String[] args, String name, int defaultValue) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return Integer.parseInt(args[i + 1]);
            }
        }
        return defaultValue;
    }
}
