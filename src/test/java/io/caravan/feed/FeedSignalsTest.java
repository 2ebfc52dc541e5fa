package io.caravan.feed;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.caravan.store.ClaimOutcome;
import io.caravan.store.DrainProfile;
import io.caravan.store.Execution;
import io.caravan.store.ExecutionStatus;
import io.caravan.store.IdempotencyLedger;
import io.caravan.store.Watermark;
import io.caravan.testing.Databases;
import io.caravan.testing.FeedFixture;
import io.caravan.testing.FeedRow;
import io.caravan.testing.PrometheusScrape;
import io.caravan.testing.SharedFeedApps;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What a feed tells about itself: idle and stalled look different, and a running execution shows its counts. */
class FeedSignalsTest {
    @RegisterExtension
    static final SharedFeedApps APPS = new SharedFeedApps();

    @RegisterExtension
    static final WireMockExtension TARGET = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort())
            .build();

    static final Instant T0 = Instant.now().minus(Duration.ofMinutes(10)).truncatedTo(ChronoUnit.SECONDS);

    /**
     * Guards against idle and stalled looking alike (the watermark lag grows in both): an idle feed has backlog age 0
     * and is not stalled; a feed whose next row another owner holds delivers the rows after it, then reports a backlog
     * age and stalled.
     */
    @Test
    void idle_and_stalled_feeds_are_told_apart_by_backlog_age_and_the_stalled_flag() {
        FeedFixture feeds = APPS.on(Databases.Backend.H2);
        FeedFixture.Source source = feeds.newSource();
        String id = "signals";
        String path = "/" + id;
        TARGET.stubFor(post(urlPathEqualTo(path)).willReturn(aResponse().withStatus(201)));
        feeds.app().profiles().upsert(new DrainProfile("TEST_10x5", Duration.ofSeconds(1), 10, 5, "test"));
        source.table().insert(1, 3, T0);
        feeds.startFeed(FeedRow.jdbc(id, "TEST_10x5", source.name(), TARGET.baseUrl() + path)
                .schedule("every 200ms"));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> TargetRequests.keys(TARGET, path).size() == 3);
        feeds.awaitMoreExecutions(id, 2);

        PrometheusScrape idle = PrometheusScrape.of(feeds.app());
        assertThat(idle.forRoute("caravan_feed_watermark_lag_seconds", id))
                .hasValueSatisfying(v -> assertThat(v).isGreaterThan(500));
        assertThat(idle.forRoute("caravan_feed_backlog_age_seconds", id)).contains(0.0);
        assertThat(idle.forRoute("caravan_feed_stalled", id)).contains(0.0);

        IdempotencyLedger other =
                new IdempotencyLedger(feeds.app().store(), "other-owner", Duration.ofMinutes(5), Clock.systemUTC());
        assertThat(other.claim(id, List.of(id + ":4:1"))).containsEntry(id + ":4:1", ClaimOutcome.CLAIMED);
        source.table().insert(4, 5, T0.plusSeconds(1));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> TargetRequests.keys(TARGET, path).contains(id + ":5:1"));
        await().atMost(Duration.ofSeconds(10)).until(() -> PrometheusScrape.of(feeds.app())
                .forRoute("caravan_feed_stalled", id)
                .orElse(0.0)
                .equals(1.0));

        PrometheusScrape stalled = PrometheusScrape.of(feeds.app());
        assertThat(stalled.forRoute("caravan_feed_backlog_age_seconds", id))
                .hasValueSatisfying(v -> assertThat(v).isGreaterThan(500));
        assertThat(feeds.app().watermarks().find(id)).contains(new Watermark(T0.plusNanos(3_000), "3"));
        assertThat(TargetRequests.keys(TARGET, path))
                .doesNotContain(id + ":4:1")
                .hasSize(4);
    }

    /** Guards against a killed execution showing 0 rows although it delivered some (execution_log summing short). */
    @Test
    void a_running_execution_records_its_counts_page_by_page() {
        FeedFixture feeds = APPS.on(Databases.Backend.H2);
        FeedFixture.Source source = feeds.newSource();
        String id = "signals-progress";
        String path = "/" + id;
        TARGET.stubFor(post(urlPathEqualTo(path))
                .willReturn(aResponse().withStatus(201).withFixedDelay(150)));
        feeds.app().profiles().upsert(new DrainProfile("TEST_2x10", Duration.ofSeconds(1), 2, 10, "test"));
        source.table().insert(1, 20, T0);
        feeds.startFeed(FeedRow.jdbc(id, "TEST_2x10", source.name(), TARGET.baseUrl() + path)
                .schedule("every 200ms"));

        await().atMost(Duration.ofSeconds(10)).until(() -> feeds.app().executionLog().recent(id, 1).stream()
                .anyMatch(e -> e.status() == ExecutionStatus.RUNNING && e.rowsDelivered() >= 4));
        Execution running = feeds.app().executionLog().recent(id, 1).get(0);
        assertThat(running.rowsRead()).isGreaterThanOrEqualTo(running.rowsDelivered());
        assertThat(running.cycles()).isEqualTo(running.rowsDelivered() / 2);
    }
}
