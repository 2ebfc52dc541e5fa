package io.caravan.errors;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.http.HttpComponent;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.spi.Registry;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.apache.camel.test.junit5.CamelTestSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The shared route configuration in routes/caravan-errors.yaml, driven through camel-http against WireMock. */
class CaravanErrorsRouteTest extends CamelTestSupport {

    private static final String ROUTE = "orders-to-crm";
    private static final WireMockServer crm = new WireMockServer(options().dynamicPort());

    private final List<RecordedDeadLetter> deadLetters = new CopyOnWriteArrayList<>();
    private final PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final RetryPolicies policies = new RetryPolicies();

    record RecordedDeadLetter(
            String routeId,
            String correlationId,
            String key,
            ErrorCategory category,
            Integer statusCode,
            String reason,
            int attempts,
            String payload,
            Map<String, String> headers) {}

    @BeforeAll
    static void startCrm() {
        crm.start();
    }

    @AfterAll
    static void stopCrm() {
        crm.stop();
    }

    @BeforeEach
    void resetCrm() {
        crm.resetAll();
        policies.put(ROUTE, new RetryPolicy(3, Duration.ofMillis(20), Duration.ofMillis(100), 2.0, 0.2));
    }

    @Override
    protected void bindToRegistry(Registry registry) {
        DeadLetterSink sink = (route, correlation, key, category, status, reason, attempts, payload, headers) -> {
            deadLetters.add(new RecordedDeadLetter(
                    route, correlation, key, category, status, reason, attempts, payload, headers));
            return deadLetters.size();
        };
        new FailureHandling(new ErrorClassifier(), policies, sink, meters, Clock.systemUTC(), new Random(3))
                .bindTo(registry);
    }

    /** HttpClient 5 retries 429/503 by itself unless told not to, which would double every retry. */
    @Override
    protected CamelContext createCamelContext() throws Exception {
        CamelContext camel = super.createCamelContext();
        camel.getComponent("http", HttpComponent.class).setAutomaticRetriesDisabled(true);
        return camel;
    }

    @Override
    protected RoutesBuilder[] createRouteBuilders() throws Exception {
        List<RoutesBuilder> builders = new ArrayList<>(PluginHelper.getRoutesLoader(context)
                .findRoutesBuilders(ResourceHelper.resolveResource(context, "file:routes/caravan-errors.yaml")));
        builders.add(new RouteBuilder() {
            @Override
            public void configure() {
                String orders = "http://localhost:" + crm.port() + "/orders?httpMethod=POST";
                from("direct:deliver")
                        .routeId("deliver")
                        .routeConfigurationId("caravan-errors")
                        .setProperty(CaravanExchange.ROUTE_ID, constant(ROUTE))
                        .to(orders)
                        .to("mock:delivered");
                from("direct:deliverEach")
                        .routeId("deliver-each")
                        .routeConfigurationId("caravan-errors")
                        .setProperty(CaravanExchange.ROUTE_ID, constant(ROUTE))
                        .split(body())
                        .to(orders)
                        .to("mock:delivered")
                        .end();
                from("direct:enrichThenDeliver")
                        .routeId("enrich-then-deliver")
                        .routeConfigurationId("caravan-errors")
                        .setProperty(CaravanExchange.ROUTE_ID, constant(ROUTE))
                        .to("http://localhost:" + crm.port() + "/customers?httpMethod=POST")
                        .setBody(constant("{\"order\":6}"))
                        .to(orders);
                from("direct:validate")
                        .routeId("validate")
                        .routeConfigurationId("caravan-errors")
                        .throwException(new DataQualityException("email", "missing"));
            }
        });
        return builders.toArray(RoutesBuilder[]::new);
    }

    @Test
    void two_unavailable_responses_then_success_is_delivered_on_the_third_attempt() throws Exception {
        crm.stubFor(post("/orders")
                .inScenario("flaky")
                .whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withStatus(503))
                .willSetStateTo("once"));
        crm.stubFor(post("/orders")
                .inScenario("flaky")
                .whenScenarioStateIs("once")
                .willReturn(aResponse().withStatus(503))
                .willSetStateTo("twice"));
        crm.stubFor(post("/orders")
                .inScenario("flaky")
                .whenScenarioStateIs("twice")
                .willReturn(aResponse().withStatus(200)));
        MockEndpoint delivered = getMockEndpoint("mock:delivered");
        delivered.expectedMessageCount(1);

        Exchange result = template.send("direct:deliver", e -> e.getMessage().setBody("{\"order\":1}"));

        delivered.assertIsSatisfied();
        crm.verify(3, postRequestedFor(urlEqualTo("/orders")));
        assertThat(deadLetters).isEmpty();
        assertThat(result.getProperty(CaravanExchange.DEAD_LETTER_ID)).isNull();
        assertThat(meters.scrape())
                .contains("caravan_retries_total{category=\"TRANSIENT\",route=\"orders-to-crm\"} 2.0");
    }

    @Test
    void retry_waits_at_least_as_long_as_retry_after_asks() throws Exception {
        crm.stubFor(post("/orders")
                .inScenario("throttled")
                .whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "1"))
                .willSetStateTo("open"));
        crm.stubFor(post("/orders")
                .inScenario("throttled")
                .whenScenarioStateIs("open")
                .willReturn(aResponse().withStatus(200)));
        getMockEndpoint("mock:delivered").expectedMessageCount(1);

        template.sendBody("direct:deliver", "{\"order\":2}");

        getMockEndpoint("mock:delivered").assertIsSatisfied();
        List<ServeEvent> requests = requestsInOrder();
        assertThat(requests).hasSize(2);
        long gapMillis = requests.get(1).getRequest().getLoggedDate().getTime()
                - requests.get(0).getRequest().getLoggedDate().getTime();
        assertThat(gapMillis).isGreaterThanOrEqualTo(950);
    }

    @Test
    void bad_request_is_dead_lettered_at_once_as_permanent() {
        crm.stubFor(
                post("/orders").willReturn(aResponse().withStatus(400).withBody("{\"error\":\"customerId missing\"}")));

        Exchange result = template.send("direct:deliver", e -> {
            e.getMessage().setBody("{\"order\":3}");
            e.setProperty(CaravanExchange.CORRELATION_ID, "corr-3");
            e.setProperty(CaravanExchange.IDEMPOTENCY_KEY, "order-3");
        });

        crm.verify(1, postRequestedFor(urlEqualTo("/orders")));
        assertThat(deadLetters).singleElement().satisfies(dl -> {
            assertThat(dl.routeId()).isEqualTo(ROUTE);
            assertThat(dl.correlationId()).isEqualTo("corr-3");
            assertThat(dl.key()).isEqualTo("order-3");
            assertThat(dl.category()).isEqualTo(ErrorCategory.PERMANENT);
            assertThat(dl.statusCode()).isEqualTo(400);
            assertThat(dl.reason())
                    .startsWith("HTTP 400 from http://localhost:" + crm.port() + "/orders")
                    .contains("customerId missing");
            assertThat(dl.attempts()).isEqualTo(1);
            assertThat(dl.payload()).isEqualTo("{\"order\":3}");
        });
        assertThat(result.getException()).isNull();
        assertThat(result.getProperty(CaravanExchange.ERROR_CATEGORY)).isEqualTo(ErrorCategory.PERMANENT);
        assertThat(result.getProperty(CaravanExchange.DEAD_LETTER_ID)).isEqualTo(1L);
        assertThat(result.getProperty(CaravanExchange.STATUS_CODE)).isEqualTo(400);
        assertThat(meters.scrape())
                .contains("caravan_dead_letters_total{category=\"PERMANENT\",route=\"orders-to-crm\"} 1.0")
                .doesNotContain("caravan_retries_total");
    }

    @Test
    void unavailable_until_attempts_run_out_is_dead_lettered_as_transient() {
        crm.stubFor(post("/orders").willReturn(aResponse().withStatus(503)));

        template.sendBody("direct:deliver", "{\"order\":4}");

        crm.verify(3, postRequestedFor(urlEqualTo("/orders")));
        assertThat(deadLetters).singleElement().satisfies(dl -> {
            assertThat(dl.category()).isEqualTo(ErrorCategory.TRANSIENT);
            assertThat(dl.statusCode()).isEqualTo(503);
            assertThat(dl.attempts()).isEqualTo(3);
        });
    }

    /** Guards against a bearer token leaking into the dead-letter table. */
    @Test
    void authorization_header_is_redacted_in_the_dead_letter() {
        crm.stubFor(post("/orders").willReturn(aResponse().withStatus(401)));

        template.sendBodyAndHeaders(
                "direct:deliver", "{\"order\":5}", Map.of("Authorization", "Bearer s3cr3t", "X-Tenant", "acme"));

        crm.verify(1, postRequestedFor(urlEqualTo("/orders")).withHeader("Authorization", equalTo("Bearer s3cr3t")));
        assertThat(deadLetters).singleElement().satisfies(dl -> {
            assertThat(dl.headers())
                    .containsEntry("Authorization", HeaderRedaction.REDACTED)
                    .containsEntry("X-Tenant", "acme");
            assertThat(dl.headers().values()).noneMatch(v -> v.contains("s3cr3t"));
            assertThat(dl.reason()).contains("configuration error");
        });
    }

    @Test
    void one_refused_item_of_a_split_does_not_stop_the_others() throws Exception {
        crm.stubFor(post("/orders").willReturn(aResponse().withStatus(200)));
        crm.stubFor(post("/orders")
                .withRequestBody(equalTo("b"))
                .willReturn(aResponse().withStatus(400)));
        MockEndpoint delivered = getMockEndpoint("mock:delivered");
        delivered.expectedMessageCount(2);

        template.sendBody("direct:deliverEach", List.of("a", "b", "c"));

        delivered.assertIsSatisfied();
        crm.verify(3, postRequestedFor(urlEqualTo("/orders")));
        crm.verify(1, postRequestedFor(urlEqualTo("/orders")).withRequestBody(equalTo("c")));
        assertThat(deadLetters).singleElement().satisfies(dl -> {
            assertThat(dl.payload()).isEqualTo("b");
            assertThat(dl.category()).isEqualTo(ErrorCategory.PERMANENT);
            assertThat(dl.routeId()).isEqualTo(ROUTE);
        });
    }

    /** Guards against Camel's per-exchange redelivery counter eating a later step's retry budget. */
    @Test
    void a_step_retried_to_success_leaves_the_next_step_its_full_budget() {
        crm.stubFor(post("/customers")
                .inScenario("enrich")
                .whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withStatus(503))
                .willSetStateTo("up"));
        crm.stubFor(post("/customers")
                .inScenario("enrich")
                .whenScenarioStateIs("up")
                .willReturn(aResponse().withStatus(200)));
        crm.stubFor(post("/orders").willReturn(aResponse().withStatus(503)));

        template.sendBody("direct:enrichThenDeliver", "{\"customer\":6}");

        crm.verify(2, postRequestedFor(urlEqualTo("/customers")));
        crm.verify(3, postRequestedFor(urlEqualTo("/orders")));
        assertThat(deadLetters).singleElement().satisfies(dl -> {
            assertThat(dl.attempts()).isEqualTo(3);
            assertThat(dl.payload()).isEqualTo("{\"order\":6}");
        });
    }

    @Test
    void invalid_payload_is_quarantined_without_retry() {
        Exchange result = template.send("direct:validate", e -> e.getMessage().setBody("{}"));

        assertThat(deadLetters).singleElement().satisfies(dl -> {
            assertThat(dl.category()).isEqualTo(ErrorCategory.DATA_QUALITY);
            assertThat(dl.attempts()).isEqualTo(1);
            assertThat(dl.routeId()).isEqualTo("validate");
        });
        assertThat(result.getProperty(CaravanExchange.ERROR_CATEGORY)).isEqualTo(ErrorCategory.DATA_QUALITY);
    }

    private static List<ServeEvent> requestsInOrder() {
        return crm.getAllServeEvents().stream()
                .sorted(Comparator.comparing(e -> e.getRequest().getLoggedDate()))
                .toList();
    }
}
