package io.caravan.ops;

import io.caravan.config.Reconciler;
import io.caravan.store.ConfigAudit;
import io.caravan.store.RouteConfigRow;
import io.caravan.store.RouteConfigStore;
import io.caravan.store.RoutePauses;
import java.util.Set;
import org.apache.camel.CamelContext;
import org.apache.camel.ServiceStatus;

/** {@link RoutesMBean}: every change is written to the stores first, then the reconciler makes the routes match. */
public final class RoutesControl implements RoutesMBean {
    public static final String OBJECT_NAME = "io.caravan:type=Routes";
    static final String PAUSED = "PAUSED";
    static final String RESUMED = "RESUMED";

    private final CamelContext camel;
    private final RouteConfigStore configs;
    private final RoutePauses pauses;
    private final ConfigAudit configAudit;
    private final Reconciler reconciler;
    private final AuditedOperations audited;

    RoutesControl(
            CamelContext camel,
            RouteConfigStore configs,
            RoutePauses pauses,
            ConfigAudit configAudit,
            Reconciler reconciler,
            AuditedOperations audited) {
        this.camel = camel;
        this.configs = configs;
        this.pauses = pauses;
        this.configAudit = configAudit;
        this.reconciler = reconciler;
        this.audited = audited;
    }

    @Override
    public String[] getRoutes() {
        Set<String> paused = pauses.paused();
        return configs.all().stream()
                .map(row -> row.routeId() + ": " + (row.enabled() ? "enabled" : "disabled")
                        + (paused.contains(row.routeId()) ? ", paused" : "") + ", route " + status(row.routeId())
                        + ", version " + row.version() + " by " + row.updatedBy())
                .toArray(String[]::new);
    }

    @Override
    public String enable(String route) {
        return audited.run("enable", AuditedOperations.args("route", route), () -> setEnabled(route, true));
    }

    @Override
    public String disable(String route) {
        return audited.run("disable", AuditedOperations.args("route", route), () -> setEnabled(route, false));
    }

    private String setEnabled(String route, boolean enabled) {
        RouteConfigRow before = row(route);
        RouteConfigRow after = configs.setEnabled(route, enabled, Operator.current());
        if (after.version() == before.version()) {
            return route + " was already " + (enabled ? "enabled" : "disabled") + " (version " + after.version() + ")";
        }
        reconciler.reconcile();
        return route + " " + (enabled ? "enabled" : "disabled") + " at version " + after.version() + "; route "
                + status(route);
    }

    @Override
    public String pause(String route) {
        return audited.run("pause", AuditedOperations.args("route", route), () -> {
            row(route);
            if (!pauses.pause(route, Operator.current())) {
                return route + " was already paused; route " + status(route);
            }
            configAudit.record(route, PAUSED, null, null, Operator.current());
            reconciler.reconcile();
            return route + " paused; route " + status(route);
        });
    }

    @Override
    public String resume(String route) {
        return audited.run("resume", AuditedOperations.args("route", route), () -> {
            row(route);
            if (!pauses.resume(route)) {
                return route + " was not paused; route " + status(route);
            }
            configAudit.record(route, RESUMED, null, null, Operator.current());
            reconciler.reconcile();
            return route + " resumed; route " + status(route);
        });
    }

    private RouteConfigRow row(String route) {
        return configs.find(route)
                .orElseThrow(() -> new IllegalArgumentException("no route_config row for route '" + route + "'"));
    }

    private String status(String route) {
        ServiceStatus status = camel.getRouteController().getRouteStatus(route);
        return status == null ? "not created" : status.name();
    }
}
