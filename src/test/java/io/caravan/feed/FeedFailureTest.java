package io.caravan.feed;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.caravan.store.DeadLetter;
import io.caravan.store.DrainProfile;
import io.caravan.store.Execution;
import io.caravan.store.ExecutionStatus;
import io.caravan.store.LedgerEntry;
import io.caravan.store.LedgerStatus;
import io.caravan.store.Watermark;
import io.caravan.testing.Databases;
import io.caravan.testing.FeedFixture;
import io.caravan.testing.FeedRow;
import io.caravan.testing.PrometheusScrape;
import io.caravan.testing.SharedFeedApps;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** How a feed treats a failing target: TRANSIENT is retried (honouring Retry-After), PERMANENT is dead-lettered at once. */
class FeedFailureTest {
    @RegisterExtension
    static final SharedFeedApps APPS = new SharedFeedApps();

    @RegisterExtension
    static final WireMockExtension TARGET = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort())
            .build();

    static final Instant T0 = Instant.now().minus(Duration.ofMinutes(10)).truncatedTo(ChronoUnit.SECONDS);
    static final String PROFILE = "TEST_10x5";
    static final ObjectMapper JSON = new ObjectMapper();

    /** Guards against ignoring Retry-After, giving up on 429/503, or posting the row again once it got through. */
    @Test
    void rate_limited_and_unavailable_target_is_retried_after_retry_after_then_delivered_once() {
        FeedFixture feeds = APPS.on(Databases.Backend.H2);
        FeedFixture.Source source = feeds.newSource();
        source.table().insert(1, 1, T0);
        String id = "flaky";
        String path = "/" + id;
        TARGET.stubFor(post(urlPathEqualTo(path))
                .inScenario(id)
                .whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "1"))
                .willSetStateTo("rate-limited"));
        TARGET.stubFor(post(urlPathEqualTo(path))
                .inScenario(id)
                .whenScenarioStateIs("rate-limited")
                .willReturn(aResponse().withStatus(503))
                .willSetStateTo("unavailable"));
        TARGET.stubFor(post(urlPathEqualTo(path))
                .inScenario(id)
                .whenScenarioStateIs("unavailable")
                .willReturn(aResponse().withStatus(201))
                .willSetStateTo("delivered"));
        TARGET.stubFor(post(urlPathEqualTo(path))
                .inScenario(id)
                .whenScenarioStateIs("delivered")
                .willReturn(aResponse().withStatus(201)));
        feeds.app().profiles().upsert(new DrainProfile(PROFILE, Duration.ofSeconds(1), 10, 5, "test"));

        // 100 ms backoff: only the server's Retry-After can make the first retry wait a second
        feeds.startFeed(FeedRow.jdbc(id, PROFILE, source.name(), TARGET.baseUrl() + path)
                .schedule("every 300ms")
                .retry(3, 100, 1000));

        await().atMost(Duration.ofSeconds(15)).until(() -> TargetRequests.served(TARGET, path).stream()
                .anyMatch(e -> e.getResponse().getStatus() == 201));
        feeds.awaitMoreExecutions(id, 2);

        List<ServeEvent> served = TargetRequests.served(TARGET, path);
        assertThat(served).extracting(e -> e.getResponse().getStatus()).containsExactly(429, 503, 201);
        assertThat(served)
                .extracting(e -> e.getRequest().getHeader("Idempotency-Key"))
                .containsOnly(id + ":1:1");
        long waited = served.get(1).getRequest().getLoggedDate().getTime()
                - served.get(0).getRequest().getLoggedDate().getTime();
        assertThat(waited).as("ms between the 429 and the retry").isGreaterThanOrEqualTo(950);
        assertThat(feeds.app().ledger().find(id + ":1:1"))
                .map(LedgerEntry::status)
                .contains(LedgerStatus.DONE);
        assertThat(feeds.app().deadLetters().findByRoute(id)).isEmpty();
        assertThat(feeds.finishedExecutions(id).get(0))
                .extracting(Execution::rowsDelivered, Execution::rowsDeadLettered, Execution::status)
                .containsExactly(1, 0, ExecutionStatus.COMPLETE);
        PrometheusScrape metrics = PrometheusScrape.of(feeds.app());
        assertThat(metrics.value("caravan_retries_total", Map.of("route", id, "category", "TRANSIENT")))
                .contains(2.0);
        assertThat(metrics.forRoute("caravan_feed_rows_delivered_total", id)).contains(1.0);
        assertThat(metrics.value("caravan_dead_letters_total", Map.of("route", id)))
                .isEmpty();
    }

    /** Guards against retrying a TRANSIENT failure forever (or never) and against it holding back the watermark. */
    @Test
    void target_unavailable_through_every_attempt_dead_letters_the_row_and_the_feed_moves_on() {
        FeedFixture feeds = APPS.on(Databases.Backend.H2);
        FeedFixture.Source source = feeds.newSource();
        source.table().insert(1, 2, T0);
        String id = "down";
        String path = "/" + id;
        TARGET.stubFor(
                post(urlPathEqualTo(path)).atPriority(5).willReturn(aResponse().withStatus(201)));
        TARGET.stubFor(post(urlPathEqualTo(path))
                .atPriority(1)
                .withHeader("Idempotency-Key", equalTo(id + ":1:1"))
                .willReturn(aResponse().withStatus(503)));
        feeds.app().profiles().upsert(new DrainProfile(PROFILE, Duration.ofSeconds(1), 10, 5, "test"));
        feeds.startFeed(FeedRow.jdbc(id, PROFILE, source.name(), TARGET.baseUrl() + path)
                .schedule("every 300ms")
                .retry(3, 100, 1000));

        await().atMost(Duration.ofSeconds(15))
                .until(() -> feeds.app().deadLetters().count(id) == 1
                        && !TargetRequests.postsWithKey(TARGET, path, id + ":2:1")
                                .isEmpty());
        feeds.awaitMoreExecutions(id, 2);

        assertThat(TargetRequests.postsWithKey(TARGET, path, id + ":1:1")).hasSize(3);
        assertThat(TargetRequests.postsWithKey(TARGET, path, id + ":2:1")).hasSize(1);
        DeadLetter letter = feeds.app().deadLetters().findByRoute(id).get(0);
        assertThat(letter)
                .extracting(
                        DeadLetter::category, DeadLetter::statusCode, DeadLetter::attempts, DeadLetter::idempotencyKey)
                .containsExactly("TRANSIENT", 503, 3, id + ":1:1");
        assertThat(feeds.app().ledger().find(id + ":1:1"))
                .map(LedgerEntry::status)
                .contains(LedgerStatus.FAILED);
        assertThat(feeds.app().watermarks().find(id)).contains(new Watermark(T0.plusNanos(2_000), "2"));
        assertThat(PrometheusScrape.of(feeds.app())
                        .value("caravan_retries_total", Map.of("route", id, "category", "TRANSIENT")))
                .contains(2.0);
    }

    /** Guards against retrying a 400, losing its dead letter, or letting it block (or be re-posted by) later executions. */
    @ParameterizedTest
    @EnumSource(Databases.Backend.class)
    void bad_request_is_dead_lettered_without_retry_and_the_watermark_moves_past_it(Databases.Backend backend)
            throws Exception {
        FeedFixture feeds = APPS.on(backend);
        FeedFixture.Source source = feeds.newSource();
        source.table().insert(1, 3, T0);
        String id = "rejected-" + backend.name().toLowerCase();
        String path = "/" + id;
        String badKey = id + ":2:1";
        TARGET.stubFor(
                post(urlPathEqualTo(path)).atPriority(5).willReturn(aResponse().withStatus(201)));
        TARGET.stubFor(post(urlPathEqualTo(path))
                .atPriority(1)
                .withHeader("Idempotency-Key", equalTo(badKey))
                .willReturn(aResponse().withStatus(400).withBody("project P-2 is closed")));
        feeds.app().profiles().upsert(new DrainProfile(PROFILE, Duration.ofSeconds(1), 10, 5, "test"));
        feeds.startFeed(FeedRow.jdbc(id, PROFILE, source.name(), TARGET.baseUrl() + path)
                .schedule("every 300ms")
                .retry(3, 100, 1000));

        await().atMost(Duration.ofSeconds(15))
                .until(() -> TargetRequests.posts(TARGET, path).size() >= 3);
        await().atMost(Duration.ofSeconds(5)).until(() -> feeds.app()
                .watermarks()
                .find(id)
                .filter(new Watermark(T0.plusNanos(3_000), "3")::equals)
                .isPresent());
        source.table().insert(4, 1, "after the bad one", T0.plusSeconds(60));
        await().atMost(Duration.ofSeconds(10)).until(() -> !TargetRequests.postsWithKey(TARGET, path, id + ":4:1")
                .isEmpty());
        feeds.awaitMoreExecutions(id, 2);

        assertThat(TargetRequests.postsWithKey(TARGET, path, badKey))
                .as("one request for the 400 row, ever")
                .hasSize(1);
        assertThat(TargetRequests.keys(TARGET, path))
                .containsExactlyInAnyOrder(id + ":1:1", badKey, id + ":3:1", id + ":4:1");
        List<DeadLetter> letters = feeds.app().deadLetters().findByRoute(id);
        assertThat(letters).hasSize(1);
        DeadLetter letter = letters.get(0);
        assertThat(letter)
                .extracting(
                        DeadLetter::routeId,
                        DeadLetter::category,
                        DeadLetter::statusCode,
                        DeadLetter::attempts,
                        DeadLetter::idempotencyKey)
                .containsExactly(id, "PERMANENT", 400, 1, badKey);
        assertThat(letter.reason()).contains("HTTP 400").contains("project P-2 is closed");
        assertThat(letter.correlationId()).startsWith(id + "/");
        JsonNode payload = JSON.readTree(letter.payload());
        assertThat(payload.get("id").asLong()).isEqualTo(2);
        assertThat(payload.get("payload").asText()).isEqualTo("row-2");
        assertThat(letter.headers()).containsEntry("Idempotency-Key", badKey);
        assertThat(feeds.app().ledger().find(badKey)).map(LedgerEntry::status).contains(LedgerStatus.FAILED);
        assertThat(feeds.app().watermarks().find(id)).contains(new Watermark(T0.plusSeconds(60), "4"));
        Execution first = feeds.finishedExecutions(id).get(0);
        assertThat(first)
                .extracting(Execution::rowsDelivered, Execution::rowsDeadLettered, Execution::status)
                .containsExactly(2, 1, ExecutionStatus.COMPLETE);
        PrometheusScrape metrics = PrometheusScrape.of(feeds.app());
        assertThat(metrics.value("caravan_dead_letters_total", Map.of("route", id, "category", "PERMANENT")))
                .contains(1.0);
        assertThat(metrics.forRoute("caravan_feed_rows_dead_lettered_total", id))
                .contains(1.0);
        assertThat(metrics.value("caravan_retries_total", Map.of("route", id))).isEmpty();
    }

    /** Guards against a dead-lettered first row of a page ending the execution: no outcomes, no watermark, RUNNING forever. */
    @ParameterizedTest
    @EnumSource(Databases.Backend.class)
    void dead_lettered_first_row_of_a_page_does_not_end_the_execution(Databases.Backend backend) {
        FeedFixture feeds = APPS.on(backend);
        FeedFixture.Source source = feeds.newSource();
        source.table().insert(1, 3, T0);
        String id = "first-rejected-" + backend.name().toLowerCase();
        String path = "/" + id;
        TARGET.stubFor(
                post(urlPathEqualTo(path)).atPriority(5).willReturn(aResponse().withStatus(201)));
        TARGET.stubFor(post(urlPathEqualTo(path))
                .atPriority(1)
                .withHeader("Idempotency-Key", equalTo(id + ":1:1"))
                .willReturn(aResponse().withStatus(422)));
        feeds.app().profiles().upsert(new DrainProfile(PROFILE, Duration.ofSeconds(1), 10, 5, "test"));
        feeds.startFeed(FeedRow.jdbc(id, PROFILE, source.name(), TARGET.baseUrl() + path)
                .schedule("every 300ms"));

        await().atMost(Duration.ofSeconds(15))
                .until(() -> !feeds.finishedExecutions(id).isEmpty());
        feeds.awaitMoreExecutions(id, 2);

        assertThat(feeds.finishedExecutions(id).get(0))
                .extracting(Execution::status, Execution::rowsDelivered, Execution::rowsDeadLettered)
                .containsExactly(ExecutionStatus.COMPLETE, 2, 1);
        assertThat(feeds.app().ledger().find(id + ":1:1"))
                .map(LedgerEntry::status)
                .contains(LedgerStatus.FAILED);
        assertThat(feeds.app().ledger().find(id + ":2:1"))
                .map(LedgerEntry::status)
                .contains(LedgerStatus.DONE);
        assertThat(feeds.app().watermarks().find(id)).contains(new Watermark(T0.plusNanos(3_000), "3"));
        assertThat(TargetRequests.keys(TARGET, path)).containsExactlyInAnyOrder(id + ":1:1", id + ":2:1", id + ":3:1");
        feeds.stopFeed(id);
        assertThat(feeds.app().executionLog().recent(id, 1000))
                .extracting(Execution::status)
                .containsOnly(ExecutionStatus.COMPLETE);
    }
}
