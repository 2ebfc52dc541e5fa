package io.caravan.bench;

/** A way of draining a backlog into the sink: caravan's feed, the plain Camel idiom, or a raw loop. */
interface Drain {

    /** A short name for progress lines and the table. */
    String name();

    /** Drains {@code backlog} into {@code sink} (already reset to the backlog's rows) and times it. */
    Run run(BenchStore store, Backlog backlog, Sink sink) throws Exception;

    /** CPU time this JVM has used so far, in nanoseconds. */
    static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean)
                        java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    static double cpuSecondsSince(long cpuStart) {
        return (cpuNanos() - cpuStart) / 1e9;
    }

    /** Polls the sink every 20 ms until it has {@code rows} requests; fails when it stops making progress. */
    static long awaitRequests(Sink sink, int rows, String who) throws InterruptedException {
        int last = -1;
        long lastProgress = System.nanoTime();
        while (true) {
            int now = sink.requests();
            if (now >= rows) {
                return System.nanoTime();
            }
            if (now != last) {
                last = now;
                lastProgress = System.nanoTime();
            } else if (System.nanoTime() - lastProgress > 60_000_000_000L) {
                throw new IllegalStateException(
                        who + ": no delivery for 60 s, stuck at " + now + " of " + rows + " rows");
            }
            Thread.sleep(20);
        }
    }
}
