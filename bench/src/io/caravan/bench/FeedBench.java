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
 * N/10 to N rows. Usage: bench/run [--rows N] [--store h2|postgresql|both] [--skip-scaling].
 */
public final class FeedBench {
    static final int WARMUP_ROWS = 5_000;
    static final double TARGET_A_OVER_B = 2.0;
    static final double TARGET_A_OVER_C = 0.5;
    static final double TARGET_SCALING = 11.0;

    private record Options(int rows, List<String> stores, boolean scaling, List<String> variants, Integer parallelDeliveries,
            Path resultsDir) {
        boolean standard() {
            return rows == 200_000 && stores.size() == 2 && scaling && variants.size() == 3 && parallelDeliveries == null;
        }
    }

    /** Everything measured on one store. */
    private record StoreResult(String store, String durability, List<Run> runs, Run scalingSmall) {
        Run run(String variant) {
            return runs.stream().filter(r -> r.variant().equals(variant)).findFirst().orElse(null);
        }
    }

    public static void main(String[] args) throws Exception {
        Options options = parse(args);
        Path routesDir = Path.of("bench", "routes");
        CaravanFeedDrain caravan = new CaravanFeedDrain(routesDir, Path.of(System.getProperty("bench.templates", "routes")),
                options.parallelDeliveries());
        List<Drain> drains = java.util.stream.Stream.of(caravan, new PlainCamelDrain(), new RawLoopDrain())
                .filter(d -> options.variants().contains(d.name())).toList();
        List<StoreResult> results = new ArrayList<>();
        LocalDateTime started = LocalDateTime.now();
        try (Sink sink = new Sink(4)) {
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
                            ? measure(store, drains.get(0), options.rows() / 10, sink, "scaling") : null;
                    results.add(new StoreResult(kind, store.durability(), runs, small));
                }
            }
        }
        String report = report(options, results, started, caravan.settingsNote());
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
            System.out.printf(Locale.ROOT, "  %-8s %-11s %,9d rows %8.2f s %,8.0f rows/s  cpu %6.1f s  load %.2f  %s%s%n", phase,
                    run.variant(), rows, run.seconds(), run.rowsPerSecond(), run.cpuSeconds(), load,
                    run.valid() ? "valid" : "INVALID ", run.check().problem());
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

    private static String report(Options options, List<StoreResult> results, LocalDateTime started, String caravanSettings) {
        StringBuilder out = new StringBuilder();
        out.append("# caravan feed benchmark, ").append(started.truncatedTo(ChronoUnit.MINUTES)).append("\n\n");
        out.append("- command: `bench/run").append(options.rows() == 200_000 ? "" : " --rows " + options.rows())
                .append(options.stores().size() == 2 ? "" : " --store " + options.stores().get(0))
                .append(options.scaling() ? "" : " --skip-scaling")
                .append(options.variants().size() == 3 ? "" : " --variants " + String.join(",", options.variants()))
                .append(options.parallelDeliveries() == null ? "" : " --parallel-deliveries " + options.parallelDeliveries())
                .append("`\n");
        out.append("- caravan route: page 500 (max_returned_events), one execution drains the backlog, no throttle, ")
                .append(caravanSettings).append("\n");
        out.append("- commit: ").append(System.getProperty("bench.commit", "unknown")).append('\n');
        out.append("- machine: ").append(machine()).append('\n');
        out.append("- JVM: ").append(System.getProperty("java.vm.name")).append(' ').append(System.getProperty("java.version"))
                .append(", ").append(String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments())).append('\n');
        out.append("- one run per cell, after a warm-up of every variant on ").append(String.format(Locale.ROOT, "%,d", WARMUP_ROWS))
                .append(" rows in the same JVM; sink: JDK HttpServer on 127.0.0.1, 4 threads, 201 to every POST\n");
        for (StoreResult r : results) {
            out.append("\n## store: ").append(r.store()).append("\n\n").append(r.durability()).append("\n\n");
            out.append("| variant | rows | seconds | rows/s | delivery | JVM CPU s | load before |\n|---|---:|---:|---:|---|---:|---:|\n");
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
                out.append(String.format(Locale.ROOT, "| caravan time, %,d rows / %,d rows | %.2f | ≤ %.0f | %s |%n",
                        a.rows(), s.rows(), timeRatio, TARGET_SCALING, ok ? "met" : "NOT met"));
                out.append(String.format(Locale.ROOT,
                        "| same, route's own execution time (execution_log: %.2f s / %.2f s) | %.2f | | info |%n",
                        a.innerSeconds(), s.innerSeconds(), a.innerSeconds() / s.innerSeconds()));
            }
        }
        return out.toString();
    }

    private static void row(StringBuilder out, String label, Run run) {
        out.append(String.format(Locale.ROOT, "| %s | %,d | %.2f | %,.0f | %s | %.1f | %.2f |%n", label, run.rows(), run.seconds(),
                run.rowsPerSecond(), run.valid() ? "every row exactly once" : "**INVALID**: " + run.check().problem(),
                run.cpuSeconds(), run.loadBefore()));
    }

    private static void ratio(StringBuilder out, String label, Run x, Run y, double target) {
        if (x == null || y == null) {
            return;
        }
        if (!x.valid() || !y.valid()) {
            out.append("| ").append(label).append(" | n/a | ≥ ").append(target).append(" | not comparable: a run was invalid |\n");
            return;
        }
        double value = x.rowsPerSecond() / y.rowsPerSecond();
        out.append(String.format(Locale.ROOT, "| %s | %.2f | ≥ %.1f | %s |%n", label, value, target, value >= target ? "met" : "NOT met"));
    }

    private static String label(String variant) {
        return switch (variant) {
            case "caravan" -> "(a) caravan watermark feed";
            case "plain-camel" -> "(b) plain Camel: jdbc → split → idempotentConsumer(JdbcMessageIdRepository) → http";
            case "raw-loop" -> "(c) raw JDBC keyset loop → java.net.http";
            default -> variant;
        };
    }

    private static String machine() {
        String cpu = "unknown CPU";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse(cpu);
        } catch (IOException e) {
            // not Linux
        }
        long memGb = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize() >> 30;
        return Runtime.getRuntime().availableProcessors() + " cores (" + cpu + "), " + memGb + " GB RAM, "
                + System.getProperty("os.name") + " " + System.getProperty("os.version") + "; all traffic on loopback";
    }

    private static String resultsName(Options o) {
        String date = LocalDate.now().toString();
        return o.standard() ? "feed-" + date + ".md"
                : "feed-" + date + "-" + o.rows() + "rows-" + String.join("+", o.stores()) + (o.scaling() ? "" : "-noscaling")
                        + (o.variants().size() == 3 ? "" : "-" + String.join("+", o.variants()))
                        + (o.parallelDeliveries() == null ? "" : "-parallel" + o.parallelDeliveries()) + ".md";
    }

    private static Options parse(String[] args) {
        int rows = 200_000;
        String store = "both";
        boolean scaling = true;
        List<String> variants = List.of("caravan", "plain-camel", "raw-loop");
        Integer parallelDeliveries = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--rows" -> rows = Integer.parseInt(args[++i].replace("_", "").replace(",", ""));
                case "--store" -> store = args[++i];
                case "--skip-scaling" -> scaling = false;
                case "--variants" -> variants = List.of(args[++i].split(","));
                case "--parallel-deliveries" -> parallelDeliveries = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException(
                        "unknown option " + args[i] + "; usage: bench/run [--rows N] [--store h2|postgresql|both] [--skip-scaling]"
                                + " [--variants caravan,plain-camel,raw-loop] [--parallel-deliveries N]");
            }
        }
        if (rows < 10) {
            throw new IllegalArgumentException("--rows must be at least 10");
        }
        List<String> stores = switch (store) {
            case "both" -> List.of("h2", "postgresql");
            case "h2", "postgresql" -> List.of(store);
            default -> throw new IllegalArgumentException("--store must be h2, postgresql or both");
        };
        if (variants.isEmpty() || !List.of("caravan", "plain-camel", "raw-loop").containsAll(variants)) {
            throw new IllegalArgumentException("--variants takes a comma-separated subset of caravan,plain-camel,raw-loop");
        }
        return new Options(rows, stores, scaling, variants, parallelDeliveries, Path.of("bench", "results"));
    }
}
