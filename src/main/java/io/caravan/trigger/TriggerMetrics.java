package io.caravan.trigger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A trigger route's meters, all tagged with the route: processing duration by outcome, trigger and message age,
 * archive-update failures, dead letters, re-drives, and what the last sweep saw (orphaned triggers, the oldest
 * trigger, queue depth).
 */
final class TriggerMetrics implements AutoCloseable {
    private final MeterRegistry registry;
    private final String routeId;
    private final List<Meter> meters = new CopyOnWriteArrayList<>();
    private final Map<String, Timer> processing = new ConcurrentHashMap<>();
    private final Map<String, Counter> deadLetters = new ConcurrentHashMap<>();
    private final Timer triggerAge;
    private final Timer messageAge;
    private final Counter archiveUpdateFailures;
    private final Counter triggerDeleteFailures;
    private final Counter redrives;
    final AtomicLong orphaned = new AtomicLong();
    final AtomicLong oldestTriggerAgeSeconds = new AtomicLong();
    final AtomicLong queueDepth = new AtomicLong();
    final AtomicLong queueInFlight = new AtomicLong();

    TriggerMetrics(MeterRegistry registry, String routeId) {
        this.registry = registry;
        this.routeId = routeId;
        triggerAge = add(Timer.builder("caravan.trigger.age")
                .description("Age of a trigger (since its S3 write) when the route handled it")
                .tag("route", routeId)
                .register(registry));
        messageAge = add(Timer.builder("caravan.trigger.message.age")
                .description("Age of an SQS message (since it was sent) when the route received it")
                .tag("route", routeId)
                .register(registry));
        archiveUpdateFailures = add(Counter.builder("caravan.trigger.archive.update.failures")
                .description("Archive updates that failed (the trigger was kept and the message left for redelivery)")
                .tag("route", routeId)
                .register(registry));
        triggerDeleteFailures = add(Counter.builder("caravan.trigger.delete.failures")
                .description(
                        "Trigger deletes that failed after the archive recorded the outcome (the sweeper cleans up)")
                .tag("route", routeId)
                .register(registry));
        redrives = add(Counter.builder("caravan.trigger.redrives")
                .description("Orphaned triggers re-driven to the queue by the sweeper")
                .tag("route", routeId)
                .register(registry));
        add(Gauge.builder("caravan.trigger.orphaned", orphaned, AtomicLong::get)
                .description("Triggers older than the orphan age at the last sweep")
                .tag("route", routeId)
                .register(registry));
        add(Gauge.builder("caravan.trigger.oldest.age.seconds", oldestTriggerAgeSeconds, AtomicLong::get)
                .description("Age of the oldest trigger of this customer at the last sweep")
                .tag("route", routeId)
                .register(registry));
        add(Gauge.builder("caravan.trigger.queue.depth", queueDepth, AtomicLong::get)
                .description("Messages visible in the customer's queue at the last sweep (ApproximateNumberOfMessages)")
                .tag("route", routeId)
                .register(registry));
        add(Gauge.builder("caravan.trigger.queue.in.flight", queueInFlight, AtomicLong::get)
                .description(
                        "Messages received but not yet deleted at the last sweep (ApproximateNumberOfMessagesNotVisible)")
                .tag("route", routeId)
                .register(registry));
    }

    void processed(String outcome, Duration duration) {
        processing
                .computeIfAbsent(
                        outcome,
                        o -> add(Timer.builder("caravan.trigger.processing")
                                .description("Time from receiving an SQS message to its outcome")
                                .tag("route", routeId)
                                .tag("outcome", o)
                                .register(registry)))
                .record(duration);
    }

    void triggerAge(Duration age) {
        if (!age.isNegative()) {
            triggerAge.record(age);
        }
    }

    void messageAge(Duration age) {
        if (!age.isNegative()) {
            messageAge.record(age);
        }
    }

    void archiveUpdateFailed() {
        archiveUpdateFailures.increment();
    }

    void triggerDeleteFailed() {
        triggerDeleteFailures.increment();
    }

    void redriven() {
        redrives.increment();
    }

    /** Same meter as the shared error handling's, so one query sums every route's dead letters. */
    void deadLettered(String category) {
        deadLetters
                .computeIfAbsent(
                        category,
                        c -> add(Counter.builder("caravan.dead.letters")
                                .tag("route", routeId)
                                .tag("category", c)
                                .register(registry)))
                .increment();
    }

    private <M extends Meter> M add(M meter) {
        meters.add(meter);
        return meter;
    }

    @Override
    public void close() {
        meters.forEach(registry::remove);
        meters.clear();
    }
}
