package io.caravan.feed;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.caravan.store.DrainProfile;
import io.caravan.store.Execution;
import io.caravan.store.ExecutionStatus;
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
import java.util.stream.IntStream;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The T3 feed end to end: source rows reach the target once each, and every execution is accounted for. */
class FeedHappyPathTest {
    @RegisterExtension
    static final SharedFeedApps APPS = new SharedFeedApps();

    @RegisterExtension
    static final WireMockExtension TARGET = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort())
            .build();

    static final Instant T0 = Instant.now().minus(Duration.ofMinutes(10)).truncatedTo(ChronoUnit.SECONDS);

    @ParameterizedTest
    @EnumSource(Databases.Backend.class)
    void rows_flow_from_source_to_target_with_their_idempotency_keys(Databases.Backend backend) {
        FeedFixture feeds = APPS.on(backend);
        FeedFixture.Source source = feeds.newSource();
        source.table().insert(1, 30, T0);
        String id = "happy-" + backend.name().toLowerCase();
        String path = "/" + id;
        TARGET.stubFor(post(urlPathEqualTo(path)).willReturn(aResponse().withStatus(201)));
        feeds.app().profiles().upsert(new DrainProfile("TEST_10x5", Duration.ofSeconds(1), 10, 5, "test"));

        feeds.startFeed(FeedRow.jdbc(id, "TEST_10x5", source.name(), TARGET.baseUrl() + path));

        await().atMost(Duration.ofSeconds(20))
                .until(() -> TargetRequests.posts(TARGET, path).size() >= 30);
        assertThat(TargetRequests.keys(TARGET, path))
                .containsExactlyInAnyOrderElementsOf(IntStream.rangeClosed(1, 30)
                        .mapToObj(i -> id + ":" + i + ":1")
                        .toList());
        LoggedRequest seventh =
                TargetRequests.postsWithKey(TARGET, path, id + ":7:1").get(0);
        assertThat(seventh.getHeader("Content-Type")).startsWith("application/json");
        assertThat(seventh.getHeader("X-Correlation-Id")).startsWith(id + "/");
        JsonNode body = TargetRequests.body(seventh);
        assertThat(body.get("id").asLong()).isEqualTo(7);
        assertThat(body.get("revision").asInt()).isEqualTo(1);
        assertThat(body.get("payload").asText()).isEqualTo("row-7");
        assertThat(Instant.parse(body.get("updated_at").asText())).isEqualTo(T0.plusNanos(7_000));

        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(feeds.app().watermarks().find(id))
                        .contains(new Watermark(T0.plusNanos(30_000), "30")));
        assertThat(feeds.app().ledger().countByStatus(id, LedgerStatus.DONE)).isEqualTo(30);

        PrometheusScrape metrics = PrometheusScrape.of(feeds.app());
        assertThat(metrics.forRoute("caravan_feed_rows_delivered_total", id)).contains(30.0);
        double lagFloor = Duration.between(T0.plusNanos(30_000), Instant.now()).toSeconds() - 1;
        assertThat(metrics.forRoute("caravan_feed_watermark_lag_seconds", id))
                .hasValueSatisfying(
                        lag -> assertThat(lag).isGreaterThanOrEqualTo(lagFloor).isLessThan(lagFloor + 600));
    }

    /** Guards against executions left RUNNING, logged without an end, or with counts that do not add up. */
    @ParameterizedTest
    @EnumSource(Databases.Backend.class)
    void every_execution_is_logged_complete_with_its_end_cycles_and_counts(Databases.Backend backend) {
        FeedFixture feeds = APPS.on(backend);
        FeedFixture.Source source = feeds.newSource();
        source.table().insert(1, 12, T0);
        String id = "logged-" + backend.name().toLowerCase();
        String path = "/" + id;
        TARGET.stubFor(post(urlPathEqualTo(path)).willReturn(aResponse().withStatus(201)));
        feeds.app().profiles().upsert(new DrainProfile("TEST_5x4", Duration.ofSeconds(1), 5, 4, "test"));
        feeds.startFeed(FeedRow.jdbc(id, "TEST_5x4", source.name(), TARGET.baseUrl() + path)
                .schedule("every 300ms"));

        await().atMost(Duration.ofSeconds(20))
                .until(() -> TargetRequests.posts(TARGET, path).size() >= 12);
        // the delivering execution and at least two re-reads have finished (the 12th post can precede the first's end)
        await().atMost(Duration.ofSeconds(20))
                .until(() -> feeds.finishedExecutions(id).size() >= 3);
        feeds.stopFeed(id);

        List<Execution> executions = feeds.app().executionLog().recent(id, 1000);
        assertThat(executions).hasSizeGreaterThanOrEqualTo(3);
        assertThat(executions).allSatisfy(e -> {
            assertThat(e.status()).as("execution %s", e.id()).isEqualTo(ExecutionStatus.COMPLETE);
            assertThat(e.endedAt())
                    .as("end of execution %s", e.id())
                    .isNotNull()
                    .isAfterOrEqualTo(e.startedAt());
            assertThat(e.rowsRead()).isEqualTo(e.rowsDelivered() + e.rowsDuplicate() + e.rowsDeadLettered());
            assertThat(e.detail()).isNull();
        });
        Execution first = executions.get(executions.size() - 1);
        assertThat(first)
                .extracting(Execution::cycles, Execution::rowsRead, Execution::rowsDelivered, Execution::rowsDuplicate)
                .containsExactly(3, 12, 12, 0);
        // later executions re-read the overlap: all duplicates, and no cycle of the budget spent on them
        assertThat(executions.subList(0, executions.size() - 1)).allSatisfy(e -> assertThat(e)
                .extracting(Execution::cycles, Execution::rowsRead, Execution::rowsDelivered, Execution::rowsDuplicate)
                .containsExactly(0, 12, 0, 12));
    }
}
