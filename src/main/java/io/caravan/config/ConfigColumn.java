package io.caravan.config;

import io.caravan.store.RouteConfigRow;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The one declaration of each route_config column: name, default, its own check, and doc. Rules across columns
 * live in {@link CrossFieldRules}; docs/route-config.md is generated from these declarations.
 */
public enum ConfigColumn {
    ROUTE_ID(
            "route_id",
            null,
            "Unique id of the route instance; also the Camel route id. Lower-case letters, digits and '-'.",
            r -> Patterns.ROUTE_ID.matcher(nullToEmpty(r.routeId())).matches()
                    ? Optional.empty()
                    : Optional.of("'" + r.routeId()
                            + "' must be 2-63 lower-case letters, digits or '-', starting with a letter or digit")),
    TEMPLATE(
            "template",
            null,
            "The route template (routes/*.yaml) this row instantiates, e.g. watermark-feed.",
            r -> blank(r.template())),
    ENABLED(
            "enabled",
            "true",
            "Disabled rows are stopped gracefully (in-flight exchanges finish) and not started.",
            r -> Optional.empty()),
    TIER(
            "tier",
            "T3",
            "Maturity tier T0-T5 (seed 000); must be at least the template's tier.",
            r -> Patterns.TIER.matcher(nullToEmpty(r.tier())).matches()
                    ? Optional.empty()
                    : Optional.of("'" + r.tier() + "' is not a tier (T0 to T5)")),
    PROFILE(
            "profile",
            null,
            "Drain profile (drain_profile.name) giving the interval and the budget max_returned_events x max_cycles.",
            r -> Optional.empty()),
    SCHEDULE(
            "schedule",
            "the profile's interval",
            "Overrides the profile's interval: 'every 30s', a duration like 5m, or 'cron:<quartz cron>'.",
            r -> Optional.empty()),
    PARAMS(
            "params",
            "{}",
            "Template parameters as a JSON object; each template declares its parameters (see below).",
            r -> Optional.empty()),
    THROTTLE_PER_SECOND(
            "throttle_per_second",
            "unlimited",
            "Rate guard: deliveries per second at most, 1 to " + ConfigColumn.MAX_THROTTLE_PER_SECOND + ".",
            r -> atMost(
                    r.throttlePerSecond() == null ? null : r.throttlePerSecond().longValue(),
                    ConfigColumn.MAX_THROTTLE_PER_SECOND,
                    "the throttle holds one permit per delivery allowed in a second")),
    RETRY_MAX_ATTEMPTS(
            "retry_max_attempts",
            "5",
            "Deliveries per row including the first, for TRANSIENT failures.",
            r -> positive(
                    r.retryMaxAttempts() == null ? null : r.retryMaxAttempts().longValue())),
    RETRY_INITIAL_DELAY_MS(
            "retry_initial_delay_ms",
            "500",
            "First backoff delay; doubles per retry with jitter; Retry-After wins.",
            r -> positive(r.retryInitialDelayMs())),
    RETRY_MAX_DELAY_MS(
            "retry_max_delay_ms",
            "30000",
            "Backoff ceiling (a server's Retry-After may exceed it).",
            r -> positive(r.retryMaxDelayMs())),
    OWNER("owner", null, "Team or person answerable for the route; shown in alerts.", r -> Optional.empty()),
    VERSION(
            "version",
            "1",
            "Incremented on every change; a changed version re-creates the route.",
            r -> Optional.empty()),
    UPDATED_AT("updated_at", "now", "When the row last changed.", r -> Optional.empty()),
    UPDATED_BY("updated_by", null, "Who last changed the row (audited in config_audit).", r -> Optional.empty());

    /**
     * The highest throttle_per_second: Camel's throttle makes one permit object per delivery allowed in a second (a row
     * at the limit holds ~240 KB of them), so an unbounded value is a row that can exhaust the heap.
     */
    public static final int MAX_THROTTLE_PER_SECOND = 10_000;

    private final String column;
    private final String defaultValue;
    private final String doc;
    private final Function<RouteConfigRow, Optional<String>> check;

    ConfigColumn(String column, String defaultValue, String doc, Function<RouteConfigRow, Optional<String>> check) {
        this.column = column;
        this.defaultValue = defaultValue;
        this.doc = doc;
        this.check = check;
    }

    public String column() {
        return column;
    }

    public String defaultValue() {
        return defaultValue;
    }

    public String doc() {
        return doc;
    }

    Optional<ConfigProblem> problem(RouteConfigRow row) {
        return check.apply(row).map(reason -> new ConfigProblem(row.routeId(), column, reason));
    }

    private static Optional<String> blank(String v) {
        return v == null || v.isBlank() ? Optional.of("is required") : Optional.empty();
    }

    private static Optional<String> positive(Long v) {
        return v == null || v > 0 ? Optional.empty() : Optional.of("must be positive, was " + v);
    }

    private static Optional<String> atMost(Long v, long max, String why) {
        if (v != null && v > max) {
            return Optional.of("must be at most " + max + " (" + why + "), was " + v);
        }
        return positive(v);
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    private static final class Patterns {
        static final Pattern ROUTE_ID = Pattern.compile("[a-z0-9][a-z0-9-]{1,62}");
        static final Pattern TIER = Pattern.compile("T[0-5]");
    }
}
