package io.caravan.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.caravan.store.RouteConfigRow;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A watermark-feed route_config row for tests. By default the idempotency key starts with the route id, because the
 * ledger's keys are global across routes and tests share a store.
 */
public final class FeedRow {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String routeId;
    private final Map<String, String> params = new LinkedHashMap<>();
    private String profile;
    private String schedule = "every 1s";
    private Integer retryMaxAttempts = 3;
    private Long retryInitialDelayMs = 100L;
    private Long retryMaxDelayMs = 1000L;
    private Integer throttlePerSecond;

    private FeedRow(String routeId, String profile, String target) {
        this.routeId = routeId;
        this.profile = profile;
        params.put("key", routeId + ":${body[id]}:${body[revision]}");
        params.put("target", target);
    }

    /** A feed of a {@link SourceTable} through the test statement source-rows. */
    public static FeedRow jdbc(String routeId, String profile, String sourceName, String target) {
        FeedRow row = new FeedRow(routeId, profile, target);
        row.params.put("sourceKind", "jdbc");
        row.params.put("sourceDataSource", sourceName);
        row.params.put("sourceQuery", "source-rows");
        return row;
    }

    /** A feed of a paged HTTP API. */
    public static FeedRow http(String routeId, String profile, String sourceUrl, String target) {
        FeedRow row = new FeedRow(routeId, profile, target);
        row.params.put("sourceKind", "http");
        row.params.put("sourceUrl", sourceUrl);
        return row;
    }

    public FeedRow schedule(String schedule) {
        this.schedule = schedule;
        return this;
    }

    public FeedRow key(String keyExpression) {
        params.put("key", keyExpression);
        return this;
    }

    public FeedRow param(String name, String value) {
        params.put(name, value);
        return this;
    }

    public FeedRow retry(int maxAttempts, long initialDelayMs, long maxDelayMs) {
        retryMaxAttempts = maxAttempts;
        retryInitialDelayMs = initialDelayMs;
        retryMaxDelayMs = maxDelayMs;
        return this;
    }

    public FeedRow throttle(int perSecond) {
        throttlePerSecond = perSecond;
        return this;
    }

    public String routeId() {
        return routeId;
    }

    public RouteConfigRow row() {
        try {
            return new RouteConfigRow(
                    routeId,
                    "watermark-feed",
                    true,
                    "T3",
                    profile,
                    schedule,
                    JSON.writeValueAsString(params),
                    throttlePerSecond,
                    retryMaxAttempts,
                    retryInitialDelayMs,
                    retryMaxDelayMs,
                    "test",
                    1,
                    Instant.now(),
                    "test");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
