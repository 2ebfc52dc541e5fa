package io.caravan.ops.health;

import java.util.Map;
import java.util.TreeMap;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Every judged route's health in /health: DOWN while a route is FAILING, naming it. Neither liveness nor readiness: a
 * failing route must not take the pod out of service (its other routes run, and a leader would lose its lease); the
 * instance is useless only when its store is down or its context has not started, which Camel's own checks report.
 */
public final class RouteHealthCheck extends AbstractHealthCheck {
    private final HealthEvaluator evaluator;

    public RouteHealthCheck(HealthEvaluator evaluator) {
        super("caravan", "route-health");
        this.evaluator = evaluator;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    public boolean isReadiness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        Map<String, RouteHealth> routes = new TreeMap<>(evaluator.current());
        routes.forEach((route, h) -> builder.detail("route." + route, h.state().name()));
        var failing = routes.values().stream()
                .filter(h -> h.state() == HealthState.FAILING)
                .map(RouteHealth::route)
                .toList();
        if (failing.isEmpty()) {
            builder.up();
        } else {
            builder.message("FAILING: " + String.join(", ", failing));
            builder.down();
        }
    }
}
