package io.caravan.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.caravan.local.LocalAwsServers;
import io.caravan.testing.CaravanApp;
import io.caravan.testing.TriggerRows;
import io.caravan.trigger.AwsClients;
import io.caravan.trigger.S3Notification;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.eventnotifications.s3.model.S3EventNotification;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * The transient-trigger benchmark: triggers processed per second through caravan's s3-transient-trigger route and
 * through a raw AWS SDK v2 loop making the same S3 and SQS calls, against the same in-JVM S3Proxy and ElasticMQ and the
 * same HTTP sink, in one run. Usage: see bench/README.md.
 */
public final class TriggerBench {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String CUSTOMER = "bench";

    public static void main(String[] args) throws Exception {
        int triggers = intArg(args, "--triggers", 3000);
        int consumers = intArg(args, "--consumers", 4);
        int warmup = intArg(args, "--warmup", 300);
        Instant started = Instant.now();
        LocalAwsServers aws = LocalAwsServers.start(0, 0);
        Path templates = Path.of(System.getProperty("bench.templates", "routes"));
        Path work = Files.createTempDirectory("caravan-trigger-bench");
        List<String> report = new ArrayList<>();
        try (Sink sink = new Sink()) {
            // warm-up: both variants in this JVM, not reported
            new Caravan(aws, sink, templates, work, consumers).run(warmup, "warm");
            new RawLoop(aws, sink, consumers).run(warmup, "warm");
            Result raw = new RawLoop(aws, sink, consumers).run(triggers, "raw");
            Result caravan = new Caravan(aws, sink, templates, work, consumers).run(triggers, "caravan");
            double ratio = caravan.perSecond() / raw.perSecond();
            report.add("| variant | triggers | seconds | triggers/s | outcome | JVM CPU s | load before |");
            report.add("|---|---:|---:|---:|---|---:|---:|");
            report.add(caravan.row("(a) caravan s3-transient-trigger route"));
            report.add(raw.row("(b) raw AWS SDK v2 loop, same S3 and SQS calls"));
            report.add("");
            report.add("| check | value | target | result |");
            report.add("|---|---:|---:|---|");
            report.add(String.format(
                    "| a/b (caravan vs raw loop, triggers/s) | %.2f | ≥ 0.8 | %s |",
                    ratio, ratio >= 0.8 ? "met" : "NOT met"));
        } finally {
            aws.close();
        }
        String table = String.join("\n", report);
        System.out.println(table);
        String header = "# caravan transient-trigger benchmark, "
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm")) + "\n\n"
                + "- command: `" + ("bench/run trigger " + String.join(" ", args)).trim() + "`\n"
                + "- " + triggers + " triggers (one change, one customer each), " + consumers
                + " consumers per variant, warm-up " + warmup + " triggers per variant in the same JVM\n"
                + "- commit: " + System.getProperty("bench.commit", "unknown") + "\n"
                + "- machine: " + Runtime.getRuntime().availableProcessors() + " cores, JVM "
                + System.getProperty("java.vm.name") + " " + System.getProperty("java.version") + "\n"
                + "- whole run: " + Duration.between(started, Instant.now()).toSeconds() + " s\n\n";
        Path out = Path.of(
                "bench/results/trigger-" + java.time.LocalDate.now() + (args.length == 0 ? "" : "-custom") + ".md");
        Files.writeString(out, header + table + "\n");
        System.out.println("written to " + out);
        System.exit(0);
    }

    record Result(int triggers, double seconds, double cpuSeconds, double load, String outcome) {
        double perSecond() {
            return triggers / seconds;
        }

        String row(String name) {
            return String.format(
                    "| %s | %,d | %.2f | %,.0f | %s | %.1f | %.2f |",
                    name, triggers, seconds, perSecond(), outcome, cpuSeconds, load);
        }
    }

    /** Buckets, queues and backlogs: n changes with archive, trigger and the notification S3 sends, not timed. */
    static String[] prepare(LocalAwsServers aws, String name, int n) throws Exception {
        String bucket = name;
        aws.createBucket(bucket);
        String queueUrl = aws.createQueueWithDlq(name, 50, 30);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> done = new ArrayList<>();
        for (int from = 0; from < n; from += 10) {
            int start = from;
            done.add(pool.submit(() -> {
                List<SendMessageBatchRequestEntry> batch = new ArrayList<>();
                for (int i = start; i < Math.min(n, start + 10); i++) {
                    String change = "CHG-" + i;
                    aws.s3()
                            .putObject(
                                    b -> b.bucket(bucket).key("archive/" + change + ".json"),
                                    RequestBody.fromString("{\"changeId\":\"" + change
                                            + "\",\"title\":\"Patch window\",\"modifications\":[]}"));
                    String key = "customers/" + CUSTOMER + "/" + change + ".json";
                    aws.s3().putObject(b -> b.bucket(bucket).key(key), RequestBody.fromString("{}"));
                    batch.add(SendMessageBatchRequestEntry.builder()
                            .id("m" + i)
                            .messageBody(S3Notification.objectCreated(
                                    LocalAwsServers.REGION.id(), bucket, key, 2, "\"e\"", Instant.now()))
                            .build());
                }
                aws.sqs().sendMessageBatch(b -> b.queueUrl(queueUrl).entries(batch));
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();
        return new String[] {bucket, queueUrl};
    }

    /** Checks afterwards: no trigger left, every archive has exactly one modification, the sink saw each key once. */
    static String validate(LocalAwsServers aws, Sink sink, String bucket, int n, String prefix) {
        int left = aws.s3()
                .listObjectsV2(b -> b.bucket(bucket).prefix("customers/"))
                .keyCount();
        int keys = sink.distinct(prefix);
        int duplicates = sink.duplicates(prefix);
        int wrongArchives = 0;
        for (int i = 0; i < n; i += Math.max(1, n / 200)) {
            String change = "CHG-" + i;
            try {
                var doc = JSON.readTree(aws.s3()
                        .getObjectAsBytes(b -> b.bucket(bucket).key("archive/" + change + ".json"))
                        .asByteArray());
                if (doc.path("modifications").size() != 1) {
                    wrongArchives++;
                }
            } catch (IOException e) {
                wrongArchives++;
            }
        }
        if (left == 0 && keys == n && duplicates == 0 && wrongArchives == 0) {
            return "every trigger once";
        }
        return "INVALID: triggers left " + left + ", keys " + keys + "/" + n + ", duplicates " + duplicates
                + ", archives without exactly one entry (sampled) " + wrongArchives;
    }

    static int queueDepth(SqsClient sqs, String queueUrl) {
        Map<String, String> a = sqs.getQueueAttributes(b -> b.queueUrl(queueUrl)
                        .attributeNamesWithStrings(
                                "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"))
                .attributesAsStrings();
        return Integer.parseInt(a.get("ApproximateNumberOfMessages"))
                + Integer.parseInt(a.get("ApproximateNumberOfMessagesNotVisible"));
    }

    static double cpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                        .getProcessCpuTime()
                / 1e9;
    }

    static double load() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    /** (a) caravan: the whole app, one s3-transient-trigger row; timed from reconcile until every message is gone. */
    static final class Caravan {
        final LocalAwsServers aws;
        final Sink sink;
        final Path templates;
        final Path work;
        final int consumers;
        static final AtomicInteger RUNS = new AtomicInteger();

        Caravan(LocalAwsServers aws, Sink sink, Path templates, Path work, int consumers) {
            this.aws = aws;
            this.sink = sink;
            this.templates = templates;
            this.work = work;
            this.consumers = consumers;
        }

        Result run(int n, String label) throws Exception {
            String name = "bench-caravan-" + label + "-" + RUNS.incrementAndGet();
            String[] setup = prepare(aws, name, n);
            Map<String, String> settings =
                    CaravanApp.settings("jdbc:h2:file:" + work.resolve(name) + ";AUTO_SERVER=FALSE", "caravan", "");
            settings.put("camel.main.routesIncludePattern", "file:" + templates + "/*.yaml");
            settings.put("caravan.aws.s3.endpoint-override", aws.s3Endpoint().toString());
            settings.put("caravan.aws.sqs.endpoint-override", aws.sqsEndpoint().toString());
            settings.put("caravan.aws.region", LocalAwsServers.REGION.id());
            settings.put("caravan.config.refresh", "1h");
            try (CaravanApp app = CaravanApp.start(settings)) {
                Map<String, String> params = Map.of(
                        "customer",
                        CUSTOMER,
                        "queue",
                        name,
                        "bucket",
                        setup[0],
                        "target",
                        sink.url() + "/" + name,
                        "concurrentConsumers",
                        String.valueOf(consumers),
                        "maxMessagesPerPoll",
                        "10",
                        "visibilityTimeout",
                        "30s",
                        "waitTime",
                        "1s");
                app.routeConfig().upsert(TriggerRows.row("trigger-bench", params), "bench");
                double load = load();
                double cpu0 = cpuSeconds();
                long t0 = System.nanoTime();
                app.reconciler().reconcile();
                while (sink.count("/" + name) < n || queueDepth(aws.sqs(), setup[1]) > 0) {
                    Thread.sleep(20);
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                double cpu = cpuSeconds() - cpu0;
                return new Result(n, seconds, cpu, load, validate(aws, sink, setup[0], n, "/" + name));
            }
        }
    }

    /**
     * (b) the raw loop: per message receive, parse (AWS's event model), HEAD trigger, GET archive, POST to the sink,
     * PUT archive with If-Match (again on 412), DELETE trigger, DELETE message; the same number of threads and the same
     * SDK client settings as caravan's route ({@link AwsClients}).
     */
    static final class RawLoop {
        final LocalAwsServers aws;
        final Sink sink;
        final int consumers;
        static final AtomicInteger RUNS = new AtomicInteger();

        RawLoop(LocalAwsServers aws, Sink sink, int consumers) {
            this.aws = aws;
            this.sink = sink;
            this.consumers = consumers;
        }

        Result run(int n, String label) throws Exception {
            String name = "bench-raw-" + label + "-" + RUNS.incrementAndGet();
            String[] setup = prepare(aws, name, n);
            String bucket = setup[0];
            String queueUrl = setup[1];
            String target = sink.url() + "/" + name;
            AtomicInteger processed = new AtomicInteger();
            try (AwsClients clients = new AwsClients(
                    new AwsClients.Settings(
                            LocalAwsServers.REGION.id(),
                            Optional.empty(),
                            Optional.of(aws.s3Endpoint()),
                            Optional.of(aws.sqsEndpoint()),
                            Math.max(10, consumers * 4)),
                    "bench")) {
                HttpClient http = HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(5))
                        .build();
                S3Client s3 = clients.s3();
                SqsClient sqs = clients.sqs();
                ExecutorService threads = Executors.newFixedThreadPool(consumers);
                double load = load();
                double cpu0 = cpuSeconds();
                long t0 = System.nanoTime();
                List<Future<?>> loops = new ArrayList<>();
                for (int t = 0; t < consumers; t++) {
                    loops.add(threads.submit(() -> {
                        while (processed.get() < n) {
                            List<Message> messages = sqs.receiveMessage(b -> b.queueUrl(queueUrl)
                                            .maxNumberOfMessages(10)
                                            .waitTimeSeconds(1)
                                            .visibilityTimeout(30))
                                    .messages();
                            for (Message m : messages) {
                                handle(s3, http, bucket, target, m);
                                sqs.deleteMessage(b -> b.queueUrl(queueUrl).receiptHandle(m.receiptHandle()));
                                processed.incrementAndGet();
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : loops) {
                    f.get();
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                double cpu = cpuSeconds() - cpu0;
                threads.shutdown();
                return new Result(n, seconds, cpu, load, validate(aws, sink, bucket, n, "/" + name));
            }
        }

        static void handle(S3Client s3, HttpClient http, String bucket, String target, Message m) throws Exception {
            var record = S3EventNotification.fromJson(m.body()).getRecords().get(0);
            String key = record.getS3().getObject().getUrlDecodedKey();
            String changeId = key.substring(key.lastIndexOf('/') + 1, key.length() - ".json".length());
            try {
                s3.headObject(b -> b.bucket(bucket).key(key));
            } catch (NoSuchKeyException gone) {
                return;
            }
            String archiveKey = "archive/" + changeId + ".json";
            var archive = s3.getObjectAsBytes(b -> b.bucket(bucket).key(archiveKey));
            String idempotencyKey = changeId + ":" + CUSTOMER;
            HttpResponse<Void> response = http.send(
                    HttpRequest.newBuilder(URI.create(target))
                            .header("Content-Type", "application/json")
                            .header("Idempotency-Key", idempotencyKey)
                            .POST(HttpRequest.BodyPublishers.ofByteArray(archive.asByteArray()))
                            .build(),
                    HttpResponse.BodyHandlers.discarding());
            if (response.statusCode() >= 300) {
                throw new IllegalStateException("sink answered " + response.statusCode());
            }
            byte[] bytes = archive.asByteArray();
            String eTag = archive.response().eTag();
            while (true) {
                ObjectNode doc = (ObjectNode) JSON.readTree(bytes);
                ArrayNode modifications = doc.withArray("modifications");
                modifications
                        .addObject()
                        .put("type", "processed")
                        .put("customer", CUSTOMER)
                        .put("timestamp", Instant.now().toString())
                        .put("outcome", "HTTP " + response.statusCode())
                        .put("idempotencyKey", idempotencyKey);
                String match = eTag;
                try {
                    s3.putObject(
                            b -> b.bucket(bucket).key(archiveKey).ifMatch(match).contentType("application/json"),
                            RequestBody.fromBytes(JSON.writeValueAsBytes(doc)));
                    break;
                } catch (S3Exception e) {
                    if (e.statusCode() != 412) {
                        throw e;
                    }
                    var again = s3.getObjectAsBytes(b -> b.bucket(bucket).key(archiveKey));
                    bytes = again.asByteArray();
                    eTag = again.response().eTag();
                }
            }
            s3.deleteObject(b -> b.bucket(bucket).key(key));
        }
    }

    /** The HTTP target both variants POST to: answers 200 and counts requests and distinct keys per path. */
    static final class Sink implements AutoCloseable {
        final HttpServer server;
        final ExecutorService threads = Executors.newFixedThreadPool(4);
        final Map<String, Map<String, AtomicInteger>> keysByPath = new ConcurrentHashMap<>();

        Sink() throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 200);
            server.setExecutor(threads);
            server.createContext("/", this::handle);
            server.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort();
        }

        void handle(HttpExchange e) throws IOException {
            try (InputStream in = e.getRequestBody()) {
                in.readAllBytes();
            }
            String key = e.getRequestHeaders().getFirst("Idempotency-Key");
            keysByPath
                    .computeIfAbsent(e.getRequestURI().getPath(), p -> new ConcurrentHashMap<>())
                    .computeIfAbsent(String.valueOf(key), k -> new AtomicInteger())
                    .incrementAndGet();
            e.sendResponseHeaders(200, -1);
            e.close();
        }

        int count(String path) {
            return keysByPath.getOrDefault(path, Map.of()).values().stream()
                    .mapToInt(AtomicInteger::get)
                    .sum();
        }

        int distinct(String path) {
            return keysByPath.getOrDefault(path, Map.of()).size();
        }

        int duplicates(String path) {
            return count(path) - distinct(path);
        }

        @Override
        public void close() {
            server.stop(0);
            threads.shutdownNow();
        }
    }

    static int intArg(String[] args, String name, int defaultValue) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return Integer.parseInt(args[i + 1]);
            }
        }
        return defaultValue;
    }
}
