package io.caravan.trigger;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.caravan.testing.Databases;
import io.caravan.testing.TriggerFixture;
import io.caravan.testing.TriggerFixture.Customer;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The trigger's target and sharedTarget URLs are data for the target, never camel-http options (issue 8). */
class TriggerTargetUrlIsDataTest {
    /** A would-be proxy on another loopback address, off the test app's allowlist. */
    @RegisterExtension
    static final WireMockExtension PROXY = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort().bindAddress("127.0.0.2"))
            .build();

    static TriggerFixture triggers;

    @BeforeAll
    static void start() {
        triggers = TriggerFixture.start(Databases.Backend.H2);
    }

    @AfterAll
    static void stop() {
        triggers.close();
    }

    /** Guards against proxyHost/proxyPort in a trigger row's URLs routing its POSTs through another host. */
    @Test
    void proxy_options_in_target_and_shared_target_reach_the_target_as_its_query_and_no_proxy_is_used() {
        PROXY.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200)));
        String query = "proxyHost=127.0.0.2&proxyPort=" + PROXY.getPort();
        String base = triggers.target().baseUrl();
        Customer c = triggers.customer(
                Map.of("target", base + "/process?" + query, "sharedTarget", base + "/shared?" + query));
        String change = triggers.newChangeId();
        triggers.change(change, c);

        await().atMost(Duration.ofSeconds(30))
                .until(() -> !triggers.exists("customers/" + c.code() + "/" + change + ".json"));
        assertThat(triggers.requests("/process", change)).singleElement().satisfies(e -> {
            assertThat(e.getRequest().getUrl()).isEqualTo("/process?" + query);
            assertThat(e.getRequest().getHeader("Idempotency-Key")).isEqualTo(change + ":" + c.code());
        });
        assertThat(triggers.requests("/shared", change)).singleElement().satisfies(e -> {
            assertThat(e.getRequest().getUrl()).isEqualTo("/shared?" + query);
            assertThat(e.getRequest().getHeader("Idempotency-Key")).isEqualTo(change);
        });
        assertThat(PROXY.getAllServeEvents())
                .as("requests through the would-be proxy")
                .isEmpty();
        triggers.stopRoutes();
    }
}
