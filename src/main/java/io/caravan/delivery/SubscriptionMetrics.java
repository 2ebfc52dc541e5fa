package io.caravan.delivery;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.List;

/** Per-subscription counters and the end-to-end latency (event in the topic → subscriber answered 2xx). */
final class SubscriptionMetrics implements AutoCloseable {
    private final MeterRegistry registry;
    final Counter delivered;
    final Counter deadLettered;
    final Counter failedAttempts;
    final Counter retries;
    final Counter debugged;
    final Timer latency;
    private final List<Meter> meters;

    SubscriptionMetrics(MeterRegistry registry, String routeId) {
        this.registry = registry;
        delivered = counter("caravan.webhook.delivered", "events the subscriber accepted (2xx)", routeId);
        deadLettered = counter("caravan.webhook.dead.lettered", "events recorded in dead_letter", routeId);
        failedAttempts = counter("caravan.webhook.failed.attempts", "POSTs that failed (any reason)", routeId);
        retries = counter("caravan.webhook.retries", "POSTs repeated after a transient failure", routeId);
        debugged = counter("caravan.webhook.debug", "events recorded by debug mode instead of sent", routeId);
        latency = Timer.builder("caravan.webhook.delivery.latency")
                .description("from the event's Kafka timestamp to the subscriber's 2xx")
                .tag("route", routeId)
                .publishPercentiles(0.5, 0.99)
                .register(registry);
        meters = List.of(delivered, deadLettered, failedAttempts, retries, debugged, latency);
    }

    private Counter counter(String name, String description, String routeId) {
        return Counter.builder(name)
                .description(description)
                .tag("route", routeId)
                .register(registry);
    }

    @Override
    public void close() {
        meters.forEach(registry::remove);
    }
}
