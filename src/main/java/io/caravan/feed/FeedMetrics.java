package io.caravan.feed;

import io.caravan.store.Watermark;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Per-route feed counters and gauges. The watermark lag (now minus the watermark's updated_at) grows while a feed is
 * idle; the backlog age (now minus the oldest source row not yet handled, 0 when caught up) and the stalled flag tell
 * idle from stuck.
 */
final class FeedMetrics implements AutoCloseable {
    private final MeterRegistry registry;
    final Counter read;
    final Counter delivered;
    final Counter duplicate;
    final Counter deadLettered;
    final Counter executions;
    final Counter lateRows;
    final Counter reconcileMissing;
    final Counter reconcileRedriven;
    private final AtomicReference<Watermark> watermark = new AtomicReference<>();
    /** The oldest unhandled row's updated_at; empty when caught up; null before the first execution looked. */
    private final AtomicReference<Optional<Instant>> oldestUnhandled = new AtomicReference<>();

    private final AtomicReference<Duration> horizonHold = new AtomicReference<>(Duration.ZERO);
    private volatile boolean stalled;
    private final List<Meter> meters;

    FeedMetrics(MeterRegistry registry, String routeId, Clock clock) {
        this.registry = registry;
        read = counter("caravan.feed.rows.read", "rows read from the source", routeId);
        delivered = counter("caravan.feed.rows.delivered", "rows delivered to the target", routeId);
        duplicate =
                counter("caravan.feed.rows.duplicate", "rows skipped because their key was already handled", routeId);
        deadLettered = counter("caravan.feed.rows.dead.lettered", "rows recorded in dead_letter", routeId);
        executions = counter("caravan.feed.executions", "scheduled executions run", routeId);
        lateRows = counter(
                "caravan.feed.late.rows",
                "rows found behind the watermark (committed after the feed had passed their position)",
                routeId);
        reconcileMissing = counter(
                "caravan.feed.reconcile.missing", "source rows the backstop found missing from the ledger", routeId);
        reconcileRedriven =
                counter("caravan.feed.reconcile.redriven", "missing rows the backstop delivered again", routeId);
        Gauge lag = Gauge.builder("caravan.feed.watermark.lag.seconds", watermark, w -> {
                    Watermark wm = w.get();
                    return wm == null
                            ? Double.NaN
                            : Duration.between(wm.updatedAt(), clock.instant()).toMillis() / 1000.0;
                })
                .description("seconds between now and the updated_at of the feed's watermark (grows while idle)")
                .tag("route", routeId)
                .register(registry);
        Gauge backlog = Gauge.builder("caravan.feed.backlog.age.seconds", oldestUnhandled, o -> {
                    Optional<Instant> oldest = o.get();
                    if (oldest == null) {
                        return Double.NaN;
                    }
                    return oldest.map(t -> Math.max(
                                    0, Duration.between(t, clock.instant()).toMillis() / 1000.0))
                            .orElse(0.0);
                })
                .description("age of the oldest source row not yet handled; 0 when the feed is caught up")
                .tag("route", routeId)
                .register(registry);
        Gauge hold = Gauge.builder(
                        "caravan.feed.horizon.hold.seconds",
                        horizonHold,
                        h -> h.get().toMillis() / 1000.0)
                .description("age of the oldest open source transaction holding the commit horizon back")
                .tag("route", routeId)
                .register(registry);
        Gauge stall = Gauge.builder("caravan.feed.stalled", this, m -> m.stalled ? 1 : 0)
                .description("1 while rows wait and the feed has made no progress for several executions")
                .tag("route", routeId)
                .register(registry);
        meters = List.of(
                read,
                delivered,
                duplicate,
                deadLettered,
                executions,
                lateRows,
                reconcileMissing,
                reconcileRedriven,
                lag,
                backlog,
                hold,
                stall);
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

    /** The oldest row not yet handled, or empty when caught up. */
    void oldestUnhandled(Optional<Instant> updatedAt) {
        oldestUnhandled.set(updatedAt);
    }

    void horizonHold(Duration hold) {
        horizonHold.set(hold);
    }

    void stalled(boolean value) {
        stalled = value;
    }

    @Override
    public void close() {
        meters.forEach(registry::remove);
    }
}
