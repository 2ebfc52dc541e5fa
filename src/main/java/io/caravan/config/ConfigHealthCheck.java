package io.caravan.config;

import java.util.Map;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * DOWN while any route_config row is rejected, with each problem in the details. It is neither a liveness nor a
 * readiness check: one bad row must not take the pod out of service while the other routes run.
 */
public final class ConfigHealthCheck extends AbstractHealthCheck {
    private final Reconciler reconciler;

    public ConfigHealthCheck(Reconciler reconciler) {
        super("caravan", "route-config");
        this.reconciler = reconciler;
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
        Map<String, Reconciler.Rejection> rejected = reconciler.rejected();
        builder.detail("routes.running", reconciler.running().size());
        builder.detail("routes.rejected", rejected.size());
        rejected.forEach((id, r) -> builder.detail(
                "rejected." + id,
                String.join(
                        "; ", r.problems().stream().map(ConfigProblem::message).toList())));
        if (rejected.isEmpty()) {
            builder.up();
        } else {
            builder.message(rejected.size() + " route_config rows rejected: "
                    + String.join(
                            " | ",
                            rejected.values().stream()
                                    .flatMap(r -> r.problems().stream())
                                    .map(ConfigProblem::message)
                                    .toList()));
            builder.down();
        }
    }
}
