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
import io.caravan.testing.Databases;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
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
 * different keys. Usage: bench/run --saga [--sagas N (default 1000)] [--threads N (default 8)] [--store h2|postgresql]
 */
public final class SagaBench {
    static final String[] PATHS = {"/projects", "/wbs/l1", "/wbs/l2", "/wbs/l3", "/allocations", "/financial-plans"};

    public static void main(String[] args) throws Exception {
        // the JDK server would otherwise wait for delayed ACKs on small answers (about 40 ms a call)
        System.setProperty("sun.net.httpserver.nodelay", "true");
        int sagas = intOption(args, "--sagas", 1000);
        int threads = intOption(args, "--threads", 8);
        String store = option(args, "--store", "h2");
        SagaPlan plan = SagaPlan.parse(Files.readString(Path.of("routes/sagas/sap-project-setup.yaml")));
        try (Target target = Target.start()) {
            Result caravan = caravan(plan, sagas, threads, store, target);
            target.reset();
            Result camel = plainCamel(sagas, threads, target);
            System.out.printf(
                    "%nsagas=%d x %d steps, 10%% of calls answered 503, %d threads, store %s%n",
                    sagas, 6, threads, store);
            System.out.println("| variant | completed | sagas/s | p50 ms | p99 ms | POSTs | keys posted under 2+ keys "
                    + "| state after a kill |");
            System.out.println("|---|---|---|---|---|---|---|---|");
            System.out.println(caravan.row(
                    "caravan saga (" + store + ")",
                    "saga + saga_step rows: resumes at the" + " first unfinished step, same keys"));
            System.out.println(camel.row(
                    "Camel Saga EIP, InMemorySagaService", "none: in-flight sagas and their step results are lost"));
        }
    }

    record Result(int completed, double perSecond, long p50, long p99, long posts, long rekeyed) {
        String row(String name, String afterKill) {
            return String.format(
                    "| %s | %d | %.1f | %d | %d | %d | %d | %s |",
                    name, completed, perSecond, p50, p99, posts, rekeyed, afterKill);
        }
    }

    static Result caravan(SagaPlan plan, int n, int threads, String store, Target target) throws Exception {
        DataSource ds = store.equals("postgresql") ? Databases.postgres() : Databases.h2();
        Stores.migrate(ds);
        Sagas sagaStore = new Sagas(ds, Clock.systemUTC());
        SagaStarter starter = new SagaStarter("bench-saga", sagaStore);
        try (OutboundHttp outbound =
                new OutboundHttp(Egress.of("127.0.0.1", "127.0.0.1"), OutboundHttp.Settings.DEFAULT)) {
            SagaRunner runner = new SagaRunner(
                    "bench-saga",
                    target.base(),
                    "bench",
                    Duration.ofMinutes(2),
                    new RetryPolicy(8, Duration.ofMillis(1), Duration.ofMillis(5), 2.0, 0.0),
                    sagaStore,
                    new RouteLocks(ds, Clock.systemUTC()),
                    outbound,
                    new DeadLetters(ds, Clock.systemUTC()),
                    new SagaMetrics(new SimpleMeterRegistry(), "bench-saga"));
            return timed(
                    n,
                    threads,
                    i -> {
                        String key = "WF-" + i;
                        starter.start(
                                plan, "{\"wfProjectId\":\"" + key + "\",\"name\":\"P" + i + "\",\"budget\":" + i + "}");
                        return runner.run(plan.name(), key) == SagaRunner.Result.COMPLETED;
                    },
                    target);
        }
    }

    static Result plainCamel(int n, int threads, Target target) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        try (CamelContext camel = new DefaultCamelContext()) {
            camel.addService(new InMemorySagaService());
            camel.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    errorHandler(defaultErrorHandler().maximumRedeliveries(7).redeliveryDelay(1));
                    from("direct:saga").saga().process(e -> {
                        for (String path : PATHS) {
                            post(http, target.base() + path, e, path);
                        }
                    });
                }
            });
            camel.start();
            ProducerTemplate producer = camel.createProducerTemplate();
            return timed(
                    n,
                    threads,
                    i -> {
                        producer.requestBodyAndHeader(
                                "direct:saga", "{\"wfProjectId\":\"WF-" + i + "\"}", "wf", "WF-" + i);
                        return true;
                    },
                    target);
        }
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

    /** The SAP-like target: answers each step with an id, 10% of calls with a 503; records keys per (project, step). */
    static final class Target implements AutoCloseable {
        final HttpServer server;
        final AtomicLong posts = new AtomicLong();
        final AtomicLong ids = new AtomicLong();
        final Map<String, Set<String>> keysByStep = new ConcurrentHashMap<>();

        private Target(HttpServer server) {
            this.server = server;
        }

        static Target start() throws Exception {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            Target t = new Target(server);
            server.createContext("/sap", exchange -> {
                byte[] in = exchange.getRequestBody().readAllBytes();
                t.posts.incrementAndGet();
                String key = exchange.getRequestHeaders().getFirst("Idempotency-Key");
                String step = exchange.getRequestURI().getPath() + "|"
                        + (key == null ? "" : key.substring(0, key.lastIndexOf(':')));
                t.keysByStep
                        .computeIfAbsent(step, s -> ConcurrentHashMap.newKeySet())
                        .add(String.valueOf(key));
                byte[] out;
                int status;
                if (ThreadLocalRandom.current().nextInt(10) == 0) {
                    status = 503;
                    out = "{\"error\":\"busy\"}".getBytes(StandardCharsets.UTF_8);
                } else {
                    status = 201;
                    long id = t.ids.incrementAndGet();
                    out = ("{\"projectId\":\"P-" + id + "\",\"wbsId\":\"W-" + id + "\",\"documentId\":\"D-" + id
                                    + "\"}")
                            .getBytes(StandardCharsets.UTF_8);
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

        void reset() {
            posts.set(0);
            keysByStep.clear();
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
