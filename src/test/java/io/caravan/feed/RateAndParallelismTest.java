package io.caravan.feed;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.caravan.store.DrainProfile;
import io.caravan.store.LedgerStatus;
import io.caravan.store.RouteConfigRow;
import io.caravan.testing.CaravanApp;
import io.caravan.testing.SourceTable;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The rate guard (throttle_per_second) and parallel deliveries within a page. */
class RateAndParallelismTest {
    WireMockServer target;
    SourceTable source;
    CaravanApp app;

    @BeforeEach
    void setUp() {
        target = new WireMockServer(wireMockConfig().dynamicPort().containerThreads(20));
        target.start();
        source = SourceTable.create();
        source.insert(1, 10, Instant.parse("2026-11-20T10:00:00Z"));
        Map<String, String> s = CaravanApp.settings("jdbc:h2:mem:store_" + System.nanoTime() + ";DB_CLOSE_DELAY=-1", "sa", "");
        s.put("caravan.source.src.url", source.url());
        s.put("caravan.source.src.user", "sa");
        s.put("caravan.routes.dir", "src/test/resources/test-routes");
        app = CaravanApp.start(s);
        app.profiles().upsert(new DrainProfile("TEST_10x1", Duration.ofSeconds(1), 10, 1, "test"));
    }

    @AfterEach
    void tearDown() {
        app.close();
        target.stop();
    }

    void feed(String id, Integer throttle, int parallel) {
        app.routeConfig().upsert(new RouteConfigRow(id, "watermark-feed", true, "T3", "TEST_10x1", "every 1s",
                "{\"sourceKind\":\"jdbc\",\"sourceDataSource\":\"src\",\"sourceQuery\":\"source-rows\",\"parallelDeliveries\":"
                        + parallel + ",\"key\":\"" + id + ":${body[id]}\",\"target\":\"" + target.baseUrl() + "/t\"}",
                throttle, 2, 50L, 100L, "test", 1, Instant.now(), "test"), "test");
    }

    static List<Instant> arrivals(List<ServeEvent> events) {
        return events.stream().map(e -> e.getRequest().getLoggedDate().toInstant()).sorted().toList();
    }

    @Test
    void throttle_per_second_spaces_deliveries_even_with_parallel_deliveries() {
        target.stubFor(post(urlEqualTo("/t")).willReturn(aResponse().withStatus(200)));
        feed("slow-feed", 4, 4);

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> target.verify(10, postRequestedFor(urlEqualTo("/t"))));
        List<Instant> at = arrivals(target.getAllServeEvents());
        // 10 rows at 4 per second span about two periods after the first burst (unthrottled: well under 200 ms)
        assertThat(Duration.between(at.get(0), at.get(9))).isGreaterThanOrEqualTo(Duration.ofMillis(1500));
    }

    @Test
    void parallel_deliveries_overlap_and_every_row_is_recorded_once() {
        target.stubFor(post(urlEqualTo("/t")).willReturn(aResponse().withStatus(200).withFixedDelay(400)));
        feed("wide-feed", null, 5);

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            target.verify(10, postRequestedFor(urlEqualTo("/t")));
            assertThat(app.ledger().findByRoute("wide-feed")).hasSize(10)
                    .allSatisfy(e -> assertThat(e.status()).isEqualTo(LedgerStatus.DONE));
        });
        List<ServeEvent> events = target.getAllServeEvents().stream()
                .sorted(Comparator.comparing(e -> e.getRequest().getLoggedDate())).toList();
        // the second request arrived while the first was still being answered (400 ms)
        Instant first = events.get(0).getRequest().getLoggedDate().toInstant();
        Instant second = events.get(1).getRequest().getLoggedDate().toInstant();
        assertThat(Duration.between(first, second)).isLessThan(Duration.ofMillis(400));
        assertThat(events).extracting(e -> e.getRequest().getHeader("Idempotency-Key")).doesNotHaveDuplicates();
    }
}
