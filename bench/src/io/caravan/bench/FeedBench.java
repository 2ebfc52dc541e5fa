package io.caravan.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Drains the same JDBC backlog into one in-process HTTP sink with (a) caravan's watermark feed, (b) the plain Camel
 * idiom and (c) a raw JDBC + HTTP loop, per store, and prints rows per second, a/b, a/c and caravan's scaling from
 * N/10 to N rows. Then, unless skipped, a second scenario, "remote target": the same variants (caravan with
 * parallelDeliveries 1 and 8) on a smaller backlog into a sink that answers each POST after a fixed latency, as a
 * target across a network would; its ratios are information only, the targets are judged on the loopback scenario.
 * Usage: bench/run [--rows N] [--store h2|postgresql|both] [--skip-scaling] [--skip-remote] [--remote-rows N]
 * [--target-latency-ms N].
 */
public final class FeedBench {
    static final int WARMUP_ROWS = 5_000;
    static final double TARGET_A_OVER_B = 2.0;
    static final double TARGET_A_OVER_C = 0.5;
    static final double TARGET_SCALING = 11.0;
    static final int DEFAULT_ROWS = 200_000;
    static final int DEFAULT_REMOTE_ROWS = 10_000;
    static final int DEFAULT_LATENCY_MS = 5;
    /** The remote sink's threads: far more than any variant has in flight, so waiting never queues at the sink. */
    static final int REMOTE_SINK_THREADS = 64;

    static final List<Integer> REMOTE_PARALLEL = List.of(1, 8);

    private record Options(
            int rows,
            List<String> stores,
            boolean scaling,
            List<String> variants,
            Integer parallelDeliveries,
            boolean remote,
            int remoteRows,
            int latencyMs,
            Path resultsDir) {
        boolean standard() {
            return rows == DEFAULT_ROWS
                    && stores.size() == 2
                    && scaling
                    && variants.size() == 3
                    && parallelDeliveries == null
                    && remote
                    && remoteRows == DEFAULT_REMOTE_ROWS
                    && latencyMs == DEFAULT_LATENCY_MS;
        }
    }

    /** Everything measured on one store: the loopback scenario, and the remote-target scenario (empty if skipped). */
    private record StoreResult(
            String store, String durability, List<Run> runs, Run scalingSmall, List<Run> remoteRuns) {
        Run run(String variant) {
            return find(runs, variant);
        }

        Run remote(String variant) {
            return find(remoteRuns, variant);
        }

        private static Run find(List<Run> runs, String variant) {
            return runs.stream()
                    .filter(r -> r.variant().equals(variant))
                    .findFirst()
                    .orElse(null);
        }
    }

    public static void main(String[] args) throws Exception {
        Options options = parse(args);
        Path routesDir = Path.of("bench", "routes");
        Path templates = Path.of(System.getProperty("bench.templates", "routes"));
        CaravanFeedDrain caravan = new CaravanFeedDrain(routesDir, templates, options.parallelDeliveries(), "caravan");
        List<Drain> drains = java.util.stream.Stream.of(caravan, new PlainCamelDrain(), new RawLoopDrain())
                .filter(d -> options.variants().contains(d.name()))
                .toList();
        // remote target: caravan one row at a time and eight at a time, then the same (b) and (c)
        List<Drain> remoteDrains = new ArrayList<>();
        if (options.variants().contains("caravan")) {
            for (int p : REMOTE_PARALLEL) {
                remoteDrains.add(new CaravanFeedDrain(routesDir, templates, p, remoteCaravan(p)));
            }
        }
        drains.stream().filter(d -> !(d instanceof CaravanFeedDrain)).forEach(remoteDrains::add);
        List<StoreResult> results = new ArrayList<>();
        LocalDateTime started = LocalDateTime.now();
        long startedNanos = System.nanoTime();
        try (Sink sink = new Sink(4);
                Sink remoteSink = new Sink(REMOTE_SINK_THREADS, options.latencyMs())) {
            for (String kind : options.stores()) {
                try (BenchStore store = BenchStore.open(kind)) {
                    System.out.println("== " + kind + ": " + store.durability());
                    for (Drain drain : drains) {
                        measure(store, drain, WARMUP_ROWS, sink, "warm-up");
                    }
                    List<Run> runs = new ArrayList<>();
                    for (Drain drain : drains) {
                        runs.add(measure(store, drain, options.rows(), sink, "measured"));
                    }
                    Run small = options.scaling() && options.variants().contains("caravan")
                            ? measure(store, drains.get(0), options.rows() / 10, sink, "scaling")
                            : null;
                    List<Run> remoteRuns = new ArrayList<>();
                    if (options.remote()) {
                        // no separate warm-up: the loopback runs above already warmed every code path in this JVM
                        System.out.println(
                                "  -- remote target: every POST answered after " + options.latencyMs() + " ms");
                        for (Drain drain : remoteDrains) {
                            remoteRuns.add(measure(store, drain, options.remoteRows(), remoteSink, "remote"));
                        }
                    }
                    results.add(new StoreResult(kind, store.durability(), runs, small, remoteRuns));
                }
            }
        }
        long wallSeconds = (System.nanoTime() - startedNanos) / 1_000_000_000L;
        String report = report(options, results, started, wallSeconds, caravan.settingsNote());
        System.out.println();
        System.out.println(report);
        Files.createDirectories(options.resultsDir());
        Path file = options.resultsDir().resolve(resultsName(options));
        Files.writeString(file, report);
        System.out.println("written to " + file);
        System.exit(0); // camel-main and the embedded server leave non-daemon threads behind
    }

    private static Run measure(BenchStore store, Drain drain, int rows, Sink sink, String phase) throws Exception {
        System.gc();
        try (Backlog backlog = Backlog.create(store, rows)) {
            sink.reset(rows);
            double load = loadAverage();
            Run run;
            try {
                run = drain.run(store, backlog, sink);
            } catch (IllegalStateException e) {
                System.out.println("  " + drain.name() + " failed: " + e.getMessage());
                run = new Run(drain.name(), rows, Double.NaN, Double.NaN, Double.NaN, sink.check());
            }
            run = run.withLoadBefore(load);
            System.out.printf(
                    Locale.ROOT,
                    "  %-8s %-11s %,9d rows %8.2f s %,8.0f rows/s  cpu %6.1f s  load %.2f  %s%s%n",
                    phase,
                    run.variant(),
                    rows,
                    run.seconds(),
                    run.rowsPerSecond(),
                    run.cpuSeconds(),
                    load,
                    run.valid() ? "valid" : "INVALID ",
                    run.check().problem());
            return run;
        }
    }

    /** The 1-minute load average, NaN where there is no /proc. */
    private static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    private static String remoteCaravan(int parallelDeliveries) {
        return "caravan-p" + parallelDeliveries;
    }

    private static String report(
            Options options,
            List<StoreResult> results,
            LocalDateTime started,
            long wallSeconds,
            String caravanSettings) {
        StringBuilder out = new StringBuilder();
        out.append("# caravan feed benchmark, ")
                .append(started.truncatedTo(ChronoUnit.MINUTES))
                .append("\n\n");
        out.append("- command: `bench/run")
                .append(options.rows() == DEFAULT_ROWS ? "" : " --rows " + options.rows())
                .append(
                        options.stores().size() == 2
                                ? ""
                                : " --store " + options.stores().get(0))
                .append(options.scaling() ? "" : " --skip-scaling")
                .append(options.variants().size() == 3 ? "" : " --variants " + String.join(",", options.variants()))
                .append(
                        options.parallelDeliveries() == null
                                ? ""
                                : " --parallel-deliveries " + options.parallelDeliveries())
                .append(options.remote() ? "" : " --skip-remote")
                .append(
                        !options.remote() || options.remoteRows() == DEFAULT_REMOTE_ROWS
                                ? ""
                                : " --remote-rows " + options.remoteRows())
                .append(
                        !options.remote() || options.latencyMs() == DEFAULT_LATENCY_MS
                                ? ""
                                : " --target-latency-ms " + options.latencyMs())
                .append("`\n");
        out.append("- caravan route: page 500 (max_returned_events), one execution drains the backlog, no throttle, ")
                .append(caravanSettings)
                .append(options.remote() ? " in the loopback scenario; 1 and 8 in the remote-target scenario" : "")
                .append("\n");
        out.append("- commit: ")
                .append(System.getProperty("bench.commit", "unknown"))
                .append('\n');
        out.append("- machine: ").append(machine()).append('\n');
        out.append("- JVM: ")
                .append(System.getProperty("java.vm.name"))
                .append(' ')
                .append(System.getProperty("java.version"))
                .append(", ")
                .append(String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()))
                .append('\n');
        out.append("- one run per cell, after a warm-up of every variant on ")
                .append(String.format(Locale.ROOT, "%,d", WARMUP_ROWS))
                .append(" rows in the same JVM; sink: JDK HttpServer on 127.0.0.1, 4 threads, 201 to every POST\n");
        out.append(String.format(
                Locale.ROOT, "- whole run (build excluded): %d min %02d s%n", wallSeconds / 60, wallSeconds % 60));
        out.append("\n# Scenario 1: loopback target (the issue's targets are judged here)\n");
        for (StoreResult r : results) {
            out.append("\n## loopback target, store: ")
                    .append(r.store())
                    .append("\n\n")
                    .append(r.durability())
                    .append("\n\n");
            out.append(
                    "| variant | rows | seconds | rows/s | delivery | JVM CPU s | load before |\n|---|---:|---:|---:|---|---:|---:|\n");
            for (Run run : r.runs()) {
                row(out, label(run.variant()), run);
            }
            if (r.scalingSmall() != null) {
                row(out, label("caravan") + ", N/10", r.scalingSmall());
            }
            Run a = r.run("caravan");
            Run b = r.run("plain-camel");
            Run c = r.run("raw-loop");
            out.append("\n| check | value | target | result |\n|---|---:|---:|---|\n");
            ratio(out, "a/b (caravan vs plain Camel, rows/s)", a, b, TARGET_A_OVER_B);
            ratio(out, "a/c (caravan vs raw loop, rows/s)", a, c, TARGET_A_OVER_C);
            if (r.scalingSmall() != null && a != null) {
                Run s = r.scalingSmall();
                double timeRatio = a.seconds() / s.seconds();
                boolean ok = a.valid() && s.valid() && timeRatio <= TARGET_SCALING;
                out.append(String.format(
                        Locale.ROOT,
                        "| caravan time, %,d rows / %,d rows | %.2f | ≤ %.0f | %s |%n",
                        a.rows(),
                        s.rows(),
                        timeRatio,
                        TARGET_SCALING,
                        ok ? "met" : "NOT met"));
                out.append(String.format(
                        Locale.ROOT,
                        "| same, route's own execution time (execution_log: %.2f s / %.2f s) | %.2f | | info |%n",
                        a.innerSeconds(),
                        s.innerSeconds(),
                        a.innerSeconds() / s.innerSeconds()));
            }
        }
        if (options.remote()) {
            remoteReport(out, options, results);
        }
        return out.toString();
    }

    private static void remoteReport(StringBuilder out, Options options, List<StoreResult> results) {
        int n = options.remoteRows();
        double serial = n * options.latencyMs() / 1000.0;
        out.append("\n# Scenario 2: remote target (information only; no targets)\n\n");
        out.append(String.format(
                Locale.ROOT,
                "Same backlog shape and validity checks, %,d rows, into a second sink that answers every POST "
                        + "%d ms after its request arrived (JDK HttpServer on 127.0.0.1, %d threads, so requests never queue at the sink), "
                        + "as an SAP-like target across a network would. Run right after the loopback scenario on the same store, without a "
                        + "warm-up of its own. Delivering one row at a time cannot take less than %,d × %d ms = %.1f s (%,.0f rows/s); eight "
                        + "at a time, %.2f s (%,.0f rows/s).%n",
                n,
                options.latencyMs(),
                REMOTE_SINK_THREADS,
                n,
                options.latencyMs(),
                serial,
                n / serial,
                serial / 8,
                8 * n / serial));
        for (StoreResult r : results) {
            out.append("\n## remote target (")
                    .append(options.latencyMs())
                    .append(" ms per POST), store: ")
                    .append(r.store())
                    .append("\n\n");
            out.append(
                    "| variant | rows | seconds | rows/s | delivery | JVM CPU s | load before |\n|---|---:|---:|---:|---|---:|---:|\n");
            for (Run run : r.remoteRuns()) {
                row(out, label(run.variant()), run);
            }
            out.append("\n| ratio (rows/s) | value |\n|---|---:|\n");
            for (int p : REMOTE_PARALLEL) {
                Run a = r.remote(remoteCaravan(p));
                info(out, "a/b, caravan parallelDeliveries=" + p + " vs plain Camel", a, r.remote("plain-camel"));
                info(out, "a/c, caravan parallelDeliveries=" + p + " vs raw loop", a, r.remote("raw-loop"));
            }
        }
    }

    private static void info(StringBuilder out, String label, Run x, Run y) {
        if (x == null || y == null) {
            return;
        }
        out.append("| ")
                .append(label)
                .append(" | ")
                .append(
                        x.valid() && y.valid()
                                ? String.format(Locale.ROOT, "%.2f", x.rowsPerSecond() / y.rowsPerSecond())
                                : "n/a (a run was invalid)")
                .append(" |\n");
    }

    private static void row(StringBuilder out, String label, Run run) {
        out.append(String.format(
                Locale.ROOT,
                "| %s | %,d | %.2f | %,.0f | %s | %.1f | %.2f |%n",
                label,
                run.rows(),
                run.seconds(),
                run.rowsPerSecond(),
                run.valid()
                        ? "every row exactly once"
                        : "**INVALID**: " + run.check().problem(),
                run.cpuSeconds(),
                run.loadBefore()));
    }

    private static void ratio(StringBuilder out, String label, Run x, Run y, double target) {
        if (x == null || y == null) {
            return;
        }
        if (!x.valid() || !y.valid()) {
            out.append("| ")
                    .append(label)
                    .append(" | n/a | ≥ ")
                    .append(target)
                    .append(" | not comparable: a run was invalid |\n");
            return;
        }
        double value = x.rowsPerSecond() / y.rowsPerSecond();
        out.append(String.format(
                Locale.ROOT,
                "| %s | %.2f | ≥ %.1f | %s |%n",
                label,
                value,
                target,
                value >= target ? "met" : "NOT met"));
    }

    private static String label(String variant) {
        return switch (variant) {
            case "caravan" -> "(a) caravan watermark feed";
            case "plain-camel" -> "(b) plain Camel: jdbc → split → idempotentConsumer(JdbcMessageIdRepository) → http";
            case "raw-loop" -> "(c) raw JDBC keyset loop → java.net.http";
            default ->
                variant.startsWith("caravan-p")
                        ? "(a) caravan watermark feed, parallelDeliveries=" + variant.substring("caravan-p".length())
                        : variant;
        };
    }

    private static String machine() {
        String cpu = "unknown CPU";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(l -> l.startsWith("model name"))
                    .findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .orElse(cpu);
        } catch (IOException e) {
            // not Linux
        }
        long memGb = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                        .getTotalMemorySize()
                >> 30;
        return Runtime.getRuntime().availableProcessors() + " cores (" + cpu + "), " + memGb + " GB RAM, "
                + System.getProperty("os.name") + " " + System.getProperty("os.version") + "; all traffic on loopback";
    }

    private static String resultsName(Options o) {
        String date = LocalDate.now().toString();
        return o.standard()
                ? "feed-" + date + ".md"
                : "feed-" + date + "-" + o.rows() + "rows-" + String.join("+", o.stores())
                        + (o.scaling() ? "" : "-noscaling")
                        + (o.variants().size() == 3 ? "" : "-" + String.join("+", o.variants()))
                        + (o.parallelDeliveries() == null ? "" : "-parallel" + o.parallelDeliveries())
                        + (!o.remote()
                                ? "-noremote"
                                : o.remoteRows() == DEFAULT_REMOTE_ROWS && o.latencyMs() == DEFAULT_LATENCY_MS
                                        ? ""
                                        : "-remote" + o.remoteRows() + "rows" + o.latencyMs() + "ms")
                        + ".md";
    }

    private static Options parse(String[] args) {
        int rows = DEFAULT_ROWS;
        boolean remote = true;
        int remoteRows = DEFAULT_REMOTE_ROWS;
        int latencyMs = DEFAULT_LATENCY_MS;
        String store = "both";
        boolean scaling = true;
        List<String> variants = List.of("caravan", "plain-camel", "raw-loop");
        Integer parallelDeliveries = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--rows" ->
                    rows = Integer.parseInt(args[++i].replace("_", "").replace(",", ""));
                case "--store" -> store = args[++i];
                case "--skip-scaling" -> scaling = false;
                case "--variants" -> variants = List.of(args[++i].split(","));
                case "--parallel-deliveries" -> parallelDeliveries = Integer.parseInt(args[++i]);
                case "--skip-remote" -> remote = false;
                case "--remote-rows" ->
                    remoteRows = Integer.parseInt(args[++i].replace("_", "").replace(",", ""));
                case "--target-latency-ms" -> latencyMs = Integer.parseInt(args[++i]);
                default ->
                    throw new IllegalArgumentException("unknown option " + args[i]
                            + "; usage: bench/run [--rows N] [--store h2|postgresql|both] [--skip-scaling]"
                            + " [--variants caravan,plain-camel,raw-loop] [--parallel-deliveries N]"
                            + " [--skip-remote] [--remote-rows N] [--target-latency-ms N]");
            }
        }
        if (rows < 10 || remoteRows < 10) {
            throw new IllegalArgumentException("--rows and --remote-rows must be at least 10");
        }
        if (latencyMs < 0) {
            throw new IllegalArgumentException("--target-latency-ms must be 0 or more");
        }
        List<String> stores =
                switch (store) {
                    case "both" -> List.of("h2", "postgresql");
                    case "h2", "postgresql" -> List.of(store);
                    default -> throw new IllegalArgumentException("--store must be h2, postgresql or both");
                };
        if (variants.isEmpty() || !List.of("caravan", "plain-camel", "raw-loop").containsAll(variants)) {
            throw new IllegalArgumentException(
                    "--variants takes a comma-separated subset of caravan,plain-camel,raw-loop");
        }
        return new Options(
                rows,
                stores,
                scaling,
                variants,
                parallelDeliveries,
                remote,
                remoteRows,
                latencyMs,
                Path.of("bench", "results"));
    }
}
