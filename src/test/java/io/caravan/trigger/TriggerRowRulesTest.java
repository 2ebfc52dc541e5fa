package io.caravan.trigger;

import static org.assertj.core.api.Assertions.assertThat;

import io.caravan.config.ConfigProblem;
import io.caravan.config.RouteConfigValidator;
import io.caravan.errors.RetryPolicy;
import io.caravan.outbound.Egress;
import io.caravan.template.InstanceSpec;
import io.caravan.template.RouteFamily.ParamProblem;
import io.caravan.template.Tier;
import io.caravan.testing.TriggerRows;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

/** The trigger family's rules across parameters, each problem naming its parameter. */
class TriggerRowRulesTest {

    static List<ParamProblem> problems(Map<String, String> overrides) throws Exception {
        return problemsOf(TriggerRows.params(overrides));
    }

    static List<ParamProblem> problemsOf(Map<String, String> params) throws Exception {
        try (DefaultCamelContext camel = new DefaultCamelContext()) {
            var family = new S3TransientTriggerFamily(camel, null, null, null, null, null);
            return family.crossFieldProblems(new InstanceSpec(
                    "t",
                    S3TransientTriggerFamily.TEMPLATE_ID,
                    Tier.T2,
                    Optional.empty(),
                    Optional.empty(),
                    params,
                    Optional.empty(),
                    RetryPolicy.DEFAULT,
                    1));
        }
    }

    @Test
    void the_defaults_pass() throws Exception {
        assertThat(problems(Map.of())).isEmpty();
        assertThat(problems(Map.of("roleArn", "arn:aws:iam::123456789012:role/caravan-hts")))
                .isEmpty();
    }

    @Test
    void every_broken_rule_is_reported_at_once_naming_its_parameter() throws Exception {
        assertThat(problems(Map.of(
                        "customer", "h.t.s",
                        "maxMessagesPerPoll", "11",
                        "waitTime", "30s",
                        "roleArn", "arn:aws:iam::123:user/x",
                        "quarantinePrefix", "customers/")))
                .extracting(ParamProblem::parameter)
                .containsExactlyInAnyOrder("customer", "maxMessagesPerPoll", "waitTime", "roleArn", "quarantinePrefix");
    }

    @Test
    void a_quarantine_prefix_must_be_folders_outside_the_trigger_and_archive_prefixes() throws Exception {
        assertThat(problems(Map.of("quarantinePrefix", "archive/failed/"))).hasSize(1);
        assertThat(problems(Map.of("quarantinePrefix", "failed"))).hasSize(1);
        assertThat(problems(Map.of("quarantinePrefix", "../x/"))).hasSize(1);
        assertThat(problems(Map.of("quarantinePrefix", "quarantine/triggers/"))).isEmpty();
    }

    @Test
    void a_kafka_sink_needs_a_topic_and_an_http_sink_a_target() throws Exception {
        assertThat(problems(Map.of("sink", "kafka"))).singleElement().satisfies(p -> assertThat(p.parameter())
                .isEqualTo("targetTopic"));
        assertThat(problems(Map.of("sink", "kafka", "targetTopic", "changes"))).isEmpty();
        Map<String, String> withoutTarget = new java.util.HashMap<>(TriggerRows.params(Map.of()));
        withoutTarget.remove("target");
        assertThat(problemsOf(withoutTarget)).singleElement().satisfies(p -> assertThat(p.parameter())
                .isEqualTo("target"));
    }

    @Test
    void a_kafka_row_without_a_topic_is_rejected_naming_the_row_and_the_parameter() throws Exception {
        try (DefaultCamelContext camel = new DefaultCamelContext()) {
            var family = new S3TransientTriggerFamily(camel, null, null, null, null, null);
            var validator = new RouteConfigValidator(
                    Map.of(family.templateId(), family),
                    id -> true,
                    Egress.of("localhost", "localhost"),
                    RetryPolicy.DEFAULT);
            Map<String, String> params = new java.util.HashMap<>(
                    Map.of("customer", "hts", "queue", "q-hts", "bucket", "changes", "sink", "kafka"));
            assertThat(validator
                            .validate(TriggerRows.row("trigger-hts", params), Map.of())
                            .problems())
                    .extracting(ConfigProblem::message)
                    .containsExactly(
                            "route_config row 'trigger-hts', column params.targetTopic: is required when sink is kafka");
        }
    }
}
