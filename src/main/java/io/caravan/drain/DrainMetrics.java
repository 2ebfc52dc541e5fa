package io.caravan.drain;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;

/** Per-route drain counters: events read, delivered, duplicate, dead-lettered, and executions. */
final class DrainMetrics implements AutoCloseable {
    private final MeterRegistry registry;
    final Counter read;
    final Counter delivered;
    final Counter duplicate;
    final Counter deadLettered;
    final Counter executions;
    private final List<Meter> meters;

    DrainMetrics(MeterRegistry registry, String routeId) {
        this.registry = registry;
        read = counter("caravan.drain.events.read", "events polled from the inbox", routeId);
        delivered = counter("caravan.drain.events.delivered", "events delivered to the target", routeId);
        duplicate = counter(
                "caravan.drain.events.duplicate", "events skipped because their key was already handled", routeId);
        deadLettered = counter("caravan.drain.events.dead.lettered", "events recorded in dead_letter", routeId);
        executions = counter("caravan.drain.executions", "scheduled executions run", routeId);
        meters = List.of(read, delivered, duplicate, deadLettered, executions);
    }

    private Counter counter(String name, String description, String routeId) {
        return Counter.builder(name)
                .description(description)
                .tag("route", routeId)
                .register(registry);
    }

    /** Counts a finished execution. */
    void record(DrainExecution e) {
        executions.increment();
        read.increment(e.read());
        delivered.increment(e.delivered());
        duplicate.increment(e.duplicate());
        deadLettered.increment(e.deadLettered());
    }

    @Override
    public void close() {
        meters.forEach(registry::remove);
    }
}
