package io.caravan.ops.alerts;

import io.caravan.ops.health.FamilyRules;
import io.caravan.ops.health.RouteHealth;
import io.caravan.ops.health.Signal;
import io.caravan.ops.health.Signals;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * One alert rule: for routes of a family (or any family) at given tiers, {@code signal op threshold} fires with a
 * severity. The same declaration is evaluated by caravan and rendered into the PrometheusRule.
 *
 * @param id the rule's name, also the runbook anchor (docs/runbook.md#id)
 * @param families the families it applies to (empty: every family)
 * @param tiers the route_config tiers it applies to (empty: every tier)
 */
public record AlertRule(
        String id,
        Set<FamilyRules> families,
        Set<String> tiers,
        Signal signal,
        Comparison comparison,
        double threshold,
        Severity severity,
        String summary) {

    /** How the signal is compared with the threshold. */
    public enum Comparison {
        ABOVE(">"),
        AT_LEAST(">=");

        private final String promql;

        Comparison(String promql) {
            this.promql = promql;
        }

        public String promql() {
            return promql;
        }

        boolean holds(double value, double threshold) {
            return this == ABOVE ? value > threshold : value >= threshold;
        }
    }

    public AlertRule {
        Objects.requireNonNull(id, "id");
        if (!id.matches("[a-z0-9-]{1,100}")) {
            throw new IllegalArgumentException("alert rule id must be lower-case letters, digits and '-': " + id);
        }
        families = Set.copyOf(families);
        tiers = Set.copyOf(tiers);
    }

    public boolean appliesTo(RouteHealth route) {
        return (families.isEmpty() || families.contains(route.family()))
                && (tiers.isEmpty() || tiers.contains(route.tier().toUpperCase(Locale.ROOT)));
    }

    /** Whether the route's signal passes the threshold; no data never fires. */
    public boolean fires(Signals signals, double threshold) {
        var v = signals.get(signal);
        return v.isPresent() && comparison.holds(v.getAsDouble(), threshold);
    }

    /** The PromQL alert expression: the signal per route, kept to this rule's routes, compared. */
    public String promql() {
        StringBuilder selector = new StringBuilder();
        if (!families.isEmpty()) {
            selector.append("family=~\"")
                    .append(String.join(
                            "|",
                            families.stream().map(FamilyRules::tag).sorted().toList()))
                    .append('"');
        }
        if (!tiers.isEmpty()) {
            if (selector.length() > 0) {
                selector.append(',');
            }
            selector.append("tier=~\"")
                    .append(String.join("|", tiers.stream().sorted().toList()))
                    .append('"');
        }
        return "(" + signal.promql() + ") " + comparison.promql() + " " + FormatNumber.of(threshold)
                + " and on (route) group by (route) (caravan_route_health{" + selector + "})";
    }
}
