package io.caravan.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.BitSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The HTTP target every variant posts to: answers 201 to each POST and checks the delivery contract, so a variant
 * that lost a row or delivered one twice is caught. A row's key is {@code SAP:HOURS:<id>:1}; ids run 1..rows.
 */
final class Sink implements AutoCloseable {
    static final String PATH = "/sink";
    private static final Pattern KEY = Pattern.compile("SAP:HOURS:(\\d+):1");
    /** A delivered row's JSON is at least this long (its payload column alone is ~200 bytes). */
    private static final int MIN_BODY_BYTES = 150;

    private final HttpServer server;
    private final ExecutorService threads;
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger duplicates = new AtomicInteger();
    private final AtomicInteger malformed = new AtomicInteger();
    private final long latencyNanos;
    private BitSet seen = new BitSet();
    private int expected;

    Sink(int threadCount) throws IOException {
        this(threadCount, 0);
    }

    /**
     * @param latencyMillis how long each POST takes to answer, counted from when its handler starts (a remote
     *        target across a network); 0 answers at once. Each waiting request holds one of the threads.
     */
    Sink(int threadCount, int latencyMillis) throws IOException {
        latencyNanos = latencyMillis * 1_000_000L;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 200);
        threads = Executors.newFixedThreadPool(threadCount, r -> {
            Thread t = new Thread(r, "bench-sink");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(threads);
        server.createContext(PATH, this::handle);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + PATH;
    }

    /** Forgets everything received and expects rows 1..rows next. */
    synchronized void reset(int rows) {
        expected = rows;
        seen = new BitSet(rows + 1);
        duplicates.set(0);
        malformed.set(0);
        requests.set(0);
    }

    int requests() {
        return requests.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        long arrived = System.nanoTime();
        try (exchange;
                InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readAllBytes();
            for (long left = latencyNanos; left > 0; left = arrived + latencyNanos - System.nanoTime()) {
                LockSupport.parkNanos(left); // counted after the wait, so "the N-th request" is when its answer leaves
            }
            String key = exchange.getRequestHeaders().getFirst("Idempotency-Key");
            Matcher m = key == null ? null : KEY.matcher(key);
            if (!"POST".equals(exchange.getRequestMethod())
                    || m == null
                    || !m.matches()
                    || body.length < MIN_BODY_BYTES) {
                malformed.incrementAndGet();
            } else {
                record(Integer.parseInt(m.group(1)));
            }
            requests.incrementAndGet();
            exchange.sendResponseHeaders(201, -1);
        }
    }

    private synchronized void record(int id) {
        if (id < 1 || id > expected) {
            malformed.incrementAndGet();
        } else if (seen.get(id)) {
            duplicates.incrementAndGet();
        } else {
            seen.set(id);
        }
    }

    /** What arrived since {@link #reset}: a run is valid when every row came exactly once and nothing else did. */
    synchronized Check check() {
        return new Check(requests.get(), seen.cardinality(), duplicates.get(), malformed.get(), expected);
    }

    record Check(int requests, int distinct, int duplicates, int malformed, int expected) {
        boolean valid() {
            return requests == expected && distinct == expected && duplicates == 0 && malformed == 0;
        }

        String problem() {
            if (valid()) {
                return "";
            }
            return "requests=" + requests + " distinct=" + distinct + " duplicates=" + duplicates + " malformed="
                    + malformed + " lost=" + (expected - distinct);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
