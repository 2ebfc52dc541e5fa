package io.caravan.ops.alerts;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.caravan.ops.health.HealthBench;
import io.caravan.outbound.Egress;
import io.caravan.outbound.OutboundHttp;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Alert grouping and delivery end to end: the health evaluator (its real store and meters, a clock the test moves)
 * feeds the alerting, which posts to a WireMock standing in for a Teams workflow.
 */
class AlertStormTest {
    @RegisterExtension
    static final WireMockExtension RECEIVER = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort())
            .build();

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration EVERY = Duration.ofSeconds(15);

    private final HealthBench bench = new HealthBench();
    private final AlertEvents events = new AlertEvents(bench.store);
    private final OutboundHttp outbound =
            new OutboundHttp(Egress.of("localhost,127.0.0.1", "localhost,127.0.0.1"), OutboundHttp.Settings.DEFAULT);
    private AlertDelivery delivery;
    private Alerting alerting;

    @BeforeEach
    void receiver() {
        RECEIVER.stubFor(post(urlEqualTo("/teams")).willReturn(aResponse().withStatus(202)));
        AlertSettings settings = new AlertSettings(
                Optional.of(RECEIVER.baseUrl() + "/teams"),
                Optional.empty(),
                Duration.ofSeconds(30),
                Duration.ofHours(4),
                "https://runbook.example/docs/runbook.md",
                Duration.ofMillis(20),
                3);
        delivery = new AlertDelivery(
                Map.of(AlertChannel.TEAMS, RECEIVER.baseUrl() + "/teams"),
                new AlertHttp(outbound),
                events,
                settings,
                bench.meters);
        alerting = new Alerting(AlertRules.all(), events, delivery, settings, bench.clock);
        bench.evaluator.addListener(alerting);
    }

    @AfterEach
    void stop() throws Exception {
        delivery.close();
        outbound.close();
    }

    /**
     * Guards against an alert storm: 1,000 failures in a minute must give one notification per rule and route for the
     * whole cooldown, and exactly one resolved message per rule once the route recovers.
     */
    @Test
    void a_thousand_failures_in_a_minute_give_one_notification_per_rule_and_one_resolved_each() throws Exception {
        bench.route("feed-a", "watermark-feed", "T3");
        bench.count("caravan.feed.rows.delivered", "feed-a", 10);
        evaluate(1);
        for (int tick = 0; tick < 4; tick++) {
            for (int i = 0; i < 250; i++) {
                bench.deadLetter("feed-a", "feed-a/" + (tick + 7));
            }
            bench.count("caravan.dead.letters", "feed-a", 250, "category", "TRANSIENT");
            evaluate(1);
        }
        evaluate(4 * 14); // 14 more minutes, still failing, well inside the 4 h repeat interval

        awaitRequests(2);
        assertThat(bodies())
                .extracting(b -> rule(b))
                .containsExactlyInAnyOrder("feed-dead-letters", "feed-consecutive-failures");
        assertThat(events.firing()).hasSize(2).allSatisfy(e -> assertThat(e.sentCount())
                .isEqualTo(1));

        bench.count("caravan.feed.rows.delivered", "feed-a", 1); // recovered: the next row is delivered
        evaluate(4 * 20); // the dead letters leave the 15-minute window
        awaitRequests(4);
        evaluate(8);
        awaitRequests(4);
        List<JsonNode> resolved =
                bodies().stream().filter(b -> title(b).startsWith("RESOLVED")).toList();
        assertThat(resolved)
                .extracting(b -> rule(b))
                .containsExactlyInAnyOrder("feed-dead-letters", "feed-consecutive-failures");
        assertThat(events.firing()).isEmpty();
        assertThat(events.recent(10)).hasSize(2).allSatisfy(e -> {
            assertThat(e.state()).isEqualTo("RESOLVED");
            assertThat(e.sentCount()).isEqualTo(2);
        });
    }

    /** Guards against grouping by rule alone: two failing routes are two alerts. */
    @Test
    void two_failing_routes_give_two_notifications() {
        bench.route("sub-a", "webhook-delivery", "T2");
        bench.route("sub-b", "webhook-delivery", "T2");
        evaluate(1);
        bench.count("caravan.webhook.failed.attempts", "sub-a", 500);
        bench.count("caravan.webhook.failed.attempts", "sub-b", 500);
        evaluate(20);
        awaitRequests(2);
        evaluate(20);
        awaitRequests(2);
        assertThat(bodies()).extracting(b -> fact(b, "Route")).containsExactlyInAnyOrder("sub-a", "sub-b");
    }

    /** Guards against a route's alert_override being ignored: a higher threshold holds, a rule switched off is off. */
    @Test
    void a_routes_override_raises_a_threshold_or_switches_a_rule_off() throws Exception {
        bench.route("sub-o", "webhook-delivery", "T2");
        try (var c = bench.store.getConnection();
                var st = c.createStatement()) {
            st.execute("INSERT INTO alert_override (route_id, rule_id, threshold, enabled) VALUES"
                    + " ('sub-o', 'delivery-consecutive-failures', 10, TRUE),"
                    + " ('sub-o', 'delivery-dead-letters', NULL, FALSE)");
        }
        evaluate(1);
        bench.deadLetter("sub-o", "sub-o/0:1");
        bench.count("caravan.webhook.failed.attempts", "sub-o", 5);
        evaluate(4);
        assertThat(RECEIVER.findAll(postRequestedFor(urlEqualTo("/teams")))).isEmpty();
        bench.count("caravan.webhook.failed.attempts", "sub-o", 5);
        evaluate(4);
        awaitRequests(1);
        assertThat(fact(bodies().get(0), "Threshold")).isEqualTo(">= 10");
    }

    /**
     * Guards against a restart forgetting what was sent: the firing alert is neither sent again at once nor left
     * unresolved when its condition has cleared by the time the new process evaluates.
     */
    @Test
    void a_firing_alert_is_picked_up_after_a_restart_and_resolved_once() {
        bench.route("sub-s", "webhook-delivery", "T2");
        evaluate(1);
        bench.count("caravan.webhook.failed.attempts", "sub-s", 4);
        evaluate(3);
        awaitRequests(1);

        HealthBench restarted = new HealthBench(bench.store, bench.clock);
        restarted.route("sub-s", "webhook-delivery", "T2");
        AlertSettings settings = new AlertSettings(
                Optional.empty(),
                Optional.empty(),
                Duration.ofSeconds(30),
                Duration.ofHours(4),
                "https://r",
                Duration.ofMillis(20),
                3);
        restarted.evaluator.addListener(new Alerting(AlertRules.all(), events, delivery, settings, bench.clock));
        restarted.count("caravan.webhook.failed.attempts", "sub-s", 5);
        for (int i = 0; i < 4; i++) {
            bench.clock.advance(EVERY);
            restarted.evaluator.evaluate();
        }
        assertThat(RECEIVER.findAll(postRequestedFor(urlEqualTo("/teams")))).hasSize(1);
        restarted.count("caravan.webhook.delivered", "sub-s", 1);
        bench.clock.advance(EVERY);
        restarted.evaluator.evaluate();
        awaitRequests(2);
        assertThat(title(bodies().get(1))).startsWith("RESOLVED delivery-consecutive-failures on sub-s");
        assertThat(events.firing()).isEmpty();
    }

    /** Guards against a flapping condition sending anything before the group wait has passed. */
    @Test
    void a_condition_that_clears_within_the_group_wait_sends_nothing() {
        bench.route("sub-c", "webhook-delivery", "T2");
        evaluate(1);
        bench.count("caravan.webhook.failed.attempts", "sub-c", 5);
        evaluate(1);
        bench.count("caravan.webhook.delivered", "sub-c", 1);
        evaluate(10);
        assertThat(RECEIVER.findAll(postRequestedFor(urlEqualTo("/teams")))).isEmpty();
        assertThat(events.recent(10)).isEmpty();
    }

    /**
     * Guards against a Teams card that Teams refuses: the message envelope with one Adaptive Card 1.4 attachment,
     * route, rule, severity, value against threshold, correlation and execution ids, and a runbook link.
     */
    @Test
    void the_teams_message_is_an_adaptive_card_with_the_alert_facts_and_the_runbook_link() throws Exception {
        bench.route("feed-t", "watermark-feed", "T3");
        long execution = bench.executions.begin("feed-t");
        bench.executions.finish(execution, 1, 3, 0, 0, 3, io.caravan.store.ExecutionStatus.COMPLETE, null);
        evaluate(1);
        bench.deadLetter("feed-t", "feed-t/" + execution);
        bench.count("caravan.dead.letters", "feed-t", 3, "category", "TRANSIENT");
        evaluate(3);
        awaitRequests(1);

        JsonNode message = bodies().get(0);
        assertThat(message.path("type").asText()).isEqualTo("message");
        assertThat(message.path("attachments")).hasSize(1);
        JsonNode attachment = message.path("attachments").get(0);
        assertThat(attachment.path("contentType").asText()).isEqualTo("application/vnd.microsoft.card.adaptive");
        JsonNode card = attachment.path("content");
        assertThat(card.path("$schema").asText()).isEqualTo("http://adaptivecards.io/schemas/adaptive-card.json");
        assertThat(card.path("type").asText()).isEqualTo("AdaptiveCard");
        assertThat(card.path("version").asText()).isEqualTo("1.4");
        assertThat(card.path("body").isArray()).isTrue();
        card.path("body").forEach(b -> assertThat(b.path("type").asText()).isIn("TextBlock", "FactSet"));
        assertThat(fact(message, "Route")).isEqualTo("feed-t");
        assertThat(fact(message, "Rule")).isEqualTo("feed-consecutive-failures");
        assertThat(fact(message, "Severity")).isEqualTo("critical");
        assertThat(fact(message, "Value")).isEqualTo("consecutive_failures = 3");
        assertThat(fact(message, "Threshold")).isEqualTo(">= 3");
        assertThat(fact(message, "Correlation id")).isEqualTo("feed-t/" + execution);
        assertThat(fact(message, "Execution id")).isEqualTo(String.valueOf(execution));
        JsonNode action = card.path("actions").get(0);
        assertThat(action.path("type").asText()).isEqualTo("Action.OpenUrl");
        assertThat(action.path("url").asText())
                .isEqualTo("https://runbook.example/docs/runbook.md#feed-consecutive-failures");
        assertThat(RECEIVER.findAll(postRequestedFor(urlEqualTo("/teams")))
                        .get(0)
                        .getHeader("Content-Type"))
                .startsWith("application/json");
    }

    /** Guards against a 503 from the receiver losing the alert, or a 400 being retried forever. */
    @Test
    void a_transient_receiver_failure_is_retried_and_a_permanent_one_is_recorded() {
        RECEIVER.stubFor(post(urlEqualTo("/teams"))
                .inScenario("flaky")
                .whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(503))
                .willSetStateTo("up"));
        RECEIVER.stubFor(post(urlEqualTo("/teams"))
                .inScenario("flaky")
                .whenScenarioStateIs("up")
                .willReturn(aResponse().withStatus(202))
                .willSetStateTo("broken"));
        RECEIVER.stubFor(post(urlEqualTo("/teams"))
                .inScenario("flaky")
                .whenScenarioStateIs("broken")
                .willReturn(aResponse().withStatus(400)));
        bench.route("sub-r", "webhook-delivery", "T2");
        evaluate(1);
        bench.count("caravan.webhook.failed.attempts", "sub-r", 3);
        evaluate(3);
        awaitRequests(2); // 503, then the retry accepted
        bench.count("caravan.webhook.delivered", "sub-r", 1);
        evaluate(1); // resolved: answered 400, not retried
        awaitRequests(3);
        await().atMost(Duration.ofSeconds(5))
                .until(() -> events.recent(1).get(0).deliveryFailures() == 1);
        assertThat(events.recent(1).get(0).lastError()).startsWith("teams PERMANENT: HTTP 400");
        assertThat(events.recent(1).get(0).lastError()).doesNotContain("/teams");
        evaluate(4);
        assertThat(RECEIVER.findAll(postRequestedFor(urlEqualTo("/teams")))).hasSize(3);
    }

    private void evaluate(int times) {
        for (int i = 0; i < times; i++) {
            bench.clock.advance(EVERY);
            bench.evaluator.evaluate();
        }
    }

    private static void awaitRequests(int n) {
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(50))
                .untilAsserted(() -> assertThat(RECEIVER.findAll(postRequestedFor(urlEqualTo("/teams"))))
                        .hasSize(n));
        try {
            Thread.sleep(300); // one pacing interval: a further request would have been sent by now
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        assertThat(RECEIVER.findAll(postRequestedFor(urlEqualTo("/teams")))).hasSize(n);
    }

    private static List<JsonNode> bodies() {
        return RECEIVER
                .findAll(postRequestedFor(urlEqualTo("/teams")).withRequestBody(containing("AdaptiveCard")))
                .stream()
                .map(r -> {
                    try {
                        return JSON.readTree(r.getBodyAsString());
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                })
                .toList();
    }

    private static String title(JsonNode message) {
        return message.path("attachments")
                .get(0)
                .path("content")
                .path("body")
                .get(0)
                .path("text")
                .asText();
    }

    private static String rule(JsonNode message) {
        return fact(message, "Rule");
    }

    static String fact(JsonNode message, String title) {
        for (JsonNode block : message.path("attachments").get(0).path("content").path("body")) {
            for (JsonNode f : block.path("facts")) {
                if (f.path("title").asText().equals(title)) {
                    return f.path("value").asText();
                }
            }
        }
        return null;
    }
}
