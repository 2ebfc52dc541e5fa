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
import io.caravan.store.Watermark;
import io.caravan.testing.Databases;
import io.caravan.testing.FeedFixture;
import io.caravan.testing.FeedRow;
import io.caravan.testing.PrometheusScrape;
import io.caravan.testing.SharedFeedApps;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A source without a commit horizon (H2): rows that turn up behind the watermark are delivered, counted and logged:
 * inside the overlap by the overlap re-check, older than the overlap by the reconciliation backstop.
 */
class FeedLateRowTest {
    @RegisterExtension
    static final SharedFeedApps APPS = new SharedFeedApps();

    @RegisterExtension
    static final WireMockExtension TARGET = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort())
            .build();

    static final Instant T0 = Instant.now().minus(Duration.ofMinutes(10)).truncatedTo(ChronoUnit.SECONDS);

    /** Guards against a row committed later than the overlap being lost silently (no metric, no WARN, no re-drive). */
    @Test
    void rows_arriving_behind_the_watermark_are_counted_and_redriven_by_the_overlap_or_the_backstop() {
        FeedFixture feeds = APPS.on(Databases.Backend.H2);
        FeedFixture.Source source = feeds.newSource();
        String id = "late-h2";
        String path = "/" + id;
        TARGET.stubFor(post(urlPathEqualTo(path)).willReturn(aResponse().withStatus(201)));
        feeds.app().profiles().upsert(new DrainProfile("TEST_10x5", Duration.ofSeconds(1), 10, 5, "test"));
        source.table().insert(1, 3, T0);
        feeds.startFeed(FeedRow.jdbc(id, "TEST_10x5", source.name(), TARGET.baseUrl() + path)
                .param("overlap", "1s")
                .param("reconcileEvery", "2s")
                .schedule("every 300ms"));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> TargetRequests.keys(TARGET, path).size() == 3);
        Watermark passed = feeds.app().watermarks().find(id).orElseThrow();

        // committed after the feed passed their position: 500 ms behind it (inside the overlap), one minute behind
        source.table().insert(4, 1, "inside-overlap", passed.updatedAt().minusMillis(500));
        source.table().insert(5, 1, "beyond-overlap", passed.updatedAt().minus(Duration.ofMinutes(1)));

        await().atMost(Duration.ofSeconds(10))
                .until(() -> TargetRequests.keys(TARGET, path).size() >= 5);
        feeds.awaitMoreExecutions(id, 1);
        assertThat(TargetRequests.keys(TARGET, path)).hasSize(5).doesNotHaveDuplicates();
        assertThat(feeds.app().watermarks().find(id)).contains(passed);
        PrometheusScrape metrics = PrometheusScrape.of(feeds.app());
        assertThat(metrics.forRoute("caravan_feed_late_rows_total", id)).contains(2.0);
        assertThat(metrics.forRoute("caravan_feed_reconcile_missing_total", id)).contains(1.0);
        assertThat(metrics.forRoute("caravan_feed_reconcile_redriven_total", id))
                .contains(1.0);
        assertThat(feeds.finishedExecutions(id))
                .extracting(Execution::detail)
                .anySatisfy(d -> assertThat(d).contains("1 late rows found behind the watermark"))
                .anySatisfy(d -> assertThat(d).contains("1 missing from the ledger, 1 re-driven"));
    }
}
