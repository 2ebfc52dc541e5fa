package io.caravan.ops;

import io.caravan.config.ConfigProblem;
import io.caravan.config.Reconciler;
import io.caravan.config.RouteConfigSeed;
import io.caravan.config.RouteConfigValidator;
import io.caravan.store.DrainProfiles;
import io.caravan.store.RouteConfigRow;
import io.caravan.store.RouteConfigStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@link ConfigMBean}. Operators are authenticated, so rejected rows show their reasons here (the health check
 * names rows and columns only); reasons never quote secret values, which rows hold as references.
 */
public final class ConfigControl implements ConfigMBean {
    public static final String OBJECT_NAME = "io.caravan:type=Config";

    private final Reconciler reconciler;
    private final RouteConfigValidator validator;
    private final DrainProfiles profiles;
    private final RouteConfigStore configs;
    private final AuditedOperations audited;

    ConfigControl(
            Reconciler reconciler,
            RouteConfigValidator validator,
            DrainProfiles profiles,
            RouteConfigStore configs,
            AuditedOperations audited) {
        this.reconciler = reconciler;
        this.validator = validator;
        this.profiles = profiles;
        this.configs = configs;
        this.audited = audited;
    }

    @Override
    public String[] getRunningRoutes() {
        return reconciler.running().stream().sorted().toArray(String[]::new);
    }

    @Override
    public String[] getRejectedRows() {
        return reconciler.rejected().values().stream()
                .flatMap(r -> r.problems().stream())
                .map(ConfigProblem::message)
                .sorted()
                .toArray(String[]::new);
    }

    @Override
    public String reconcileNow() {
        return audited.run("reconcileNow", AuditedOperations.args(), () -> "changed: " + reconciler.reconcile());
    }

    @Override
    public String[] validateRow(String row) {
        return audited.run("validateRow", AuditedOperations.args("row", row), () -> validate(row));
    }

    private String[] validate(String text) {
        RouteConfigSeed.Loaded parsed = RouteConfigSeed.parseRow(text == null ? "" : text, Operator.current());
        if (!parsed.problems().isEmpty()) {
            return parsed.problems().toArray(String[]::new);
        }
        RouteConfigRow candidate = parsed.rows().get(0);
        RouteConfigValidator.Result result = validator.validate(candidate, profiles.all());
        if (!result.valid()) {
            return result.problems().stream().map(ConfigProblem::message).toArray(String[]::new);
        }
        List<String> valid = new ArrayList<>();
        Optional<RouteConfigRow> stored = configs.find(candidate.routeId());
        valid.add("valid: route_config row '" + candidate.routeId() + "' would run template " + candidate.template()
                + (candidate.enabled() ? "" : " (disabled)"));
        valid.add(stored.map(s -> s.sameContentAs(candidate)
                        ? "identical to the stored row at version " + s.version() + ": writing it changes nothing"
                        : "differs from the stored row at version " + s.version() + ": writing it re-creates the route")
                .orElse("no stored row with this route id: writing it creates the route"));
        return valid.toArray(String[]::new);
    }
}
