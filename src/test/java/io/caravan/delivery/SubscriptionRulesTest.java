package io.caravan.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.caravan.config.ConfigProblem;
import io.caravan.config.RouteConfigValidator;
import io.caravan.errors.RetryPolicy;
import io.caravan.outbound.Egress;
import io.caravan.template.SecretRoots;
import io.caravan.testing.Events;
import io.caravan.testing.SubscriptionRow;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Validation of subscription rows: transport, secrets and the consumer a row asks for. */
class SubscriptionRulesTest {
    @TempDir
    Path dir;

    private RouteConfigValidator validator;
    private String secret;

    @BeforeEach
    void setUp() {
        WebhookDeliveryFamily family = new WebhookDeliveryFamily(
                new SimpleMeterRegistry(), Clock.systemUTC(), null, io.caravan.testing.TestSecrets.ROOTS);
        validator = new RouteConfigValidator(
                Map.of(family.templateId(), family),
                id -> true,
                Egress.of("localhost,hooks.example.com,a.test.internal", "localhost,*.test.internal"),
                RetryPolicy.DEFAULT);
        secret = Events.secretFile(dir, "s");
    }

    private List<String> problems(SubscriptionRow row) {
        return validator.validate(row.row(), Map.of()).problems().stream()
                .map(ConfigProblem::message)
                .toList();
    }

    @Test
    void plain_http_to_a_host_off_the_local_list_is_rejected_naming_row_and_param() {
        assertThat(problems(SubscriptionRow.of("acme-hooks", "events", "http://hooks.example.com/in", secret)))
                .containsExactly("route_config row 'acme-hooks', column params.url: must be https: plain http is "
                        + "allowed only for hosts on caravan.egress.plain-http-hosts [localhost, *.test.internal], "
                        + "and 'hooks.example.com' is not one of them");
    }

    @Test
    void https_anywhere_on_the_egress_list_and_plain_http_on_local_hosts_are_accepted() {
        assertThat(problems(SubscriptionRow.of("aa", "events", "https://hooks.example.com/in", secret)))
                .isEmpty();
        assertThat(problems(SubscriptionRow.of("bb", "events", "http://localhost:8080/in", secret)))
                .isEmpty();
        assertThat(problems(SubscriptionRow.of("cc", "events", "http://a.test.internal/in", secret)))
                .isEmpty();
    }

    /** Guards against a rejection telling whether a secret exists, where it is, or why its content failed. */
    @Test
    void a_secret_that_is_missing_outside_the_roots_or_not_whsec_is_reported_without_reference_or_value()
            throws Exception {
        java.nio.file.Files.writeString(dir.resolve("plain"), "hunter2-not-a-webhook-secret");
        for (String ref : List.of(
                "env:CARAVAN_SECRET_SURELY_UNSET",
                "env:PATH",
                "file:" + dir.resolve("plain"),
                "file:" + dir.resolve("missing"),
                "file:/etc/shadow")) {
            List<String> found = problems(SubscriptionRow.of("dd", "events", "https://hooks.example.com/in", secret)
                    .param("rotationSecret", ref));

            assertThat(found)
                    .as(ref)
                    .containsExactly("route_config row 'dd', column params.rotationSecret: " + SecretRoots.UNUSABLE);
        }
    }

    @Test
    void each_subscription_consumes_with_its_own_group_and_commits_only_by_hand() {
        var spec = validator
                .validate(
                        SubscriptionRow.of("acme", "events", "https://hooks.example.com/in", secret)
                                .row(),
                        Map.of())
                .spec()
                .orElseThrow();
        assertThat(WebhookDeliveryFamily.consumerUri(spec))
                .startsWith("kafka:events?groupId=caravan-webhook-acme&")
                .contains("autoCommitEnable=false", "allowManualCommit=true", "breakOnFirstError=true")
                // a poll is a delivery window: its offsets are committed after all its outcomes
                .contains("batching=true", "maxPollRecords=256", "batchingIntervalMs=20");
    }
}
