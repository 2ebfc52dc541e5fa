package io.caravan.saga;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A saga row's meters, for alert rules: {@code caravan_saga_failed_total} (a saga FAILED at a step),
 * {@code caravan_saga_completed_total}, {@code caravan_saga_in_progress_seconds} (the age of the oldest IN_PROGRESS
 * saga) and {@code caravan_saga_stuck} (IN_PROGRESS sagas older than the stuck threshold, 15 minutes).
 */
public final class SagaMetrics implements AutoCloseable {
    private final MeterRegistry registry;
    private final Counter failed;
    private final Counter completed;
    private final AtomicLong oldestInProgressSeconds = new AtomicLong();
    private final AtomicLong stuck = new AtomicLong();
    private final List<Meter> meters = new ArrayList<>();

    public SagaMetrics(MeterRegistry registry, String routeId) {
        this.registry = registry;
        failed = Counter.builder("caravan.saga.failed")
                .description("sagas that ended FAILED at a step (dead-lettered)")
                .tag("route", routeId)
                .register(registry);
        completed = Counter.builder("caravan.saga.completed")
                .description("sagas that completed all their steps")
                .tag("route", routeId)
                .register(registry);
        meters.add(failed);
        meters.add(completed);
        meters.add(Gauge.builder("caravan.saga.in.progress.seconds", oldestInProgressSeconds, AtomicLong::get)
                .description("age of the oldest IN_PROGRESS saga")
                .tag("route", routeId)
                .register(registry));
        meters.add(Gauge.builder("caravan.saga.stuck", stuck, AtomicLong::get)
                .description("IN_PROGRESS sagas older than the stuck threshold")
                .tag("route", routeId)
                .register(registry));
    }

    void failed() {
        failed.increment();
    }

    void completed() {
        completed.increment();
    }

    void inProgress(long oldestSeconds, long stuckCount) {
        oldestInProgressSeconds.set(oldestSeconds);
        stuck.set(stuckCount);
    }

    public long stuck() {
        return stuck.get();
    }

    @Override
    public void close() {
        meters.forEach(registry::remove);
    }
}
