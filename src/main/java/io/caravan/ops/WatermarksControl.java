package io.caravan.ops;

import io.caravan.config.Reconciler;
import io.caravan.feed.WatermarkFeedFamily;
import io.caravan.store.RouteConfigRow;
import io.caravan.store.RouteConfigStore;
import io.caravan.store.Watermark;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * {@link WatermarksMBean}. A reset is the only way a watermark moves back (or jumps forward past rows): the route
 * is stopped gracefully while the watermark is written, so no running execution advances it from its old position
 * afterwards, and started again. Every reset counts in caravan_watermark_resets_total{route,kind}.
 */
public final class WatermarksControl implements WatermarksMBean {
    public static final String OBJECT_NAME = "io.caravan:type=Watermarks";
    static final String RESETS = "caravan.watermark.resets";

    private final io.caravan.store.Watermarks watermarks;
    private final RouteConfigStore configs;
    private final Reconciler reconciler;
    private final MeterRegistry meters;
    private final Clock clock;
    private final AuditedOperations audited;

    WatermarksControl(
            io.caravan.store.Watermarks watermarks,
            RouteConfigStore configs,
            Reconciler reconciler,
            MeterRegistry meters,
            Clock clock,
            AuditedOperations audited) {
        this.watermarks = watermarks;
        this.configs = configs;
        this.reconciler = reconciler;
        this.meters = meters;
        this.clock = clock;
        this.audited = audited;
    }

    @Override
    public String[] getWatermarks() {
        return watermarks.all().entrySet().stream()
                .map(e -> e.getKey() + ": " + e.getValue().wireForm())
                .toArray(String[]::new);
    }

    @Override
    public String showWatermark(String route) {
        return audited.run("showWatermark", AuditedOperations.args("route", route), () -> {
            feed(route);
            return route + ": "
                    + watermarks.find(route).map(Watermark::wireForm).orElse("none (starts from the first row)");
        });
    }

    @Override
    public String resetWatermark(String route, String updatedAt, String id) {
        return audited.run(
                "resetWatermark", AuditedOperations.args("route", route, "updatedAt", updatedAt, "id", id), () -> {
                    feed(route);
                    Watermark to = new Watermark(instant(updatedAt), id == null ? "" : id);
                    Optional<Watermark> before = reset(route, to, "position");
                    return route + ": watermark "
                            + before.map(Watermark::wireForm).orElse("none") + " -> "
                            + to.wireForm()
                            + (before.isPresent() && before.get().isAfter(to)
                                    ? "; rows after " + to.wireForm()
                                            + " are read again (the ledger skips delivered keys)"
                                    : "; rows up to " + to.wireForm() + " are skipped");
                });
    }

    @Override
    public String resetWatermarkToNow(String route) {
        return audited.run("resetWatermarkToNow", AuditedOperations.args("route", route), () -> {
            feed(route);
            Watermark to = new Watermark(Instant.now(clock), "");
            Optional<Watermark> before = reset(route, to, "now");
            return route + ": watermark " + before.map(Watermark::wireForm).orElse("none") + " -> " + to.wireForm()
                    + "; starts from now: the backlog (every row updated before " + to.updatedAt()
                    + ") is skipped and never delivered";
        });
    }

    private Optional<Watermark> reset(String route, Watermark to, String kind) {
        Optional<Watermark> before = reconciler.whileStopped(route, () -> watermarks.reset(route, to));
        Counter.builder(RESETS)
                .description("Watermarks an operator reset, by route and kind (position or now)")
                .tag("route", route)
                .tag("kind", kind)
                .register(meters)
                .increment();
        return before;
    }

    private RouteConfigRow feed(String route) {
        RouteConfigRow row = configs.find(route)
                .orElseThrow(() -> new IllegalArgumentException("no route_config row for route '" + route + "'"));
        if (!WatermarkFeedFamily.TEMPLATE_ID.equals(row.template())) {
            throw new IllegalArgumentException("route " + route + " is a " + row.template() + ", not a "
                    + WatermarkFeedFamily.TEMPLATE_ID + "; it has no watermark");
        }
        return row;
    }

    private static Instant instant(String text) {
        try {
            return Instant.parse(text == null ? "" : text.strip());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(
                    "updatedAt '" + text + "' is not an ISO-8601 instant like 2024-05-01T10:15:30.123456Z");
        }
    }
}
