package io.caravan.bench;

import com.sun.net.httpserver.HttpServer;
import io.caravan.local.InProcessKafka;
import io.caravan.local.LocalAwsServers;
import io.caravan.store.DrainProfile;
import io.caravan.store.RouteConfigRow;
import io.caravan.testing.CaravanApp;
import io.caravan.testing.FeedRow;
import io.caravan.testing.SourceTable;
import io.caravan.testing.SubscriptionRow;
import io.caravan.testing.TemplateRow;
import io.caravan.testing.TriggerRows;
import io.caravan.testing.WebhookSender;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.apache.camel.Route;

/**
 * The cost of a route row: caravan (test mode, H2 store; Kafka, S3Proxy and ElasticMQ in this JVM, started first and
 * measured as the baseline) with N rows of every family: feeds (60 s schedule, an empty source), triggers (one
 * queue each, at most 100 queues), subscriptions (an idle topic), inbound endpoints and drains (an idle inbox, 60 s
 * schedule). Measures, one JVM per size: caravan's start, the time to have every row running, resident memory
 * (VmRSS), heap after a GC, live threads and open sockets, each minus the baseline, and the time to reconcile one
 * changed row (checking that no other route was restarted). Appends one line per size to target/routes-bench.tsv;
 * {@code --report} prints the table with the growth per row.
 * Usage: bench/run routes [--rows 50,200,500] [--feed-sink http|kafka]
 */
public final class RoutesBench {
    static final Path LINES = Path.of("target", "routes-bench.tsv");
    /** Rows in the source table with --feed-sink kafka: each feed publishes them at its first execution. */
    static final int KAFKA_FEED_ROWS = 20;

    static final String PROFILE = "BENCH_60S";
    static final int MAX_QUEUES = 100;

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--report")) {
            report();
            return;
        }
        int rows = Integer.parseInt(option(args, "--rows", "50"));
        // kafka: the feeds publish to a topic instead of posting to the sink, and each has rows to publish at its
        // first execution (what a Kafka-sink feed holds after it has sent, not only while idle)
        boolean kafkaFeeds = option(args, "--feed-sink", "http").equals("kafka");
        Instant started = Instant.now();
        HttpServer sink = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 100);
        sink.createContext("/", x -> {
            x.getRequestBody().readAllBytes();
            x.sendResponseHeaders(200, -1);
            x.close();
        });
        sink.setExecutor(Executors.newFixedThreadPool(4));
        sink.start();
        String sinkUrl = "http://127.0.0.1:" + sink.getAddress().getPort();
        try (InProcessKafka kafka = InProcessKafka.start();
                LocalAwsServers aws = LocalAwsServers.start(CaravanApp.freePort(), CaravanApp.freePort())) {
            kafka.createTopic("bench-events", 1);
            kafka.createTopic("bench-inbox", 1);
            aws.createBucket("bench-changes");
            SourceTable source = SourceTable.create();
            if (kafkaFeeds) {
                kafka.createTopic("bench-feed-events", 1);
                source.insert(1, KAFKA_FEED_ROWS, Instant.parse("2024-01-01T00:00:00Z"));
            }
            int triggers = Math.min(MAX_QUEUES, rows / 5);
            List<String> queues = new ArrayList<>();
            for (int i = 0; i < triggers; i++) {
                aws.createQueueWithDlq("bench-q-" + i, 5, 30);
                queues.add("bench-q-" + i);
            }
            Cost baseline = Cost.now();

            Map<String, String> settings = CaravanApp.settings("jdbc:h2:mem:routes_bench;DB_CLOSE_DELAY=-1", "sa", "");
            settings.put("camel.component.kafka.brokers", kafka.bootstrapServers());
            settings.put("caravan.source.src.url", source.url());
            settings.put("caravan.source.src.user", source.user());
            settings.put("caravan.routes.dir", "bench/routes");
            settings.put(
                    "camel.main.routesIncludePattern",
                    "file:" + System.getProperty("bench.templates", "routes") + "/*.yaml");
            settings.put("camel.server.enabled", "true");
            settings.put("camel.server.port", String.valueOf(CaravanApp.freePort()));
            settings.put("caravan.aws.s3.endpoint-override", aws.s3Endpoint().toString());
            settings.put("caravan.aws.sqs.endpoint-override", aws.sqsEndpoint().toString());
            settings.put("caravan.aws.region", LocalAwsServers.REGION.id());
            settings.put("caravan.config.refresh", "1h"); // the bench reconciles itself

            long t0 = System.nanoTime();
            CaravanApp app = CaravanApp.start(settings);
            double startSeconds = (System.nanoTime() - t0) / 1e9;
            app.profiles().upsert(new DrainProfile(PROFILE, Duration.ofSeconds(60), 10, 1, "bench: idle rows"));
            String subscriptionSecret = WebhookSender.secretFile(WebhookSender.newSecret());
            String inboundSecret = WebhookSender.secretFile(WebhookSender.newSecret());

            Map<String, Integer> mix = new LinkedHashMap<>();
            List<RouteConfigRow> all = new ArrayList<>();
            for (int i = 0; i < rows; i++) {
                String family;
                RouteConfigRow row;
                int slot = i % 20; // 6 feeds, 4 triggers, 5 subscriptions, 3 inbound, 2 drains per 20 rows
                if (slot < 4 && i / 5 < triggers) {
                    family = "trigger";
                    int q = all.stream()
                            .filter(r -> r.template().equals("s3-transient-trigger"))
                            .toList()
                            .size();
                    Map<String, String> p = new HashMap<>();
                    p.put("customer", "c" + i);
                    p.put("queue", queues.get(q % queues.size()));
                    p.put("bucket", "bench-changes");
                    p.put("target", sinkUrl + "/process");
                    row = TriggerRows.row("trigger-" + i, TriggerRows.params(p));
                } else if (slot < 10) {
                    FeedRow feedRow = FeedRow.jdbc("feed-" + i, PROFILE, "src", sinkUrl + "/feed")
                            .schedule("every 60s");
                    if (kafkaFeeds) {
                        family = "feed→kafka";
                        feedRow = feedRow.param("sink", "kafka")
                                .param("targetTopic", "bench-feed-events")
                                .param("eventType", "BENCH_CHANGED");
                    } else {
                        family = "feed";
                    }
                    row = feedRow.row();
                } else if (slot < 15) {
                    family = "subscription";
                    row = SubscriptionRow.of("sub-" + i, "bench-events", sinkUrl + "/hooks", subscriptionSecret)
                            .row();
                } else if (slot < 18) {
                    family = "inbound";
                    row = TemplateRow.inboundWebhook("inbound-" + i, "src" + i, inboundSecret, "bench-inbox")
                            .row();
                } else {
                    family = "drain";
                    row = TemplateRow.queueDrain("drain-" + i, PROFILE, "bench-inbox", sinkUrl + "/drain")
                            .schedule("every 60s")
                            .row();
                }
                mix.merge(family, 1, Integer::sum);
                all.add(row);
            }
            long t1 = System.nanoTime();
            for (RouteConfigRow row : all) {
                app.routeConfig().upsert(row, "bench");
            }
            app.reconciler().reconcile();
            while (app.reconciler().running().size()
                                    + app.reconciler().rejected().size()
                            < rows
                    && System.nanoTime() - t1 < Duration.ofMinutes(5).toNanos()) {
                Thread.sleep(20);
            }
            double readySeconds = (System.nanoTime() - t1) / 1e9;
            int running = app.reconciler().running().size();
            if (!app.reconciler().rejected().isEmpty()) {
                System.out.println("rejected rows: " + app.reconciler().rejected());
            }
            Thread.sleep(
                    12_000); // consumers joined, first polls made, idle delivery threads of the first executions ended
            Cost cost = Cost.now().minus(baseline);
            printThreads();
            all.stream()
                    .filter(r -> r.template().equals("watermark-feed"))
                    .findFirst()
                    .ifPresent(r -> System.out.println("a feed's endpoint: "
                            + app.camel().getRoute(r.routeId()).getEndpoint().getEndpointUri()));

            // one changed row: a feed's throttle
            RouteConfigRow feed = all.stream()
                    .filter(r -> r.template().equals("watermark-feed"))
                    .findFirst()
                    .orElseThrow();
            Map<String, Route> before = new HashMap<>();
            app.camel().getRoutes().forEach(r -> before.put(r.getRouteId(), r));
            RouteConfigRow changed = new RouteConfigRow(
                    feed.routeId(),
                    feed.template(),
                    true,
                    feed.tier(),
                    feed.profile(),
                    feed.schedule(),
                    feed.params(),
                    7,
                    feed.retryMaxAttempts(),
                    feed.retryInitialDelayMs(),
                    feed.retryMaxDelayMs(),
                    "bench",
                    feed.version(),
                    Instant.now(),
                    "bench");
            app.routeConfig().upsert(changed, "bench");
            long t2 = System.nanoTime();
            app.reconciler().reconcile();
            double reconcileSeconds = (System.nanoTime() - t2) / 1e9;
            long restartedOthers = app.camel().getRoutes().stream()
                    .filter(r -> !r.getRouteId().equals(feed.routeId()))
                    .filter(r -> before.get(r.getRouteId()) != r)
                    .count();
            boolean changedRestarted = app.camel().getRoute(feed.routeId()) != before.get(feed.routeId());
            String line = String.join(
                    "\t",
                    String.valueOf(rows),
                    String.valueOf(running),
                    String.format("%.2f", startSeconds),
                    String.format("%.2f", readySeconds),
                    String.valueOf(cost.rssKb),
                    String.valueOf(cost.heapAfterGc),
                    String.valueOf(cost.threads),
                    String.valueOf(cost.sockets),
                    String.format("%.3f", reconcileSeconds),
                    String.valueOf(restartedOthers),
                    String.valueOf(changedRestarted),
                    mix.toString(),
                    String.format(
                            "%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()),
                    String.valueOf(baseline.rssKb),
                    String.valueOf(baseline.threads),
                    started.toString());
            System.out.println(line);
            Files.createDirectories(LINES.getParent());
            Files.writeString(
                    LINES,
                    line + "\n",
                    java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
            app.close();
        } finally {
            sink.stop(0);
        }
        System.exit(0);
    }

    /** Live threads by name with the digits dropped, most first: which part holds how many. */
    static void printThreads() {
        Map<String, Integer> byName = new java.util.TreeMap<>();
        Thread.getAllStackTraces()
                .keySet()
                .forEach(t -> byName.merge(t.getName().replaceAll("[0-9]+", "#"), 1, Integer::sum));
        byName.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .limit(25)
                .forEach(e -> System.out.println("threads " + e.getValue() + "\t" + e.getKey()));
    }

    /** What the JVM holds now: resident KiB, heap bytes after a GC, live threads, open sockets. */
    record Cost(long rssKb, long heapAfterGc, int threads, int sockets) {
        static Cost now() throws Exception {
            System.gc();
            Thread.sleep(200);
            System.gc();
            long rss = 0;
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("VmRSS:")) {
                    rss = Long.parseLong(l.replaceAll("[^0-9]", ""));
                }
            }
            long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            int threads = ManagementFactory.getThreadMXBean().getThreadCount();
            int sockets = 0;
            try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
                for (Path fd : fds.toList()) {
                    try {
                        if (Files.readSymbolicLink(fd).toString().startsWith("socket:")) {
                            sockets++;
                        }
                    } catch (Exception e) {
                        // closed meanwhile
                    }
                }
            }
            return new Cost(rss, heap, threads, sockets);
        }

        Cost minus(Cost base) {
            return new Cost(
                    rssKb - base.rssKb, heapAfterGc - base.heapAfterGc, threads - base.threads, sockets - base.sockets);
        }
    }

    /** The table of every line in target/routes-bench.tsv, and the growth per row between the smallest and largest. */
    static void report() throws Exception {
        List<String[]> lines = Files.readAllLines(LINES).stream()
                .filter(l -> !l.isBlank())
                .map(l -> l.split("\t"))
                .toList();
        StringBuilder md = new StringBuilder();
        md.append("# Routes benchmark ").append(LocalDate.now()).append("\n\n");
        md.append("Commit ")
                .append(System.getProperty("bench.commit", "unknown"))
                .append(", ")
                .append(Runtime.getRuntime().availableProcessors())
                .append(" cores, JDK ")
                .append(System.getProperty("java.version"))
                .append(". caravan.mode=test, H2 store; Kafka, S3Proxy, ElasticMQ and the sink in the same JVM: their ")
                .append("cost (the baseline) is subtracted. One JVM per size.\n\n");
        md.append(
                "| rows | running | caravan start s | rows ready s | resident MiB | heap after GC MiB | live threads | "
                        + "open sockets | one changed row reconciled s | other routes restarted | load avg | mix |\n");
        md.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
        for (String[] l : lines) {
            md.append(String.format(
                    "| %s | %s | %s | %s | %.0f | %.0f | %s | %s | %s | %s | %s | %s |%n",
                    l[0],
                    l[1],
                    l[2],
                    l[3],
                    Long.parseLong(l[4]) / 1024.0,
                    Long.parseLong(l[5]) / 1048576.0,
                    l[6],
                    l[7],
                    l[8],
                    l[9],
                    l[12],
                    l[11]));
        }
        if (lines.size() > 1) {
            String[] a = lines.get(0);
            String[] b = lines.get(lines.size() - 1);
            double n = Integer.parseInt(b[0]) - Integer.parseInt(a[0]);
            md.append(String.format(
                    "%nGrowth per row (%s → %s rows): %.2f s ready, %.2f MiB resident, %.3f MiB heap, %.2f threads, "
                            + "%.2f sockets.%n",
                    a[0],
                    b[0],
                    (Double.parseDouble(b[3]) - Double.parseDouble(a[3])) / n,
                    (Long.parseLong(b[4]) - Long.parseLong(a[4])) / 1024.0 / n,
                    (Long.parseLong(b[5]) - Long.parseLong(a[5])) / 1048576.0 / n,
                    (Integer.parseInt(b[6]) - Integer.parseInt(a[6])) / n,
                    (Integer.parseInt(b[7]) - Integer.parseInt(a[7])) / n));
        }
        System.out.println(md);
        Path dir = Path.of("bench", "results");
        Files.createDirectories(dir);
        Path out = dir.resolve("routes-" + LocalDate.now() + ".md");
        Files.writeString(out, md.toString());
        System.out.println("written to " + out);
    }

    private static String option(String[] args, String name, String defaultValue) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return defaultValue;
    }
}
