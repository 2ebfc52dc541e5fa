package io.caravan.ops.alerts;

import java.util.List;
import java.util.Map;

/**
 * Renders {@link AlertRules} as a Prometheus Operator {@code PrometheusRule} (k8s/monitoring/prometheus-rule.yaml), for
 * clusters where Alertmanager sends the alerts instead of caravan. Each rule's expression is its signal's PromQL,
 * limited to the rule's families and tiers through {@code caravan_route_health}'s labels.
 */
public final class PrometheusRuleFile {
    /** Where the file lives, relative to the project root. */
    public static final String PATH = "k8s/monitoring/prometheus-rule.yaml";

    private PrometheusRuleFile() {}

    public static String render(Map<String, List<AlertRule>> groups, String runbookUrl) {
        StringBuilder y = new StringBuilder();
        y.append("# Generated from io.caravan.ops.alerts.AlertRules; do not edit. Regenerate with\n")
                .append("#   mvn -o test -Dtest=PrometheusRuleFileTest -Dcaravan.docs.write=true\n")
                .append(
                        "# Needs the Prometheus Operator (monitoring.coreos.com/v1); apply with kubectl apply -k k8s/monitoring\n")
                .append("apiVersion: monitoring.coreos.com/v1\n")
                .append("kind: PrometheusRule\n")
                .append("metadata:\n")
                .append("  name: caravan\n")
                .append("  labels:\n")
                .append("    app.kubernetes.io/part-of: caravan\n")
                .append("spec:\n")
                .append("  groups:\n");
        groups.forEach((name, rules) -> {
            y.append("    - name: ").append(name).append('\n');
            y.append("      rules:\n");
            for (AlertRule r : rules) {
                y.append("        - alert: ").append(alertName(r.id())).append('\n');
                y.append("          expr: ").append(quote(r.promql())).append('\n');
                y.append("          for: 1m\n");
                y.append("          labels:\n");
                y.append("            severity: ").append(r.severity().label()).append('\n');
                y.append("            rule: ").append(r.id()).append('\n');
                y.append("          annotations:\n");
                y.append("            summary: ")
                        .append(quote("{{ $labels.route }}: " + r.summary()))
                        .append('\n');
                y.append("            description: ")
                        .append(quote(r.signal().tag() + " is {{ $value }} (threshold "
                                + r.comparison().promql() + " " + FormatNumber.of(r.threshold()) + ")"))
                        .append('\n');
                y.append("            runbook_url: ")
                        .append(quote(runbookUrl + "#" + r.id()))
                        .append('\n');
            }
        });
        return y.toString();
    }

    /** feed-backlog-delay → CaravanFeedBacklogDelay. */
    static String alertName(String id) {
        StringBuilder b = new StringBuilder("Caravan");
        for (String part : id.split("-")) {
            b.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
        }
        return b.toString();
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "''") + "'";
    }
}
