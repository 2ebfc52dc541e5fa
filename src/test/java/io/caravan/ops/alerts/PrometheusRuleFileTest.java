package io.caravan.ops.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The PrometheusRule and the runbook follow the alert rule declarations. */
class PrometheusRuleFileTest {
    private static final Path FILE = Path.of(PrometheusRuleFile.PATH);
    private static final Path RUNBOOK = Path.of("docs/runbook.md");

    /** Guards against k8s/monitoring/prometheus-rule.yaml drifting from the declarations. */
    @Test
    void committed_prometheus_rule_matches_the_declarations() throws IOException {
        String expected = PrometheusRuleFile.render(AlertRules.GROUPS, AlertSettings.DEFAULT_RUNBOOK_URL);
        if (Boolean.getBoolean("caravan.docs.write")) {
            Files.createDirectories(FILE.getParent());
            Files.writeString(FILE, expected);
        }
        assertThat(FILE)
                .as("run: mvn test -Dtest=PrometheusRuleFileTest -Dcaravan.docs.write=true")
                .exists();
        assertThat(Files.readString(FILE))
                .as("%s is stale; run: mvn test -Dtest=PrometheusRuleFileTest -Dcaravan.docs.write=true", FILE)
                .isEqualTo(expected);
    }

    /**
     * Guards against an alert expression naming a metric nobody exports (it would never fire): every caravan_* name in
     * an expression is a meter name declared in the main sources, in the form Prometheus gives it.
     */
    @Test
    void every_metric_in_an_expression_is_declared_in_code() throws IOException {
        Set<String> exported = exportedNames();
        Set<String> used = new HashSet<>();
        Matcher m = Pattern.compile("caravan_[a-z_]+")
                .matcher(String.join(
                        "\n", AlertRules.all().stream().map(AlertRule::promql).toList()));
        while (m.find()) {
            used.add(m.group());
        }
        assertThat(used).isNotEmpty();
        assertThat(used).allSatisfy(name -> assertThat(exported)
                .as("meters declared in src/main/java")
                .contains(name));
    }

    /** Guards against an alert whose runbook link leads nowhere: docs/runbook.md has a section per rule. */
    @Test
    void every_rule_has_a_runbook_section() throws IOException {
        String runbook = Files.readString(RUNBOOK);
        for (AlertRule rule : AlertRules.all()) {
            assertThat(runbook).as("runbook section for %s", rule.id()).contains("<a id=\"" + rule.id() + "\"></a>");
        }
    }

    /** Counter x → x_total, timer x → x_seconds_count/_sum/_max, gauge x → x (Micrometer's Prometheus naming). */
    private static Set<String> exportedNames() throws IOException {
        Set<String> meters = new HashSet<>();
        Pattern literal = Pattern.compile("\"(caravan(?:\\.[a-z0-9]+)+)\"");
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                Matcher m = literal.matcher(Files.readString(f));
                while (m.find()) {
                    meters.add(m.group(1));
                }
            }
        }
        Set<String> names = new HashSet<>();
        for (String meter : meters) {
            String base = meter.replace('.', '_');
            names.add(base);
            names.add(base + "_total");
            names.add(base + "_seconds_count");
            names.add(base + "_seconds_sum");
            names.add(base + "_seconds_max");
        }
        return names;
    }
}
