package io.caravan.feed;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.caravan.store.Completion;
import io.caravan.store.DrainProfile;
import io.caravan.store.Execution;
import io.caravan.store.ExecutionStatus;
import io.caravan.store.IdempotencyLedger;
import io.caravan.store.LedgerStatus;
import io.caravan.store.Watermark;
import io.caravan.testing.Databases;
import io.caravan.testing.FeedFixture;
import io.caravan.testing.FeedRow;
import io.caravan.testing.SharedFeedApps;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The overlap re-check costs a bounded number of pages per execution, however many handled rows fill the window. */
class FeedOverlapCostTest {
    @RegisterExtension
    static final SharedFeedApps APPS = new SharedFeedApps();

    @RegisterExtension
    static final WireMockExtension TARGET = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort())
            .build();

    static final int ROWS = 60_000;
    static final int HANDLED = 59_900;

    /**
     * Guards against the permanent stall: 60,000 rows inserted in one statement (all within 60 ms, inside the 2 min
     * overlap), a 50-row profile, and 59,900 of them already handled (ledger DONE, watermark at row 59,900, as an
     * earlier run would leave them): the old feed re-read 1,000 pages of handled rows per execution and stopped, never
     * reaching the last 100 rows or any later one.
     */
    @Test
    void sixty_thousand_rows_in_one_overlap_window_drain_with_bounded_rereading() {
        FeedFixture feeds = APPS.on(Databases.Backend.H2);
        FeedFixture.Source source = feeds.newSource();
        String id = "overlap-cost";
        String path = "/" + id;
        TARGET.stubFor(post(urlPathEqualTo(path)).willReturn(aResponse().withStatus(201)));
        Instant t0 = Instant.now().minus(Duration.ofSeconds(30)).truncatedTo(ChronoUnit.SECONDS);
        source.table().insert(1, ROWS, t0);
        IdempotencyLedger ledger = feeds.app().ledger();
        for (long from = 1; from <= HANDLED; from += 10_000) {
            List<String> keys = LongStream.rangeClosed(from, Math.min(from + 9_999, HANDLED))
                    .mapToObj(n -> id + ":" + n + ":1")
                    .toList();
            ledger.claim(id, keys);
            ledger.complete(keys.stream()
                    .map(k -> new Completion(k, LedgerStatus.DONE, "delivered earlier"))
                    .toList());
        }
        feeds.app().watermarks().advance(id, new Watermark(t0.plusNanos(HANDLED * 1_000L), String.valueOf(HANDLED)));
        feeds.app().profiles().upsert(new DrainProfile("TEST_50x2", Duration.ofSeconds(1), 50, 2, "test"));

        feeds.startFeed(FeedRow.jdbc(id, "TEST_50x2", source.name(), TARGET.baseUrl() + path)
                .schedule("every 200ms"));
        await().atMost(Duration.ofSeconds(20))
                .until(() -> TargetRequests.keys(TARGET, path).size() >= ROWS - HANDLED);
        source.table().insert(ROWS + 1, ROWS + 50, t0.plusSeconds(1));
        await().atMost(Duration.ofSeconds(20))
                .until(() -> TargetRequests.keys(TARGET, path).size() >= ROWS - HANDLED + 50);
        feeds.awaitMoreExecutions(id, 1);
        feeds.stopFeed(id);

        assertThat(TargetRequests.keys(TARGET, path))
                .hasSize(ROWS - HANDLED + 50)
                .doesNotHaveDuplicates();
        assertThat(feeds.app().watermarks().find(id).orElseThrow().id()).isEqualTo(String.valueOf(ROWS + 50));
        List<Execution> executions = feeds.finishedExecutions(id);
        assertThat(executions).allSatisfy(e -> {
            assertThat(e.status()).isEqualTo(ExecutionStatus.COMPLETE);
            // at most 2 pages of re-check and 2 forward pages of 50 rows
            assertThat(e.rowsRead()).as("rows read by execution %s", e.id()).isLessThanOrEqualTo(4 * 50);
        });
    }
}
