package io.caravan.ops;

import io.caravan.config.ConfigProblem;
import io.caravan.config.Reconciler;
import io.caravan.config.RouteConfigValidator;
import io.caravan.store.DrainProfile;
import io.caravan.store.DrainProfiles;
import io.caravan.store.RouteConfigRow;
import io.caravan.store.RouteConfigStore;
import java.util.Map;

/**
 * {@link ProfilesMBean}. A switch writes the row's profile column like any other row change (version + 1,
 * config_audit UPDATED with the operator as changed_by), after the validator accepted the changed row, so a switch
 * to a profile the route cannot use is refused with the reconciler's own messages instead of stopping the route.
 */
public final class ProfilesControl implements ProfilesMBean {
    public static final String OBJECT_NAME = "io.caravan:type=Profiles";

    private final RouteConfigStore configs;
    private final DrainProfiles profiles;
    private final RouteConfigValidator validator;
    private final Reconciler reconciler;
    private final AuditedOperations audited;

    ProfilesControl(
            RouteConfigStore configs,
            DrainProfiles profiles,
            RouteConfigValidator validator,
            Reconciler reconciler,
            AuditedOperations audited) {
        this.configs = configs;
        this.profiles = profiles;
        this.validator = validator;
        this.reconciler = reconciler;
        this.audited = audited;
    }

    @Override
    public String[] getProfiles() {
        return profiles.all().values().stream().map(ProfilesControl::budget).toArray(String[]::new);
    }

    @Override
    public String previewProfile(String route, String profile) {
        return audited.run(
                "previewProfile",
                AuditedOperations.args("route", route, "profile", profile),
                () -> preview(row(route), profile));
    }

    @Override
    public String switchProfile(String route, String profile) {
        return audited.run("switchProfile", AuditedOperations.args("route", route, "profile", profile), () -> {
            RouteConfigRow before = row(route);
            String preview = preview(before, profile);
            if (profile.equals(before.profile())) {
                return route + " already uses " + profile + " (version " + before.version() + ")";
            }
            RouteConfigRow after = configs.upsert(before.withProfile(profile), Operator.current());
            reconciler.reconcile();
            return "switched at version " + after.version() + ": " + preview;
        });
    }

    private String preview(RouteConfigRow row, String profile) {
        Map<String, DrainProfile> all = profiles.all();
        DrainProfile next = all.get(profile);
        if (next == null) {
            throw new IllegalArgumentException("unknown drain profile '" + profile + "'; known: " + all.keySet());
        }
        RouteConfigValidator.Result result = validator.validate(row.withProfile(profile), all);
        if (!result.valid()) {
            throw new IllegalArgumentException("route " + row.routeId() + " cannot use " + profile + ": "
                    + String.join(
                            "; ",
                            result.problems().stream()
                                    .map(ConfigProblem::message)
                                    .toList()));
        }
        DrainProfile current = row.profile() == null ? null : all.get(row.profile());
        String schedule = row.schedule() == null || row.schedule().isBlank()
                ? ""
                : " (the row's schedule '" + row.schedule() + "' sets the interval)";
        return row.routeId() + ": " + (current == null ? "no profile" : budget(current)) + " -> " + budget(next)
                + schedule;
    }

    static String budget(DrainProfile p) {
        return p.name() + " (up to " + p.maxReturnedEvents() + " x " + p.maxCycles() + " = " + p.budget()
                + " per execution, every " + p.scheduleInterval().toSeconds() + " s)";
    }

    private RouteConfigRow row(String route) {
        return configs.find(route)
                .orElseThrow(() -> new IllegalArgumentException("no route_config row for route '" + route + "'"));
    }
}
