package io.caravan.drain;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.caravan.store.DeadLetter;
import io.caravan.store.DrainProfile;
import io.caravan.testing.CaravanApp;
import io.caravan.testing.EmbeddedKafka;
import io.caravan.testing.Inbox;
import io.caravan.testing.TemplateRow;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The drain's target URL is data for the target, never camel-http options (issue 8). */
class DrainTargetUrlIsDataTest {
    @RegisterExtension
    static final WireMockExtension TARGET = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort())
            .build();

    /**
     * Guards against proxyHost/proxyPort routing the drain's POST through another host, and okStatusCodeRange or
     * throwExceptionOnFailure turning a 500 into a delivery: the query reaches the target, and the 500 is retried and
     * dead-lettered.
     */
    @Test
    void client_options_in_the_target_query_reach_the_target_and_a_500_stays_a_failure() {
        Map<String, String> s =
                CaravanApp.settings("jdbc:h2:mem:drain_probe_" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "");
        s.put("camel.component.kafka.brokers", EmbeddedKafka.bootstrapServers());
        try (CaravanApp app = CaravanApp.start(s)) {
            app.profiles().upsert(new DrainProfile("TEST_5x2", Duration.ofSeconds(1), 5, 2, "test"));
            String id = "drain-probe";
            String topic = "inbox-" + UUID.randomUUID();
            EmbeddedKafka.createTopic(topic, 1);
            Inbox.write(EmbeddedKafka.bootstrapServers(), topic, "crm", Map.of("p-1", "{\"event\":\"p-1\"}"));
            TARGET.stubFor(post(urlPathEqualTo("/" + id)).willReturn(aResponse().withStatus(500)));
            // 127.0.0.2:1 would refuse the connection, were it used as a proxy
            String query = "proxyHost=127.0.0.2&proxyPort=1&throwExceptionOnFailure=false&okStatusCodeRange=100-599";

            app.routeConfig()
                    .upsert(
                            TemplateRow.queueDrain(id, "TEST_5x2", topic, TARGET.baseUrl() + "/" + id + "?" + query)
                                    .schedule("every 300ms")
                                    .param("pollTimeout", "500ms")
                                    .retry(3, 100, 200)
                                    .row(),
                            "test");

            await().atMost(Duration.ofSeconds(30)).until(() -> app.deadLetters().count(id) == 1);
            assertThat(TARGET.findAll(postRequestedFor(urlPathEqualTo("/" + id))))
                    .hasSize(3)
                    .allSatisfy(r -> {
                        assertThat(r.getUrl()).isEqualTo("/" + id + "?" + query);
                        assertThat(r.getHeader("Idempotency-Key")).isEqualTo(id + ":crm:p-1");
                    });
            assertThat(app.deadLetters().findByRoute(id).get(0))
                    .extracting(DeadLetter::category, DeadLetter::statusCode, DeadLetter::attempts)
                    .containsExactly("TRANSIENT", 500, 3);
        }
    }
}
