package io.caravan.feed;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.caravan.store.DrainProfile;
import io.caravan.store.LedgerEntry;
import io.caravan.store.LedgerStatus;
import io.caravan.store.RouteConfigRow;
import io.caravan.testing.CaravanApp;
import io.caravan.testing.SourceTable;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OutcomeIsolationTest {
    WireMockServer target;
    CaravanApp app;

    @AfterEach
    void tearDown() {
        if (app != null) {
            app.close();
        }
        target.stop();
    }

    /** Guards against a dead letter ending the execution early (rows left in progress) or leaking into the next page. */
    @Test
    void a_dead_letter_on_one_page_does_not_mark_the_next_pages_rows_failed() {
        target = new WireMockServer(wireMockConfig().dynamicPort());
        target.start();
        target.stubFor(post(urlEqualTo("/t")).willReturn(aResponse().withStatus(200)));
        target.stubFor(post(urlEqualTo("/t")).withRequestBody(matchingJsonPath("$.id", equalTo("1")))
                .willReturn(aResponse().withStatus(400).withBody("bad row")));
        SourceTable source = SourceTable.create();
        source.insert(1, 9, Instant.parse("2026-11-20T10:00:00Z"));
        Map<String, String> s = CaravanApp.settings("jdbc:h2:mem:store_" + System.nanoTime() + ";DB_CLOSE_DELAY=-1", "sa", "");
        s.put("caravan.source.src.url", source.url());
        s.put("caravan.source.src.user", "sa");
        s.put("caravan.routes.dir", "src/test/resources/test-routes");
        app = CaravanApp.start(s);
        app.profiles().upsert(new DrainProfile("TEST_3x5", Duration.ofSeconds(1), 3, 5, "test"));
        app.routeConfig().upsert(new RouteConfigRow("iso-feed", "watermark-feed", true, "T3", "TEST_3x5", "every 1s",
                "{\"sourceKind\":\"jdbc\",\"sourceDataSource\":\"src\",\"sourceQuery\":\"source-rows\","
                        + "\"key\":\"ISO:${body[id]}\",\"target\":\"" + target.baseUrl() + "/t\"}",
                null, 2, 50L, 100L, "test", 1, Instant.now(), "test"), "test");

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            target.verify(9, postRequestedFor(urlEqualTo("/t")));
            assertThat(app.ledger().findByRoute("iso-feed")).hasSize(9)
                    .noneMatch(e -> e.status() == LedgerStatus.IN_PROGRESS);
        });
        Map<String, LedgerStatus> status = app.ledger().findByRoute("iso-feed").stream()
                .collect(Collectors.toMap(LedgerEntry::key, LedgerEntry::status));
        assertThat(status).containsEntry("ISO:1", LedgerStatus.FAILED);
        for (int id = 2; id <= 9; id++) {
            assertThat(status).containsEntry("ISO:" + id, LedgerStatus.DONE);
        }
        assertThat(app.deadLetters().count("iso-feed")).isEqualTo(1);
    }
}
