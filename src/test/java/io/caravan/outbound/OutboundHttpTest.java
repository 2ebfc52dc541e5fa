package io.caravan.outbound;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.caravan.errors.CategorizedException;
import io.caravan.errors.Classification;
import io.caravan.errors.ErrorCategory;
import io.caravan.errors.ErrorClassifier;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The one client's rules, against real HTTP servers: no redirects, no proxy, egress on the connected host. */
class OutboundHttpTest {
    @RegisterExtension
    static final WireMockExtension PEER = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort())
            .build();

    /** A host off the allowlist: 127.0.0.2 is loopback too, but another name than the allowed ones. */
    @RegisterExtension
    static final WireMockExtension OTHER = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort().bindAddress("127.0.0.2"))
            .build();

    private OutboundHttp outbound;

    /** WireMock's baseUrl names localhost whatever it is bound to. */
    private static String otherBaseUrl() {
        return "http://127.0.0.2:" + OTHER.getPort();
    }

    @BeforeEach
    void start() {
        OTHER.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200)));
        outbound = new OutboundHttp(
                Egress.of("localhost,127.0.0.1", "localhost,127.0.0.1"), OutboundHttp.Settings.DEFAULT);
    }

    @AfterEach
    void stop() throws Exception {
        outbound.close();
    }

    private static OutboundRequest request(String url) {
        return OutboundRequest.postJson(OutboundUrl.parse(url), "k-1", "{}".getBytes(StandardCharsets.UTF_8));
    }

    /** Guards against a row's query string setting client options: it is the peer's query, and no proxy is used. */
    @Test
    void client_option_names_in_the_query_string_reach_the_peer_as_its_query() throws Exception {
        PEER.stubFor(post(urlPathEqualTo("/t"))
                .willReturn(aResponse().withStatus(201).withBody("ok")));
        String query = "proxyHost=127.0.0.2&proxyPort=" + OTHER.getPort()
                + "&followRedirects=true&throwExceptionOnFailure=false&okStatusCodeRange=100-599";

        OutboundResponse answer = outbound.execute(request(PEER.baseUrl() + "/t?" + query));

        assertThat(answer.status()).isEqualTo(201);
        List<LoggedRequest> seen =
                PEER.findAll(com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor(urlPathEqualTo("/t")));
        assertThat(seen).singleElement().satisfies(r -> {
            assertThat(r.getUrl()).isEqualTo("/t?" + query);
            assertThat(r.queryParameter("proxyHost").firstValue()).isEqualTo("127.0.0.2");
            assertThat(r.getHeader("Idempotency-Key")).isEqualTo("k-1");
            assertThat(r.getHeader("Content-Type")).startsWith("application/json");
        });
        assertThat(OTHER.getAllServeEvents()).as("the would-be proxy").isEmpty();
    }

    /** Guards against following a redirect off the allowlist: a 3xx is a PERMANENT answer, the other host unseen. */
    @Test
    void a_redirect_is_an_answer_and_is_never_followed() {
        PEER.stubFor(post(urlPathEqualTo("/moved"))
                .willReturn(aResponse().withStatus(302).withHeader("Location", otherBaseUrl() + "/stolen")));

        assertThatThrownBy(() -> outbound.execute(request(PEER.baseUrl() + "/moved?followRedirects=true")))
                .isInstanceOfSatisfying(HttpOperationFailedException.class, e -> {
                    assertThat(e.getStatusCode()).isEqualTo(302);
                    assertThat(e.getRedirectLocation()).isEqualTo(otherBaseUrl() + "/stolen");
                    assertThat(new ErrorClassifier().classify(e).category()).isEqualTo(ErrorCategory.PERMANENT);
                });
        assertThat(OTHER.getAllServeEvents()).isEmpty();
    }

    /** Guards against a failing answer passing as delivered, whatever the URL says about status ranges. */
    @Test
    void a_5xx_answer_is_a_failure_with_its_retry_after_for_the_classifier() {
        PEER.stubFor(post(urlPathEqualTo("/down"))
                .withHeader("Idempotency-Key", equalTo("k-1"))
                .willReturn(aResponse()
                        .withStatus(503)
                        .withHeader("Retry-After", "7")
                        .withBody("maintenance")));

        assertThatThrownBy(() -> outbound.execute(
                        request(PEER.baseUrl() + "/down?throwExceptionOnFailure=false&okStatusCodeRange=100-599")))
                .isInstanceOfSatisfying(HttpOperationFailedException.class, e -> {
                    Classification c = new ErrorClassifier().classify(e);
                    assertThat(c.category()).isEqualTo(ErrorCategory.TRANSIENT);
                    assertThat(c.statusCode()).isEqualTo(503);
                    assertThat(c.retryAfter()).isEqualTo("7");
                    assertThat(c.reason()).contains("maintenance").doesNotContain("okStatusCodeRange");
                });
    }

    /** Guards against a connection to a host the egress rule does not allow, however the request was built. */
    @Test
    void a_connection_to_a_host_off_the_allowlist_is_refused_at_send_time() {
        assertThatThrownBy(() -> outbound.execute(request(otherBaseUrl() + "/x")))
                .isInstanceOfSatisfying(CategorizedException.class, e -> {
                    assertThat(e.category()).isEqualTo(ErrorCategory.PERMANENT);
                    assertThat(e.getMessage()).contains("host '127.0.0.2' is not on the egress allowlist");
                });
        assertThat(OTHER.getAllServeEvents()).isEmpty();
    }

    /** Guards against a webhook's own timeout being ignored: a slow answer fails as a timeout (TRANSIENT). */
    @Test
    void a_call_with_its_own_timeout_fails_transient_when_the_answer_is_slower() {
        PEER.stubFor(post(urlPathEqualTo("/slow"))
                .willReturn(aResponse().withStatus(200).withFixedDelay(2000)));

        assertThatThrownBy(
                        () -> outbound.execute(request(PEER.baseUrl() + "/slow").withTimeout(Duration.ofMillis(300))))
                .satisfies(e ->
                        assertThat(new ErrorClassifier().classify(e).category()).isEqualTo(ErrorCategory.TRANSIENT));
    }
}
