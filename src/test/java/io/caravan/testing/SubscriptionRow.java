package io.caravan.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.caravan.store.RouteConfigRow;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** A webhook-delivery route_config row for tests: short retries by default. */
public final class SubscriptionRow {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String routeId;
    private final Map<String, String> params = new LinkedHashMap<>();
    private Integer retryMaxAttempts = 3;
    private Long retryInitialDelayMs = 100L;
    private Long retryMaxDelayMs = 1000L;
    private Integer throttlePerSecond;

    private SubscriptionRow(String routeId) {
        this.routeId = routeId;
    }

    public static SubscriptionRow of(String routeId, String topic, String url, String secretRef) {
        SubscriptionRow row = new SubscriptionRow(routeId);
        row.params.put("topic", topic);
        row.params.put("url", url);
        row.params.put("secret", secretRef);
        return row;
    }

    public SubscriptionRow param(String name, String value) {
        params.put(name, value);
        return this;
    }

    public SubscriptionRow retry(int maxAttempts, long initialDelayMs, long maxDelayMs) {
        retryMaxAttempts = maxAttempts;
        retryInitialDelayMs = initialDelayMs;
        retryMaxDelayMs = maxDelayMs;
        return this;
    }

    public SubscriptionRow throttle(int perSecond) {
        throttlePerSecond = perSecond;
        return this;
    }

    public String routeId() {
        return routeId;
    }

    public String paramsJson() {
        try {
            return JSON.writeValueAsString(params);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public RouteConfigRow row() {
        return new RouteConfigRow(
                routeId,
                "webhook-delivery",
                true,
                "T1",
                null,
                null,
                paramsJson(),
                throttlePerSecond,
                retryMaxAttempts,
                retryInitialDelayMs,
                retryMaxDelayMs,
                "test",
                1,
                Instant.now(),
                "test");
    }
}
