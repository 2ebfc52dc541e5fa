package io.caravan.ops.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class AlertChannelTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AlertRule RULE = AlertRules.all().stream()
            .filter(r -> r.id().equals("delivery-dead-letters"))
            .findFirst()
            .orElseThrow();

    private static Notification notification(boolean resolved, List<String> details) {
        return notification(resolved, details, "https://runbook.example/docs/runbook.md#delivery-dead-letters");
    }

    private static Notification notification(boolean resolved, List<String> details, String runbook) {
        Instant t = Instant.parse("2026-01-05T08:00:00Z");
        return new Notification(
                RULE, "sub-a", resolved, 4, 1, details, "sub-a/0:17", null, t, t.plusSeconds(45), runbook);
    }

    /** Guards against Teams refusing a card with long details (over 28 KB): they are cut, the envelope stays. */
    @Test
    void a_teams_card_with_huge_details_is_cut_to_28_kb_and_stays_a_valid_card() throws Exception {
        String body = AlertChannel.TEAMS.render(notification(false, Collections.nCopies(2000, "x".repeat(100))));
        assertThat(body.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(AlertChannel.MAX_TEAMS_BYTES);
        JsonNode card = JSON.readTree(body).path("attachments").get(0).path("content");
        assertThat(card.path("type").asText()).isEqualTo("AdaptiveCard");
        assertThat(card.toString()).contains("(details cut)").contains("sub-a/0:17");
    }

    /** Guards against a webhook receiver that cannot tell firing from resolved or which rule and route it is. */
    @Test
    void the_plain_webhook_message_is_flat_json_with_status_rule_route_value_and_threshold() throws Exception {
        JsonNode firing = JSON.readTree(AlertChannel.WEBHOOK.render(notification(false, List.of("health DEGRADED"))));
        assertThat(firing.path("status").asText()).isEqualTo("firing");
        assertThat(firing.path("rule").asText()).isEqualTo("delivery-dead-letters");
        assertThat(firing.path("route").asText()).isEqualTo("sub-a");
        assertThat(firing.path("severity").asText()).isEqualTo("warning");
        assertThat(firing.path("value").asDouble()).isEqualTo(4.0);
        assertThat(firing.path("threshold").asDouble()).isEqualTo(1.0);
        assertThat(firing.path("correlationId").asText()).isEqualTo("sub-a/0:17");
        assertThat(firing.path("runbook").asText()).endsWith("#delivery-dead-letters");
        JsonNode resolved = JSON.readTree(AlertChannel.WEBHOOK.render(notification(true, List.of())));
        assertThat(resolved.path("status").asText()).isEqualTo("resolved");
    }

    /** Guards against Teams refusing a card whose Runbook button has no absolute address (the default runbook path). */
    @Test
    void a_runbook_path_is_a_fact_of_the_card_not_a_button() throws Exception {
        JsonNode card = JSON.readTree(AlertChannel.TEAMS.render(
                        notification(false, List.of(), "docs/runbook.md#delivery-dead-letters")))
                .path("attachments")
                .get(0)
                .path("content");
        assertThat(card.has("actions")).isFalse();
        assertThat(card.toString()).contains("docs/runbook.md#delivery-dead-letters");
    }
}
