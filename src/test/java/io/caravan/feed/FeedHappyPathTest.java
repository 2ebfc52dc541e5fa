package io.caravan.feed;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.caravan.store.DrainProfile;
import io.caravan.store.RouteConfigRow;
import io.caravan.testing.CaravanApp;
import io.caravan.testing.Databases;
import io.caravan.testing.SourceTable;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FeedHappyPathTest {
    WireMockServer target;
    SourceTable source;
    CaravanApp app;

    @BeforeEach
    void setUp() {
        target = new WireMockServer(wireMockConfig().dynamicPort());
        target.start();
        target.stubFor(post(urlEqualTo("/sap/hours")).willReturn(aResponse().withStatus(201)));
        source = SourceTable.create();
        Map<String, String> s = CaravanApp.settings("jdbc:h2:mem:store_" + System.nanoTime() + ";DB_CLOSE_DELAY=-1", "sa", "");
        s.put("caravan.source.src.url", source.url());
        s.put("caravan.source.src.user", "sa");
        s.put("caravan.routes.dir", "src/test/resources/test-routes");
        app = CaravanApp.start(s);
    }

    @AfterEach
    void tearDown() {
        app.close();
        target.stop();
    }

    @Test
    void rows_flow_from_source_to_target_with_their_idempotency_keys() {
        source.insert(1, 30, Instant.parse("2026-11-20T10:00:00Z"));
        app.profiles().upsert(new DrainProfile("TEST_10x5", Duration.ofSeconds(1), 10, 5, "test"));
        app.routeConfig().upsert(new RouteConfigRow("hours-feed", "watermark-feed", true, "T3", "TEST_10x5", "every 1s",
                "{\"sourceKind\":\"jdbc\",\"sourceDataSource\":\"src\",\"sourceQuery\":\"source-rows\","
                        + "\"key\":\"SAP:HOURS:${body[id]}:${body[revision]}\",\"target\":\"" + target.baseUrl() + "/sap/hours\"}",
                null, null, null, null, "test", 1, Instant.now(), "test"), "test");

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                target.verify(30, postRequestedFor(urlEqualTo("/sap/hours"))));
        assertThat(target.getAllServeEvents()).extracting(e -> e.getRequest().getHeader("Idempotency-Key"))
                .contains("SAP:HOURS:1:1", "SAP:HOURS:30:1").doesNotHaveDuplicates();
    }
}
