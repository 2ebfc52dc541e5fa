package io.caravan.errors;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/** The retry policy of each running route, kept current by the reconciler; unknown routes get the fallback. */
public final class RetryPolicies {

    private final Map<String, RetryPolicy> byRoute = new ConcurrentHashMap<>();
    private final RetryPolicy fallback;

    public RetryPolicies() {
        this(RetryPolicy.DEFAULT);
    }

    public RetryPolicies(RetryPolicy fallback) {
        this.fallback = Objects.requireNonNull(fallback, "fallback");
    }

    public void put(String routeId, RetryPolicy policy) {
        byRoute.put(Objects.requireNonNull(routeId, "routeId"), Objects.requireNonNull(policy, "policy"));
    }

    public RetryPolicy forRoute(String routeId) {
        return routeId == null ? fallback : byRoute.getOrDefault(routeId, fallback);
    }

    public void remove(String routeId) {
        byRoute.remove(routeId);
    }
}
