package io.caravan.ops.health;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.caravan.store.DrainProfile;
import io.caravan.testing.CaravanApp;
import io.caravan.testing.FeedRow;
import io.caravan.testing.SourceTable;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Route health in a running app: /health, /health/ready, JMX and the metric for a feed whose target is down. */
class RouteHealthReadinessTest {
    @RegisterExtension
    static final WireMockExtension TARGET = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort())
            .build();

    /**
     * Guards against one failing route taking the pod out of service (readiness DOWN would stop all its other routes'
     * traffic and lose a leader's lease) while the failure must still show in /health, JMX and the metric.
     */
    @Test
    void a_failing_route_shows_in_health_jmx_and_metrics_and_readiness_stays_up() throws Exception {
        TARGET.stubFor(post(urlEqualTo("/down")).willReturn(aResponse().withStatus(503)));
        SourceTable table = SourceTable.create();
        table.insert(1, 5, Instant.parse("2026-01-05T08:00:00Z"));
        Map<String, String> s = CaravanApp.settings("jdbc:h2:mem:health_ready;DB_CLOSE_DELAY=-1", "sa", "");
        s.put("caravan.routes.dir", "src/test/resources/test-routes");
        s.put("caravan.source.hs.url", table.url());
        s.put("caravan.source.hs.user", "sa");
        s.put("caravan.alerts.evaluate-every", "200ms");
        try (CaravanApp app = CaravanApp.start(s)) {
            app.profiles().upsert(new DrainProfile("TEST_HEALTH", Duration.ofSeconds(1), 5, 1, "test"));
            app.routeConfig()
                    .upsert(
                            FeedRow.jdbc("down-feed", "TEST_HEALTH", "hs", TARGET.baseUrl() + "/down")
                                    .retry(1, 10, 10)
                                    .row(),
                            "test");

            await().atMost(Duration.ofSeconds(20))
                    .untilAsserted(() -> assertThat(jmx("state", "down-feed")).isEqualTo("FAILING"));

            HttpResponse<String> health = get(app, "/health");
            assertThat(health.body()).contains("route-health").contains("FAILING: down-feed");
            HttpResponse<String> ready = get(app, "/health/ready");
            assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
            assertThat(ready.body()).contains("UP");
            assertThat(get(app, "/health/live").statusCode()).isEqualTo(200);
            assertThat(get(app, "/observe/metrics").body())
                    .containsPattern(
                            "caravan_route_health\\{[^}]*route=\"down-feed\"[^}]*state=\"FAILING\"[^}]*} 1\\.0")
                    .containsPattern("caravan_route_consecutive_failures\\{route=\"down-feed\"} [1-9]");
        }
    }

    private static Object jmx(String operation, String route) throws Exception {
        return ManagementFactory.getPlatformMBeanServer()
                .invoke(new ObjectName(RouteHealthControl.OBJECT_NAME), operation, new Object[] {route}, new String[] {
                    String.class.getName()
                });
    }

    private static HttpResponse<String> get(CaravanApp app, String path) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(app.managementUrl(path)))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }
}
