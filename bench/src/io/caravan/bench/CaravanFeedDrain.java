package io.caravan.bench;

import io.caravan.store.DrainProfile;
import io.caravan.store.Execution;
import io.caravan.store.RouteConfigRow;
import io.caravan.testing.CaravanApp;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * (a) caravan: the whole app in this JVM on a fresh store, one watermark-feed route_config row whose drain profile
 * lets a single execution take the whole backlog. Timed from the row's insertion to the sink's last request.
 */
final class CaravanFeedDrain implements Drain {
    static final String ROUTE_ID = "bench-feed";
    static final String PROFILE = "BENCH";
    static final int PAGE = 500;

    private final Path routesDir;
    private final Path templates;
    private final Integer parallelDeliveries;
    private final String name;

    /**
     * @param routesDir where the named statement source-rows.sql lives (under sql/)
     * @param templates caravan's route templates as they were when the bench was compiled (bench/run copies them)
     * @param parallelDeliveries the route's parallelDeliveries parameter, or null for caravan's default
     * @param name the variant's name in progress lines and results ("caravan" in the loopback scenario)
     */
    CaravanFeedDrain(Path routesDir, Path templates, Integer parallelDeliveries, String name) {
        this.routesDir = routesDir;
        this.templates = templates;
        this.parallelDeliveries = parallelDeliveries;
        this.name = name;
    }

    String settingsNote() {
        return parallelDeliveries == null ? "parallelDeliveries default" : "parallelDeliveries=" + parallelDeliveries;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Run run(BenchStore store, Backlog backlog, Sink sink) throws Exception {
        BenchStore.Db storeDb = store.fresh("caravan_store");
        Map<String, String> settings = CaravanApp.settings(storeDb.url(), storeDb.user(), storeDb.password());
        settings.put("caravan.source.src.url", backlog.db.url());
        settings.put("caravan.source.src.user", backlog.db.user());
        settings.put("caravan.source.src.password", backlog.db.password());
        settings.put("caravan.routes.dir", routesDir.toString());
        // the templates compiled with this bench, not whatever routes/ holds by the time this run starts
        settings.put("camel.main.routesIncludePattern", "file:" + templates + "/*.yaml");
        CaravanApp app = CaravanApp.start(settings);
        try {
            int cycles = backlog.rows / PAGE + 2;
            app.profiles()
                    .upsert(new DrainProfile(
                            PROFILE,
                            Duration.ofSeconds(1),
                            PAGE,
                            cycles,
                            "bench: one execution drains the whole backlog"));
            // overlap only shapes later executions' re-read; the measured first one starts at the origin
            String params = "{\"sourceKind\":\"jdbc\",\"sourceDataSource\":\"src\",\"sourceQuery\":\"source-rows\","
                    + "\"key\":\"SAP:HOURS:${body[id]}:${body[revision]}\",\"overlap\":\"1s\","
                    + (parallelDeliveries == null ? "" : "\"parallelDeliveries\":\"" + parallelDeliveries + "\",")
                    + "\"target\":\"" + sink.url() + "\"}";
            RouteConfigRow row = new RouteConfigRow(
                    ROUTE_ID,
                    "watermark-feed",
                    true,
                    "T3",
                    PROFILE,
                    null,
                    params,
                    null,
                    null,
                    null,
                    null,
                    "bench",
                    1,
                    Instant.now(),
                    "bench");

            long cpu = Drain.cpuNanos();
            long start = System.nanoTime();
            app.routeConfig().upsert(row, "bench");
            app.reconciler().reconcile(); // the row is picked up now instead of at the next config refresh
            if (!app.reconciler().rejected().isEmpty()) {
                throw new IllegalStateException(
                        "caravan rejected the bench row: " + app.reconciler().rejected());
            }
            long end = Drain.awaitRequests(sink, backlog.rows, name);
            double cpuSeconds = Drain.cpuSecondsSince(cpu);

            Execution first = awaitFirstExecution(app);
            Thread.sleep(300); // anything arriving late (a second delivery) still counts against the run
            double inner = Duration.between(first.startedAt(), first.endedAt()).toNanos() / 1e9;
            if (first.rowsDelivered() != backlog.rows) {
                System.out.println("  caravan: first execution delivered " + first.rowsDelivered() + " rows ("
                        + first.status() + ", " + first.cycles() + " cycles)");
            }
            List<Execution> all = app.executionLog().recent(ROUTE_ID, 1000);
            long read = all.stream().mapToLong(Execution::rowsRead).sum();
            long delivered = all.stream().mapToLong(Execution::rowsDelivered).sum();
            System.out.printf(
                    "  caravan: %d rows read for %d delivered in %d executions: %.3f rows read per row delivered%n",
                    read, delivered, all.size(), delivered == 0 ? Double.NaN : (double) read / delivered);
            return new Run(name(), backlog.rows, (end - start) / 1e9, inner, cpuSeconds, sink.check());
        } finally {
            app.close();
            storeDb.drop().run();
        }
    }

    private static Execution awaitFirstExecution(CaravanApp app) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            List<Execution> recent = app.executionLog().recent(ROUTE_ID, 20);
            Execution first =
                    recent.stream().min(Comparator.comparingLong(Execution::id)).orElse(null);
            if (first != null && first.endedAt() != null) {
                return first;
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("caravan's first execution did not finish within 30 s of the last delivery");
    }
}
