package io.caravan.feed;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.caravan.execution.DeliveryPool;
import io.caravan.store.DrainProfile;
import io.caravan.store.LedgerStatus;
import io.caravan.testing.Databases;
import io.caravan.testing.FeedFixture;
import io.caravan.testing.FeedRow;
import io.caravan.testing.SharedFeedApps;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import org.apache.camel.processor.TotalRequestsThrottler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The rate guard (throttle_per_second) and parallel deliveries within a page. */
class RateAndParallelismTest {
    private static final Instant T0 = Instant.parse("2026-11-20T10:00:00Z");

    @RegisterExtension
    static final SharedFeedApps APPS = new SharedFeedApps();

    @RegisterExtension
    static final WireMockExtension TARGET = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort().containerThreads(20))
            .build();

    FeedRow tenRowFeed(String id) {
        FeedFixture feeds = APPS.on(Databases.Backend.H2);
        FeedFixture.Source source = feeds.newSource();
        source.table().insert(1, 10, T0);
        feeds.app().profiles().upsert(new DrainProfile("TEST_10x1", Duration.ofSeconds(1), 10, 1, "test"));
        return FeedRow.jdbc(id, "TEST_10x1", source.name(), TARGET.baseUrl() + "/" + id);
    }

    static List<ServeEvent> inArrivalOrder(String path) {
        return TARGET.getAllServeEvents().stream()
                .filter(e -> e.getRequest().getUrl().equals(path))
                .sorted(Comparator.comparing(e -> e.getRequest().getLoggedDate()))
                .toList();
    }

    static Instant arrival(ServeEvent e) {
        return e.getRequest().getLoggedDate().toInstant();
    }

    @Test
    void throttle_per_second_spaces_deliveries_even_with_parallel_deliveries() {
        TARGET.stubFor(post(urlEqualTo("/throttled")).willReturn(aResponse().withStatus(200)));
        APPS.on(Databases.Backend.H2)
                .startFeed(tenRowFeed("throttled").throttle(4).param("parallelDeliveries", "4"));

        await().atMost(Duration.ofSeconds(20))
                .untilAsserted(() -> TARGET.verify(10, postRequestedFor(urlEqualTo("/throttled"))));
        List<ServeEvent> events = inArrivalOrder("/throttled");
        // 10 rows at 4 per second span about two periods after the first burst (unthrottled: well under 200 ms)
        assertThat(Duration.between(arrival(events.get(0)), arrival(events.get(9))))
                .isGreaterThanOrEqualTo(Duration.ofMillis(1500));
    }

    /**
     * Guards against a feed without throttle_per_second paying for a throttle anyway: Camel's throttle makes one permit
     * object per delivery allowed in a second when the first exchange reaches it, and the "unlimited" default of
     * 1,000,000 cost every such feed 24 MB of heap at its first delivery (150 feeds: an OutOfMemoryError).
     */
    @Test
    void a_feed_without_throttle_per_second_delivers_without_engaging_a_throttle() {
        TARGET.stubFor(post(urlEqualTo("/unthrottled")).willReturn(aResponse().withStatus(200)));
        FeedFixture feeds = APPS.on(Databases.Backend.H2);
        feeds.startFeed(tenRowFeed("unthrottled"));

        await().atMost(Duration.ofSeconds(20))
                .untilAsserted(() -> TARGET.verify(10, postRequestedFor(urlEqualTo("/unthrottled"))));
        List<TotalRequestsThrottler> throttles = feeds.app().camel().getRoute("unthrottled").filter("*").stream()
                .filter(TotalRequestsThrottler.class::isInstance)
                .map(TotalRequestsThrottler.class::cast)
                .toList();
        assertThat(throttles).as("the route has its throttle step").isNotEmpty();
        assertThat(throttles)
                .extracting(TotalRequestsThrottler::getCurrentMaximumRequests)
                .as("permits the throttle made")
                .containsOnly(0);
    }

    @Test
    void parallel_deliveries_overlap_and_every_row_is_recorded_once() {
        TARGET.stubFor(
                post(urlEqualTo("/wide")).willReturn(aResponse().withStatus(200).withFixedDelay(400)));
        FeedFixture feeds = APPS.on(Databases.Backend.H2);
        feeds.startFeed(tenRowFeed("wide").param("parallelDeliveries", "5"));

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            TARGET.verify(10, postRequestedFor(urlEqualTo("/wide")));
            assertThat(feeds.app().ledger().findByRoute("wide")).hasSize(10).allSatisfy(e -> assertThat(e.status())
                    .isEqualTo(LedgerStatus.DONE));
        });
        List<ServeEvent> events = inArrivalOrder("/wide");
        // the second request arrived while the first was still being answered (400 ms)
        assertThat(Duration.between(arrival(events.get(0)), arrival(events.get(1))))
                .isLessThan(Duration.ofMillis(400));
        assertThat(events)
                .extracting(e -> e.getRequest().getHeader("Idempotency-Key"))
                .doesNotHaveDuplicates();
    }

    /**
     * Guards against a delivery pool that loses split tasks (a pool whose idle threads time out lost tasks under a
     * full page): the feed stalled for good after a few hundred rows of its first page, while small tests passed.
     */
    @Test
    void a_backlog_of_several_full_pages_is_delivered_in_one_execution() {
        TARGET.stubFor(post(urlEqualTo("/backlog")).willReturn(aResponse().withStatus(200)));
        FeedFixture feeds = APPS.on(Databases.Backend.H2);
        FeedFixture.Source source = feeds.newSource();
        source.table().insert(1, 1500, T0);
        feeds.app().profiles().upsert(new DrainProfile("TEST_500x4", Duration.ofSeconds(1), 500, 4, "test"));
        feeds.startFeed(FeedRow.jdbc("backlog", "TEST_500x4", source.name(), TARGET.baseUrl() + "/backlog")
                .schedule("every 60s"));

        await().atMost(Duration.ofSeconds(60))
                .untilAsserted(() -> TARGET.verify(1500, postRequestedFor(urlEqualTo("/backlog"))));
        assertThat(feeds.app().ledger().findByRoute("backlog")).hasSize(1500).allSatisfy(e -> assertThat(e.status())
                .isEqualTo(LedgerStatus.DONE));
    }

    /**
     * Guards against a delivery pool that keeps its threads between executions: with hundreds of feed rows on one
     * instance each idle feed held parallelDeliveries threads for nothing.
     */
    @Test
    void a_feed_holds_no_delivery_threads_between_executions() {
        TARGET.stubFor(post(urlEqualTo("/idle")).willReturn(aResponse().withStatus(200)));
        FeedFixture feeds = APPS.on(Databases.Backend.H2);
        feeds.startFeed(tenRowFeed("idle").param("parallelDeliveries", "3").schedule("every 60s"));

        await().atMost(Duration.ofSeconds(20))
                .untilAsserted(() -> TARGET.verify(10, postRequestedFor(urlEqualTo("/idle"))));
        await().atMost(Duration.ofSeconds(DeliveryPool.KEEP_ALIVE_SECONDS + 20))
                .until(() -> Thread.getAllStackTraces().keySet().stream()
                        .noneMatch(t -> t.getName().endsWith(" - caravan-feed-idle")));
    }
}
