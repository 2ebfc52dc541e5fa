package io.caravan.bench;

import com.sun.net.httpserver.HttpServer;
import io.caravan.errors.RetryPolicy;
import io.caravan.outbound.Egress;
import io.caravan.outbound.OutboundHttp;
import io.caravan.saga.SagaMetrics;
import io.caravan.saga.SagaPlan;
import io.caravan.saga.SagaRunner;
import io.caravan.saga.SagaStarter;
import io.caravan.store.DeadLetters;
import io.caravan.store.RouteLocks;
import io.caravan.store.Sagas;
import io.caravan.store.Stores;
import io.caravan.testing.CaravanProcesses;
import io.caravan.testing.Databases;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.saga.InMemorySagaService;

/**
 * Sagas of the SAP project setup plan (six steps) against an in-process target that fails 10% of calls with a 503:
 * (a) caravan's saga core (frozen plan, saga/saga_step state, route lock, intent before each call, result after it)
 * on H2 or PostgreSQL, (b) a plain Camel route with the Saga EIP and its InMemorySagaService (state in memory only;
 * redelivery by the error handler). Prints sagas per second, p99 saga duration, and steps posted twice under
 * different keys. Then, unless --no-kill, each variant again in a child JVM killed with SIGKILL while sagas are in
 * flight and started again; the target stays in this JVM and counts what each saga got. Usage: bench/run --saga
 * [--sagas N (default 1000)] [--threads N (default 8)] [--store h2|postgresql] [--no-kill] [--kill-after N]
 */
public final class SagaBench {
    static final String[] PATHS = {"/projects", "/wbs/l1", "/wbs/l2", "/wbs/l3", "/allocations", "/financial-plans"};
    static final String ROUTE = "bench-saga";
    static final String PLAN_FILE = "routes/sagas/sap-project-setup.yaml";

    public static void main(String[] args) throws Exception {
        if (Arrays.asList(args).contains("--child")) {
            child(args);
            return;
        }
        // the JDK server would otherwise wait for delayed ACKs on small answers (about 40 ms a call)
        System.setProperty("sun.net.httpserver.nodelay", "true");
        int sagas = intOption(args, "--sagas", 1000);
        int threads = intOption(args, "--threads", 8);
        String store = option(args, "--store", "h2");
        boolean kill = !Arrays.asList(args).contains("--no-kill");
        int killAfter = intOption(args, "--kill-after", sagas / 2);
        List<KillVariant> killVariants = Arrays.stream(
                        option(args, "--kill-variants", String.join(",", KillVariant.ALL))
                                .split(","))
                .map(KillVariant::of)
                .toList();
        SagaPlan plan = SagaPlan.parse(Files.readString(Path.of(PLAN_FILE)));
        double loadAtStart = load();
        try (Target target = Target.start()) {
            Result caravan = caravan(plan, sagas, threads, store, target);
            target.reset();
            Result camel = plainCamel(sagas, threads, target);
            StringBuilder report = new StringBuilder();
            report.append(String.format(
                    "%nsagas=%d x %d steps, 10%% of calls answered 503, %d threads, store %s%n%n",
                    sagas, 6, threads, store));
            report.append(
                    "| variant | completed | sagas/s | p50 ms | p99 ms | POSTs | (project, step) under 2+ keys |\n");
            report.append("|---|---:|---:|---:|---:|---:|---:|\n");
            report.append(caravan.row("caravan saga (" + store + ")")).append('\n');
            report.append(camel.row("Camel Saga EIP, InMemorySagaService")).append('\n');
            System.out.print(report);
            if (!kill) {
                return;
            }
            double loadBeforeKill = load();
            List<KillResult> killed = new ArrayList<>();
            for (KillVariant variant : killVariants) {
                target.reset();
                killed.add(killRun(variant, sagas, threads, killAfter, target));
            }
            String table = killTable(sagas, killAfter, killed);
            System.out.print(table);
            report.append(table);
            writeReport(
                    report.toString(),
                    sagas,
                    threads,
                    store,
                    killAfter,
                    option(args, "--kill-variants", ""),
                    loadAtStart,
                    loadBeforeKill);
        }
        System.exit(0); // the HTTP clients' threads would keep the JVM alive
    }

    record Result(int completed, double perSecond, long p50, long p99, long posts, long rekeyed) {
        String row(String name) {
            return String.format(
                    Locale.ROOT,
                    "| %s | %d | %.1f | %d | %d | %d | %d |",
                    name,
                    completed,
                    perSecond,
                    p50,
                    p99,
                    posts,
                    rekeyed);
        }
    }

    static Result caravan(SagaPlan plan, int n, int threads, String store, Target target) throws Exception {
        DataSource ds = store.equals("postgresql") ? Databases.postgres() : Databases.h2();
        try (CaravanCore core = CaravanCore.open(ds, target.base(), "bench", Duration.ofMinutes(2))) {
            return timed(n, threads, i -> core.saga(plan, i), target);
        }
    }

    /** caravan's saga core on {@code ds} as a saga row wires it: starter, runner, route locks, dead letters. */
    record CaravanCore(Sagas sagas, SagaStarter starter, SagaRunner runner, OutboundHttp outbound)
            implements AutoCloseable {
        static CaravanCore open(DataSource ds, String target, String owner, Duration lease) {
            Stores.migrate(ds);
            Sagas sagas = new Sagas(ds, Clock.systemUTC());
            OutboundHttp outbound =
                    new OutboundHttp(Egress.of("127.0.0.1", "127.0.0.1"), OutboundHttp.Settings.DEFAULT);
            SagaRunner runner = new SagaRunner(
                    ROUTE,
                    target,
                    owner,
                    lease,
                    new RetryPolicy(8, Duration.ofMillis(1), Duration.ofMillis(5), 2.0, 0.0),
                    sagas,
                    new RouteLocks(ds, Clock.systemUTC()),
                    outbound,
                    new DeadLetters(ds, Clock.systemUTC()),
                    new SagaMetrics(new SimpleMeterRegistry(), ROUTE));
            return new CaravanCore(sagas, new SagaStarter(ROUTE, sagas), runner, outbound);
        }

        /** Starts saga {@code i} (nothing when it exists) and runs it; true when it completed. */
        boolean saga(SagaPlan plan, int i) {
            start(plan, i);
            return run(plan.name(), "WF-" + i);
        }

        void start(SagaPlan plan, int i) {
            starter.start(plan, "{\"wfProjectId\":\"WF-" + i + "\",\"name\":\"P" + i + "\",\"budget\":" + i + "}");
        }

        boolean run(String plan, String key) {
            return runner.run(plan, key) == SagaRunner.Result.COMPLETED;
        }

        @Override
        public void close() throws IOException {
            outbound.close();
        }
    }

    static Result plainCamel(int n, int threads, Target target) throws Exception {
        try (CamelContext camel = plainCamelContext(target.base())) {
            ProducerTemplate producer = camel.createProducerTemplate();
            return timed(n, threads, i -> plainCamelSaga(producer, i), target);
        }
    }

    /** The plain route: Saga EIP with the in-memory service, six POSTs, each retried in the step, then the error handler. */
    static CamelContext plainCamelContext(String base) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        CamelContext camel = new DefaultCamelContext();
        camel.addService(new InMemorySagaService());
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                errorHandler(defaultErrorHandler().maximumRedeliveries(7).redeliveryDelay(1));
                from("direct:saga").saga().process(e -> {
                    for (String path : PATHS) {
                        post(http, base + path, e, path);
                    }
                });
            }
        });
        camel.start();
        return camel;
    }

    static boolean plainCamelSaga(ProducerTemplate producer, int i) {
        producer.requestBodyAndHeader("direct:saga", "{\"wfProjectId\":\"WF-" + i + "\"}", "wf", "WF-" + i);
        return true;
    }

    /** One step as a plain route would post it: the key of the project and step, the earlier step's id in the body. */
    static void post(HttpClient http, String url, Exchange e, String path) throws Exception {
        String wf = e.getMessage().getHeader("wf", String.class);
        String previous = e.getProperty("previous", "", String.class);
        for (int attempt = 1; ; attempt++) {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create(url))
                            .header("Content-Type", "application/json")
                            .header("Idempotency-Key", "SAP:PROJECT_SETUP:" + wf + ":" + path)
                            .POST(HttpRequest.BodyPublishers.ofString(
                                    "{\"wf\":\"" + wf + "\",\"prev\":\"" + previous + "\"}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() < 300) {
                e.setProperty("previous", r.body());
                return;
            }
            if (attempt >= 8) {
                throw new IllegalStateException("step " + path + " failed");
            }
            Thread.sleep(1);
        }
    }

    interface Saga {
        boolean run(int i) throws Exception;
    }

    static Result timed(int n, int threads, Saga saga, Target target) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Long> durations = Collections.synchronizedList(new ArrayList<>());
        List<Future<Boolean>> done = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            int index = i;
            done.add(pool.submit(() -> {
                long t = System.nanoTime();
                boolean ok = saga.run(index);
                durations.add((System.nanoTime() - t) / 1_000_000);
                return ok;
            }));
        }
        int completed = 0;
        for (Future<Boolean> f : done) {
            completed += f.get() ? 1 : 0;
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        long[] sorted = durations.stream().mapToLong(Long::longValue).sorted().toArray();
        return new Result(
                completed,
                n / seconds,
                sorted[sorted.length / 2],
                sorted[(int) Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)],
                target.posts.get(),
                target.rekeyed());
    }

    /**
     * A variant of the kill run: {@code child} is caravan or camel; caravan's store is embedded PostgreSQL or an H2
     * file with {@code h2Options} appended to its URL.
     */
    record KillVariant(String id, String label, String child, String store, String h2Options) {
        static final List<String> ALL =
                List.of("caravan-postgresql", "caravan-h2", "caravan-h2-write-delay-0", "camel");

        static KillVariant of(String id) {
            return switch (id) {
                case "caravan-postgresql" ->
                    new KillVariant(id, "caravan saga (embedded PostgreSQL)", "caravan", "postgresql", "");
                case "caravan-h2" ->
                    new KillVariant(
                            id,
                            "caravan saga (H2 file, local mode's URL: H2's default WRITE_DELAY 500 ms)",
                            "caravan",
                            "h2",
                            ";AUTO_SERVER=FALSE");
                case "caravan-h2-write-delay-0" ->
                    new KillVariant(
                            id,
                            "caravan saga (H2 file, WRITE_DELAY=0)",
                            "caravan",
                            "h2",
                            ";AUTO_SERVER=FALSE;WRITE_DELAY=0");
                case "camel" -> new KillVariant(id, "Camel Saga EIP, InMemorySagaService", "camel", "none", "");
                default -> throw new IllegalArgumentException("--kill-variants: unknown " + id + "; known: " + ALL);
            };
        }
    }

    /** What one variant came to when its JVM was killed with sagas in flight and started again. */
    record KillResult(
            String variant,
            int startedBeforeKill,
            int inFlightAtKill,
            int completed,
            int visiblyFailed,
            int lost,
            long resentSameKey,
            long rekeyed,
            int orphaned,
            double recoverySeconds,
            String state) {}

    /**
     * Runs {@code variant} (caravan or camel) in a child JVM, kills it with SIGKILL once the target has seen
     * {@code killAfter} sagas, starts it again with the sagas started before the kill taken off its input (as a
     * consumer that had committed their events), waits for it to end, and counts what each saga got.
     */
    static KillResult killRun(KillVariant variant, int n, int threads, int killAfter, Target target) throws Exception {
        Path dir = Files.createTempDirectory("saga-kill-" + variant.id());
        String url = "";
        String user = "";
        if (variant.store().equals("postgresql")) {
            url = Databases.postgresJdbcUrl(Databases.emptyPostgresDatabase());
            user = "postgres";
        } else if (variant.store().equals("h2")) {
            url = "jdbc:h2:file:" + dir.resolve("store").toAbsolutePath() + variant.h2Options();
            user = "sa";
        }
        Path startedFile = dir.resolve("started.txt");
        Path skipFile = dir.resolve("skip.txt");
        List<String> command = new ArrayList<>(List.of(
                "-Xmx1g",
                SagaBench.class.getName(),
                "--child",
                variant.child(),
                "--sagas",
                String.valueOf(n),
                "--threads",
                String.valueOf(threads),
                "--target",
                target.base(),
                "--store-url",
                url,
                "--store-user",
                user,
                "--started",
                startedFile.toString()));
        System.out.printf("%s: child JVM, killed after %d sagas seen by the target ...%n", variant.id(), killAfter);
        int startedBeforeKill;
        int inFlightAtKill;
        long recovery;
        try (CaravanProcesses processes = new CaravanProcesses()) {
            Process first = processes.start(command, Map.of(), "saga-kill-" + variant.id() + "-run-1.log");
            while (target.sagasSeen() < killAfter) {
                if (!first.isAlive()) {
                    throw new IllegalStateException(variant.id() + " child ended before the kill; see target/saga-kill-"
                            + variant.id() + "-run-1.log");
                }
                Thread.sleep(1);
            }
            first.destroyForcibly().waitFor(); // SIGKILL on Linux
            long killedAt = System.nanoTime();
            Set<Integer> started = new TreeSet<>(target.sagaIndexesSeen());
            for (String line : Files.readAllLines(startedFile)) {
                if (!line.isBlank()) {
                    started.add(Integer.parseInt(line.trim()));
                }
            }
            startedBeforeKill = started.size();
            inFlightAtKill = (int)
                    started.stream().filter(i -> !target.completed("WF-" + i)).count();
            Files.write(skipFile, started.stream().map(String::valueOf).toList());
            command.addAll(List.of("--skip", skipFile.toString()));
            Process second = processes.start(command, Map.of(), "saga-kill-" + variant.id() + "-run-2.log");
            if (!second.waitFor(5, TimeUnit.MINUTES) || second.exitValue() != 0) {
                throw new IllegalStateException(
                        variant.id() + " child did not end cleanly after the restart; see target/" + "saga-kill-"
                                + variant.id() + "-run-2.log");
            }
            recovery = System.nanoTime() - killedAt;
        }
        int completed = 0;
        int orphaned = 0;
        for (int i = 0; i < n; i++) {
            completed += target.completed("WF-" + i) ? 1 : 0;
            orphaned += target.orphaned("WF-" + i) ? 1 : 0;
        }
        int visiblyFailed;
        String state;
        if (variant.child().equals("caravan")) {
            try (var ds = Databases.pool(url, user, "")) {
                Sagas sagas = new Sagas(ds, Clock.systemUTC());
                Map<String, Integer> byStatus = new java.util.TreeMap<>();
                for (String status : List.of(
                        Sagas.COMPLETED,
                        Sagas.FAILED,
                        Sagas.COMPENSATED,
                        Sagas.CANCELLED,
                        Sagas.PENDING,
                        Sagas.IN_PROGRESS)) {
                    byStatus.put(status, sagas.byStatus(status, 10 * n).size());
                }
                visiblyFailed =
                        byStatus.get(Sagas.FAILED) + byStatus.get(Sagas.COMPENSATED) + byStatus.get(Sagas.CANCELLED);
                state = "store: "
                        + byStatus.entrySet().stream()
                                .filter(e -> e.getValue() > 0)
                                .map(e -> e.getValue() + " " + e.getKey())
                                .collect(Collectors.joining(", "));
            }
        } else {
            visiblyFailed = target.compensated();
            state = "none; in-flight sagas seen only in the target's log";
        }
        return new KillResult(
                variant.label(),
                startedBeforeKill,
                inFlightAtKill,
                completed,
                visiblyFailed,
                Math.max(0, n - completed - visiblyFailed),
                target.resentAfterSuccess(),
                target.rekeyed(),
                orphaned,
                recovery / 1e9,
                state);
    }

    static String killTable(int n, int killAfter, List<KillResult> results) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(
                Locale.ROOT,
                "%nKilled (SIGKILL) once the target had seen %d of %d sagas, then started again (input without the"
                        + " sagas started before the kill):%n%n",
                killAfter,
                n));
        s.append("Each variant runs in a child JVM against the target in the bench JVM, which counts every call per"
                + " Idempotency-Key. The restarted JVM's input leaves out the sagas started before the kill (as a"
                + " consumer that had committed their events); caravan's also takes the unfinished sagas of its"
                + " store as the saga route does (PENDING, or IN_PROGRESS whose holder's 3 s lease ran out). Lost:"
                + " neither completed at the target nor failed, compensated or cancelled anywhere visible. Orphaned:"
                + " some steps answered 2xx at the target, not all, no compensation.\n\n");
        s.append("| variant | started before the kill | in flight at the kill | completed in the end | failed or"
                + " compensated, visibly | lost | steps re-sent after a success, same key | (project, step) under 2+"
                + " keys | orphaned partial sagas at the target | kill to end s | state after the restart |\n");
        s.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
        for (KillResult r : results) {
            s.append(String.format(
                    Locale.ROOT,
                    "| %s | %d | %d | %d | %d | %d | %d | %d | %d | %.1f | %s |%n",
                    r.variant(),
                    r.startedBeforeKill(),
                    r.inFlightAtKill(),
                    r.completed(),
                    r.visiblyFailed(),
                    r.lost(),
                    r.resentSameKey(),
                    r.rekeyed(),
                    r.orphaned(),
                    r.recoverySeconds(),
                    r.state()));
        }
        return s.toString();
    }

    static void writeReport(
            String tables,
            int n,
            int threads,
            String store,
            int killAfter,
            String variants,
            double loadAtStart,
            double loadBeforeKill)
            throws Exception {
        String text = "# Saga benchmark with a kill "
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")) + "\n\n"
                + String.format(
                        Locale.ROOT,
                        "Commit %s · %d cores · 1-min load average %.2f at the start, %.2f before the kill runs,"
                                + " %.2f at the end · %d sagas, %d threads, store %s, kill after %d sagas seen.%n",
                        System.getProperty("bench.commit", "unknown"),
                        Runtime.getRuntime().availableProcessors(),
                        loadAtStart,
                        loadBeforeKill,
                        load(),
                        n,
                        threads,
                        store,
                        killAfter)
                + tables;
        Path dir = Path.of("bench", "results");
        Files.createDirectories(dir);
        String name = n == 1000 && threads == 8 && store.equals("h2") && killAfter == n / 2 && variants.isEmpty()
                ? "saga-" + LocalDate.now() + "-kill.md"
                : "saga-" + LocalDate.now() + "-" + n + "sagas-" + threads + "threads-" + store + "-kill" + killAfter
                        + (variants.isEmpty() ? "" : "-" + variants.replace(',', '+')) + ".md";
        Files.writeString(dir.resolve(name), text);
        System.out.println("written to bench/results/" + name);
    }

    static double load() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    /**
     * The child JVM of a kill run: the sagas of its input not in --skip, each written to --started once begun (for
     * caravan once stored), then for caravan the sagas its store holds unfinished, as the saga route's drain takes
     * them (PENDING, or IN_PROGRESS whose holder's lease ran out), until none is left.
     */
    static void child(String[] args) throws Exception {
        String variant = option(args, "--child", "caravan");
        int n = intOption(args, "--sagas", 1000);
        int threads = intOption(args, "--threads", 8);
        String base = option(args, "--target", null);
        Set<Integer> skip = new TreeSet<>();
        String skipFile = option(args, "--skip", null);
        if (skipFile != null) {
            Files.readAllLines(Path.of(skipFile)).forEach(l -> skip.add(Integer.parseInt(l.trim())));
        }
        SagaPlan plan = SagaPlan.parse(Files.readString(Path.of(PLAN_FILE)));
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (OutputStream started = Files.newOutputStream(
                Path.of(option(args, "--started", "started.txt")),
                StandardOpenOption.CREATE,
                StandardOpenOption.APPEND)) {
            Saga saga;
            AutoCloseable closing;
            CaravanCore core = null;
            if (variant.equals("caravan")) {
                DataSource ds =
                        Databases.pool(option(args, "--store-url", null), option(args, "--store-user", "sa"), "");
                // a lease of seconds, as CARAVAN_SAGA_LEASE in the crash tests: a killed holder's sagas resume soon
                core = CaravanCore.open(
                        ds, base, "bench-" + ProcessHandle.current().pid(), Duration.ofSeconds(3));
                CaravanCore c = core;
                saga = i -> {
                    c.start(plan, i);
                    mark(started, i);
                    return c.run(plan.name(), "WF-" + i);
                };
                closing = core;
            } else {
                CamelContext camel = plainCamelContext(base);
                ProducerTemplate producer = camel.createProducerTemplate();
                saga = i -> {
                    mark(started, i);
                    return plainCamelSaga(producer, i);
                };
                closing = camel;
            }
            List<Callable> work = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (!skip.contains(i)) {
                    int index = i;
                    work.add(() -> saga.run(index));
                }
            }
            runAll(pool, work);
            if (core != null) {
                CaravanCore c = core;
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
                while (System.nanoTime() < deadline) {
                    List<Callable> resume = new ArrayList<>();
                    for (Sagas.Saga s : c.sagas().runnable(ROUTE, 100)) {
                        resume.add(() -> c.run(s.planName(), s.businessKey()));
                    }
                    if (resume.isEmpty()) {
                        if (c.sagas().byStatus(Sagas.PENDING, 1).isEmpty()
                                && c.sagas().byStatus(Sagas.IN_PROGRESS, 1).isEmpty()) {
                            break;
                        }
                        Thread.sleep(200);
                    }
                    runAll(pool, resume);
                }
            }
            closing.close();
        }
        System.exit(0);
    }

    interface Callable {
        boolean call() throws Exception;
    }

    /** Runs {@code work} on {@code pool} and waits for all of it; a saga that throws is reported and counted out. */
    static void runAll(ExecutorService pool, List<Callable> work) throws InterruptedException {
        List<Future<Boolean>> futures = new ArrayList<>();
        for (Callable c : work) {
            futures.add(pool.submit(c::call));
        }
        for (Future<Boolean> f : futures) {
            try {
                f.get();
            } catch (ExecutionException e) {
                System.out.println("saga failed: " + e.getCause());
            }
        }
    }

    /** Appends {@code i} to the started file; an unbuffered write, so it survives a SIGKILL right after it. */
    static void mark(OutputStream started, int i) throws Exception {
        synchronized (started) {
            started.write((i + "\n").getBytes(StandardCharsets.US_ASCII));
        }
    }

    /**
     * The SAP-like target: answers each step with an id, 10% of calls with a 503, and a key it answered before with
     * the same answer (as an idempotent endpoint). Records per key and per saga what it got: keys per (project,
     * step), steps answered 2xx, calls after a key's first 2xx, compensations (a path ending in /cancel).
     */
    static final class Target implements AutoCloseable {
        final HttpServer server;
        final AtomicLong posts = new AtomicLong();
        final AtomicLong ids = new AtomicLong();
        final Map<String, Set<String>> keysByStep = new ConcurrentHashMap<>();
        /** Per key: the first 2xx answer and the calls that came after it. */
        final Map<String, KeyLog> keys = new ConcurrentHashMap<>();
        /** Per saga (WF-i): the paths answered 2xx. */
        final Map<String, Set<String>> doneBySaga = new ConcurrentHashMap<>();

        final Set<String> compensatedSagas = ConcurrentHashMap.newKeySet();

        static final class KeyLog {
            final AtomicReference<byte[]> answer = new AtomicReference<>();
            final AtomicInteger afterSuccess = new AtomicInteger();
        }

        private Target(HttpServer server) {
            this.server = server;
        }

        static Target start() throws Exception {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            Target t = new Target(server);
            server.createContext("/sap", exchange -> {
                byte[] in = exchange.getRequestBody().readAllBytes();
                t.posts.incrementAndGet();
                String key = String.valueOf(exchange.getRequestHeaders().getFirst("Idempotency-Key"));
                String path = exchange.getRequestURI().getPath().substring("/sap".length());
                String prefix = key.contains(":") ? key.substring(0, key.lastIndexOf(':')) : key;
                String saga = prefix.substring(prefix.lastIndexOf(':') + 1);
                t.keysByStep
                        .computeIfAbsent(path + "|" + prefix, s -> ConcurrentHashMap.newKeySet())
                        .add(key);
                KeyLog log = t.keys.computeIfAbsent(key, k -> new KeyLog());
                t.doneBySaga.computeIfAbsent(saga, k -> ConcurrentHashMap.newKeySet());
                byte[] out;
                int status;
                if (log.answer.get() != null) {
                    log.afterSuccess.incrementAndGet();
                }
                if (ThreadLocalRandom.current().nextInt(10) == 0) {
                    status = 503;
                    out = "{\"error\":\"busy\"}".getBytes(StandardCharsets.UTF_8);
                } else {
                    status = 201;
                    long id = t.ids.incrementAndGet();
                    log.answer.compareAndSet(
                            null,
                            ("{\"projectId\":\"P-" + id + "\",\"wbsId\":\"W-" + id + "\",\"documentId\":\"D-" + id
                                            + "\"}")
                                    .getBytes(StandardCharsets.UTF_8));
                    out = log.answer.get();
                    if (path.endsWith("/cancel")) {
                        t.compensatedSagas.add(saga);
                    } else {
                        t.doneBySaga.get(saga).add(path);
                    }
                }
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(status, out.length);
                exchange.getResponseBody().write(out);
                exchange.close();
            });
            server.setExecutor(Executors.newFixedThreadPool(16));
            server.start();
            return t;
        }

        String base() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/sap";
        }

        long rekeyed() {
            return keysByStep.values().stream().filter(k -> k.size() > 1).count();
        }

        /** Sagas with at least one call seen. */
        int sagasSeen() {
            return doneBySaga.size();
        }

        Set<Integer> sagaIndexesSeen() {
            return doneBySaga.keySet().stream()
                    .map(s -> Integer.parseInt(s.substring("WF-".length())))
                    .collect(Collectors.toSet());
        }

        /** Every step of saga {@code saga} answered 2xx. */
        boolean completed(String saga) {
            Set<String> done = doneBySaga.get(saga);
            return done != null && done.size() == PATHS.length;
        }

        /** Some steps of {@code saga} done, not all, and no compensation: what a target would have to clean up. */
        boolean orphaned(String saga) {
            Set<String> done = doneBySaga.get(saga);
            return done != null && !done.isEmpty() && done.size() < PATHS.length && !compensatedSagas.contains(saga);
        }

        int compensated() {
            return compensatedSagas.size();
        }

        /** Keys called again after they had been answered 2xx (allowed: the same key, so the target can tell). */
        long resentAfterSuccess() {
            return keys.values().stream().filter(k -> k.afterSuccess.get() > 0).count();
        }

        void reset() {
            posts.set(0);
            keysByStep.clear();
            keys.clear();
            doneBySaga.clear();
            compensatedSagas.clear();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    static int intOption(String[] args, String name, int fallback) {
        return Integer.parseInt(option(args, name, String.valueOf(fallback)));
    }

    static String option(String[] args, String name, String fallback) {
        List<String> list = Arrays.asList(args);
        int i = list.indexOf(name);
        return i >= 0 && i + 1 < list.size() ? list.get(i + 1) : fallback;
    }
}
