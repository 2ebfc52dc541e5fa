package io.caravan.execution;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.ThreadPoolProfileBuilder;

/**
 * The pool on which one route's budgeted execution delivers the items of a page or batch in parallel (the split's
 * executorService): {@code threads} threads while it delivers, none between executions. The Kafka producers'
 * shared continuation pool is made the same way ({@code events.SharedKafkaProducers#workers}).
 */
public final class DeliveryPool {
    /** An idle delivery thread ends after this long, so a route holds threads only while it delivers. */
    public static final long KEEP_ALIVE_SECONDS = 10;

    /**
     * Split tasks waiting for a delivery thread (Camel's default profile's queue). It must be positive: Camel turns
     * maxQueueSize <= 0 into a hand-off queue, which rejects (loses) split tasks once every thread is busy.
     */
    static final int QUEUE = 1000;

    private DeliveryPool() {}

    public static ExecutorService create(CamelContext camel, Object source, String name, int threads) {
        return create(camel, source, name, threads, QUEUE);
    }

    /**
     * A pool of at most {@code threads} threads that exist only while there is work (each ends after
     * {@link #KEEP_ALIVE_SECONDS} idle), tasks beyond them waiting in a queue of {@code queue}; owned by {@code
     * source} in Camel's executor service manager.
     */
    public static ExecutorService create(CamelContext camel, Object source, String name, int threads, int queue) {
        if (queue < 1) {
            throw new IllegalArgumentException("queue must be positive (Camel makes 0 or less a hand-off queue)");
        }
        return camel.getExecutorServiceManager()
                .newThreadPool(
                        source,
                        name,
                        new ThreadPoolProfileBuilder(name)
                                .poolSize(threads)
                                .maxPoolSize(threads)
                                .keepAliveTime(KEEP_ALIVE_SECONDS, TimeUnit.SECONDS)
                                .allowCoreThreadTimeOut(true)
                                .maxQueueSize(queue)
                                .build());
    }
}
