package io.caravan.feed;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.caravan.store.DeadLetter;
import io.caravan.store.DrainProfile;
import io.caravan.store.RouteConfigRow;
import io.caravan.store.Watermark;
import io.caravan.testing.CaravanApp;
import io.caravan.testing.SourceTable;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class KeylessRowTest {
    WireMockServer target;
    CaravanApp app;

    @AfterEach
    void tearDown() {
        if (app != null) {
            app.close();
        }
        target.stop();
    }

    /** Guards against a row whose key expression yields nothing stalling the feed or being sent without a key. */
    @Test
    void a_row_without_a_usable_key_is_dead_lettered_as_data_quality_and_the_feed_moves_on() {
        target = new WireMockServer(wireMockConfig().dynamicPort());
        target.start();
        target.stubFor(post(urlEqualTo("/t")).willReturn(aResponse().withStatus(200)));
        SourceTable source = SourceTable.create();
        source.insert(1, 1, null, Instant.parse("2026-11-20T10:00:00Z"));
        source.insert(2, 1, "p2", Instant.parse("2026-11-20T10:00:01Z"));
        Map<String, String> s = CaravanApp.settings("jdbc:h2:mem:store_" + System.nanoTime() + ";DB_CLOSE_DELAY=-1", "sa", "");
        s.put("caravan.source.src.url", source.url());
        s.put("caravan.source.src.user", "sa");
        s.put("caravan.routes.dir", "src/test/resources/test-routes");
        app = CaravanApp.start(s);
        app.profiles().upsert(new DrainProfile("TEST_5x1", Duration.ofSeconds(1), 5, 1, "test"));
        // the key is the payload column: empty for row 1
        app.routeConfig().upsert(new RouteConfigRow("keyless-feed", "watermark-feed", true, "T3", "TEST_5x1", "every 500ms",
                "{\"sourceKind\":\"jdbc\",\"sourceDataSource\":\"src\",\"sourceQuery\":\"source-rows\","
                        + "\"key\":\"${body[payload]}\",\"target\":\"" + target.baseUrl() + "/t\"}",
                null, 2, 50L, 100L, "test", 1, Instant.now(), "test"), "test");

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            target.verify(1, postRequestedFor(urlEqualTo("/t")));
            assertThat(app.watermarks().find("keyless-feed")).get().extracting(Watermark::id).isEqualTo("2");
        });
        assertThat(app.deadLetters().findByRoute("keyless-feed")).singleElement().satisfies(d -> {
            assertThat(d.category()).isEqualTo("DATA_QUALITY");
            assertThat(d.reason()).contains("key expression gave no usable key").contains("row id 1");
            assertThat(d.payload()).contains("\"id\":1");
        });
        assertThat(target.getAllServeEvents()).singleElement()
                .satisfies(e -> assertThat(e.getRequest().getHeader("Idempotency-Key")).isEqualTo("p2"));
        assertThat(app.deadLetters().findByRoute("keyless-feed")).extracting(DeadLetter::idempotencyKey).containsOnlyNulls();
    }
}
