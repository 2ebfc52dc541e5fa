package io.caravan.delivery;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A subscription's rate limit (the row's throttle_per_second): POSTs are spaced at least 1/rate apart. A Java step
 * rather than Camel's throttle EIP, which cost about a third of the route's throughput in the delivery benchmark;
 * with no limit set it costs nothing.
 */
final class RateLimit {
    static final RateLimit NONE = new RateLimit(0);

    private final long intervalNanos;
    private long nextNanos;

    RateLimit(int perSecond) {
        this.intervalNanos = perSecond <= 0 ? 0 : TimeUnit.SECONDS.toNanos(1) / perSecond;
    }

    /** Waits until the next POST may go; the lanes of a window call it from several threads, one at a time. */
    synchronized void await() throws InterruptedException {
        if (intervalNanos == 0) {
            return;
        }
        long now = System.nanoTime();
        long start = Math.max(now, nextNanos);
        nextNanos = start + intervalNanos;
        while ((now = System.nanoTime()) < start) {
            LockSupport.parkNanos(start - now);
            if (Thread.interrupted()) {
                throw new InterruptedException("rate limit wait interrupted");
            }
        }
    }
}
