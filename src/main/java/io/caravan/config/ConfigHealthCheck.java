package io.caravan.config;

import java.util.Map;
import java.util.TreeMap;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * DOWN while any route_config row is rejected, naming each rejected row and its columns in the details. It is neither a liveness nor a
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

    /**
     * Names each rejected row and the columns at fault, never the reasons: a reason may quote a value (a token of a
     * key, a URL), and health is read by more people than the logs, which carry the full reasons.
     */
    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        Map<String, Reconciler.Rejection> rejected = new TreeMap<>(reconciler.rejected());
        builder.detail("routes.running", reconciler.running().size());
        builder.detail("routes.rejected", rejected.size());
        rejected.forEach((id, r) -> builder.detail("rejected." + id, columns(r)));
        if (rejected.isEmpty()) {
            builder.up();
        } else {
            builder.message(rejected.size() + " route_config rows rejected (reasons in the log and config_audit): "
                    + String.join(
                            " | ",
                            rejected.entrySet().stream()
                                    .map(e -> "row '" + e.getKey() + "' columns " + columns(e.getValue()))
                                    .toList()));
            builder.down();
        }
    }

    private static String columns(Reconciler.Rejection rejection) {
        return String.join(
                ", ",
                rejection.problems().stream()
                        .map(ConfigProblem::column)
                        .distinct()
                        .toList());
    }
}
