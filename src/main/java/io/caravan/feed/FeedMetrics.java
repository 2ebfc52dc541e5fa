package io.caravan.feed;

import io.caravan.store.Watermark;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/** Per-route feed counters and the watermark-lag gauge (seconds between now and the watermark's updated_at). */
final class FeedMetrics implements AutoCloseable {
    private final MeterRegistry registry;
    final Counter read;
    final Counter delivered;
    final Counter duplicate;
    final Counter deadLettered;
    final Counter executions;
    private final AtomicReference<Watermark> watermark = new AtomicReference<>();
    private final List<Meter> meters;

    FeedMetrics(MeterRegistry registry, String routeId, Clock clock) {
        this.registry = registry;
        read = counter("caravan.feed.rows.read", "rows read from the source", routeId);
        delivered = counter("caravan.feed.rows.delivered", "rows delivered to the target", routeId);
        duplicate =
                counter("caravan.feed.rows.duplicate", "rows skipped because their key was already handled", routeId);
        deadLettered = counter("caravan.feed.rows.dead.lettered", "rows recorded in dead_letter", routeId);
        executions = counter("caravan.feed.executions", "scheduled executions run", routeId);
        Gauge lag = Gauge.builder("caravan.feed.watermark.lag.seconds", watermark, w -> {
                    Watermark wm = w.get();
                    return wm == null
                            ? Double.NaN
                            : Duration.between(wm.updatedAt(), clock.instant()).toMillis() / 1000.0;
                })
                .description("seconds between now and the updated_at of the feed's watermark")
                .tag("route", routeId)
                .register(registry);
        meters = List.of(read, delivered, duplicate, deadLettered, executions, lag);
    }

    private Counter counter(String name, String description, String routeId) {
        return Counter.builder(name)
                .description(description)
                .tag("route", routeId)
                .register(registry);
    }

    void watermark(Watermark wm) {
        watermark.set(wm);
    }

    @Override
    public void close() {
        meters.forEach(registry::remove);
    }
}
