package io.caravan.feed;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.caravan.store.DrainProfile;
import io.caravan.store.Execution;
import io.caravan.testing.Databases;
import io.caravan.testing.FeedFixture;
import io.caravan.testing.FeedRow;
import io.caravan.testing.PrometheusScrape;
import io.caravan.testing.SharedFeedApps;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The commit horizon of a PostgreSQL source: a row whose transaction commits long after its updated_at (the writer
 * sets now(), its transaction's start) is delivered however late it commits, with an overlap far shorter than the
 * delay; a transaction left open beyond maxHorizonWait stops holding the feed back and its late row is found by the
 * backstop, counted and re-driven.
 */
class FeedCommitHorizonTest {
    @RegisterExtension
    static final SharedFeedApps APPS = new SharedFeedApps();

    @RegisterExtension
    static final WireMockExtension TARGET = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort())
            .build();

    static final Duration COMMIT_DELAY = Duration.ofSeconds(10);

    /** Guards against a row committed later than the overlap being skipped for good (issue: 16 of 466 lost). */
    @Test
    void row_committed_ten_seconds_late_with_a_one_second_overlap_is_delivered() throws Exception {
        String id = "horizon-late";
        String path = "/" + id;
        FeedFixture feeds = APPS.on(Databases.Backend.H2);
        FeedFixture.Source source = feeds.newSource(Databases.Backend.POSTGRESQL);
        startWithOneRowDelivered(
                feeds,
                source,
                FeedRow.jdbc(id, "TEST_10x5", source.name(), TARGET.baseUrl() + path)
                        .param("overlap", "1s"));

        Instant opened = Instant.now();
        try (Connection writer = source.table().dataSource().getConnection()) {
            writer.setAutoCommit(false);
            insertNow(writer, 2); // updated_at = this transaction's start
            insertNow(source, 3); // commits at once, after row 2's updated_at
            feeds.awaitMoreExecutions(id, 3);
            assertThat(TargetRequests.keys(TARGET, path))
                    .as("row 3 waits behind the open transaction")
                    .containsExactly(id + ":1:1");
            assertThat(PrometheusScrape.of(feeds.app()).forRoute("caravan_feed_horizon_hold_seconds", id))
                    .hasValueSatisfying(v -> assertThat(v).isPositive());
            await().pollDelay(Duration.between(Instant.now(), opened.plus(COMMIT_DELAY)))
                    .atMost(COMMIT_DELAY.plusSeconds(5))
                    .until(() -> true);
            writer.commit();
        }

        await().atMost(Duration.ofSeconds(10))
                .until(() -> TargetRequests.keys(TARGET, path).size() >= 3);
        feeds.awaitMoreExecutions(id, 1);
        assertThat(TargetRequests.keys(TARGET, path)).containsExactly(id + ":1:1", id + ":2:1", id + ":3:1");
        assertThat(feeds.app().watermarks().find(id).orElseThrow().id()).isEqualTo("3");
        assertThat(PrometheusScrape.of(feeds.app()).forRoute("caravan_feed_late_rows_total", id))
                .as("the horizon waited; nothing arrived behind the watermark")
                .contains(0.0);
    }

    /** Guards against one forgotten idle-in-transaction session stopping a feed, and its late row being lost. */
    @Test
    void transaction_open_beyond_max_horizon_wait_stops_holding_the_feed_and_its_row_is_redriven_by_the_backstop()
            throws Exception {
        String id = "horizon-forgotten";
        String path = "/" + id;
        FeedFixture feeds = APPS.on(Databases.Backend.H2);
        FeedFixture.Source source = feeds.newSource(Databases.Backend.POSTGRESQL);
        startWithOneRowDelivered(
                feeds,
                source,
                FeedRow.jdbc(id, "TEST_10x5", source.name(), TARGET.baseUrl() + path)
                        .param("overlap", "1s")
                        .param("maxHorizonWait", "1s")
                        .param("reconcileEvery", "2s"));

        try (Connection forgotten = source.table().dataSource().getConnection()) {
            forgotten.setAutoCommit(false);
            insertNow(forgotten, 2);
            insertNow(source, 3);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> TargetRequests.keys(TARGET, path).contains(id + ":3:1"));
            assertThat(TargetRequests.keys(TARGET, path)).doesNotContain(id + ":2:1");
            await().pollDelay(Duration.ofSeconds(2)).until(() -> true); // row 2 now lies beyond the overlap
            forgotten.commit();
        }

        await().atMost(Duration.ofSeconds(15))
                .until(() -> TargetRequests.keys(TARGET, path).contains(id + ":2:1"));
        feeds.awaitMoreExecutions(id, 1);
        assertThat(TargetRequests.keys(TARGET, path)).hasSize(3).doesNotHaveDuplicates();
        PrometheusScrape metrics = PrometheusScrape.of(feeds.app());
        assertThat(metrics.forRoute("caravan_feed_late_rows_total", id)).contains(1.0);
        assertThat(metrics.forRoute("caravan_feed_reconcile_missing_total", id)).contains(1.0);
        assertThat(metrics.forRoute("caravan_feed_reconcile_redriven_total", id))
                .contains(1.0);
        assertThat(feeds.finishedExecutions(id)).extracting(Execution::detail).anySatisfy(d -> assertThat(d)
                .contains("1 missing from the ledger, 1 re-driven"));
    }

    /** Starts the feed every 300 ms over a source holding row 1 and waits until row 1 is delivered. */
    private static void startWithOneRowDelivered(FeedFixture feeds, FeedFixture.Source source, FeedRow feed)
            throws Exception {
        String path = "/" + feed.routeId();
        TARGET.stubFor(post(urlPathEqualTo(path)).willReturn(aResponse().withStatus(201)));
        feeds.app().profiles().upsert(new DrainProfile("TEST_10x5", Duration.ofSeconds(1), 10, 5, "test"));
        insertNow(source, 1);
        feeds.startFeed(feed.schedule("every 300ms"));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> TargetRequests.keys(TARGET, path).size() == 1);
    }

    private static void insertNow(FeedFixture.Source source, long id) throws Exception {
        try (Connection c = source.table().dataSource().getConnection()) {
            insertNow(c, id);
        }
    }

    /** Inserts a row whose updated_at is now(): the start of the writing transaction, as a column default would be. */
    private static void insertNow(Connection c, long id) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO source_rows VALUES (?, 1, ?, now())")) {
            ps.setLong(1, id);
            ps.setString(2, "row-" + id);
            ps.executeUpdate();
        }
    }
}
