package io.caravan.ops;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.caravan.store.DrainProfile;
import io.caravan.store.OpsAudit;
import io.caravan.testing.CaravanApp;
import io.caravan.testing.Databases;
import io.caravan.testing.FeedFixture;
import io.caravan.testing.FeedRow;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.apache.camel.ServiceStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** /observe/jolokia as Hawtio and scripts reach it: authentication first, then the access policy. */
class JolokiaAccessTest {
    static final String FEED = "policy-feed";
    static final String ROUTES = "io.caravan:type=Routes";

    @RegisterExtension
    static final WireMockExtension TARGET = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort())
            .build();

    @TempDir
    Path dir;

    FeedFixture feeds;
    CaravanApp app;
    Operations.Jolokia operator;

    @BeforeEach
    void setUp() throws Exception {
        TARGET.stubFor(post(urlEqualTo("/a")).willReturn(aResponse().withStatus(200)));
        feeds = FeedFixture.start(Databases.Backend.H2, OperatorMBeansTest.OperatorFixture.settings(dir));
        app = feeds.app();
        FeedFixture.Source source = feeds.newSource();
        source.table().insert(1, 2, Instant.parse("2026-11-20T10:00:00Z"));
        app.profiles().upsert(new DrainProfile("TEST_FAST", Duration.ofSeconds(1), 10, 2, "test"));
        feeds.startFeed(FeedRow.jdbc(FEED, "TEST_FAST", source.name(), TARGET.baseUrl() + "/a")
                .key("P:${body[id]}:${body[revision]}")
                .schedule("every 1s"));
        operator = Operations.jolokia(
                app, OperatorMBeansTest.OperatorFixture.USER, OperatorMBeansTest.OperatorFixture.PASSWORD);
    }

    @AfterEach
    void tearDown() {
        feeds.close();
    }

    String camelRoute(String id) {
        return "org.apache.camel:context=" + app.camel().getName() + ",type=routes,name=\"" + id + "\"";
    }

    /** Guards against Jolokia answering anyone who reaches the management port, or an operation running anyway. */
    @Test
    void without_or_with_wrong_credentials_jolokia_answers_401_and_nothing_runs() {
        for (Operations.Jolokia stranger : new Operations.Jolokia[] {
            Operations.jolokia(app, null, null),
            Operations.jolokia(app, OperatorMBeansTest.OperatorFixture.USER, "wrong")
        }) {
            HttpResponse<String> response = stranger.post(Operations.Jolokia.exec(ROUTES, "pause", FEED));
            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(response.body()).doesNotContain("paused");
            assertThat(stranger.post(Operations.Jolokia.readRequest(camelRoute(FEED), "State"))
                            .statusCode())
                    .isEqualTo(401);
        }
        assertThat(app.camel().getRouteController().getRouteStatus(FEED)).isEqualTo(ServiceStatus.Started);
        assertThat(new OpsAudit(app.store(), Clock.systemUTC()).recent(10)).isEmpty();
    }

    /**
     * Guards against an operator's Hawtio missing what it needs: Camel's route MBeans can be read and a route
     * stopped and started (the reconciler respects that stop), caravan's operations run as the Jolokia user.
     */
    @Test
    void an_operator_reads_camel_routes_and_runs_caravan_operations() {
        assertThat(operator.read(camelRoute(FEED), "State")).isEqualTo("Started");
        JsonNode version = Operations.Jolokia.body(
                operator.post(Operations.JSON.createObjectNode().put("type", "version")));
        assertThat(version.path("value").path("agent").asText()).startsWith("2.");
        operator.invoke(camelRoute(FEED), "stop()"); // overloaded: Jolokia needs the signature
        assertThat(app.camel().getRouteController().getRouteStatus(FEED)).isEqualTo(ServiceStatus.Stopped);
        app.reconciler().reconcile();
        assertThat(app.camel().getRouteController().getRouteStatus(FEED)).isEqualTo(ServiceStatus.Stopped);
        operator.invoke(camelRoute(FEED), "start()");
        assertThat(operator.invoke(ROUTES, "pause", FEED)).isEqualTo(FEED + " paused; route Stopped");
        assertThat(new OpsAudit(app.store(), Clock.systemUTC()).recent(1))
                .singleElement()
                .satisfies(e -> {
                    assertThat(e.principal()).isEqualTo("jolokia:ops");
                    assertThat(e.operation()).isEqualTo("pause");
                });
    }

    /**
     * Guards against the access policy not being loaded (without jolokia-access.xml Jolokia allows everything):
     * a heap dump, a message sent through the Camel context, a route replaced from XML, a logger level changed, a
     * write and a read of system properties are refused, and the heap dump file is not written.
     */
    @Test
    void the_access_policy_refuses_what_hawtio_does_not_need_and_writes_no_heap_dump() throws Exception {
        Path dump = dir.resolve("heap.hprof");
        HttpResponse<String> heap = operator.post(Operations.Jolokia.exec(
                "com.sun.management:type=HotSpotDiagnostic", "dumpHeap", dump.toString(), true));
        assertRefused(heap);
        assertThat(dump).doesNotExist();
        assertThat(Files.list(dir)).noneMatch(p -> p.getFileName().toString().endsWith(".hprof"));

        assertRefused(operator.post(Operations.Jolokia.exec(
                "org.apache.camel:context=" + app.camel().getName() + ",type=context,name=\""
                        + app.camel().getName() + "\"",
                "sendBody",
                "log:probe",
                "hello")));
        assertRefused(operator.post(Operations.Jolokia.exec(camelRoute(FEED), "updateRouteFromXml", "<route/>")));
        assertRefused(operator.post(
                Operations.Jolokia.exec("java.util.logging:type=Logging", "setLoggerLevel", "", "FINEST")));
        assertRefused(operator.post(Operations.JSON
                .createObjectNode()
                .put("type", "write")
                .put("mbean", "java.lang:type=Memory")
                .put("attribute", "Verbose")
                .put("value", true)));
        assertRefused(operator.post(Operations.Jolokia.readRequest("java.lang:type=Runtime", "SystemProperties")));
        // what the policy allows still works on the same MBeans
        assertThat(operator.read("java.lang:type=Runtime", "Uptime")).isNotNull();
        assertThat(operator.invoke("java.lang:type=Memory", "gc")).isNull();
    }

    /** Guards against operations served to anyone who reaches the management port when authentication is off. */
    @Test
    void without_management_authentication_jolokia_is_not_served() {
        java.util.Map<String, String> s = CaravanApp.settings("jdbc:h2:mem:no-auth" + System.nanoTime(), "sa", "");
        s.put("camel.management.authenticationEnabled", "false");
        try (CaravanApp open = CaravanApp.start(s)) {
            assertThat(open.managementStatus("/observe/jolokia/version", null)).isEqualTo(404);
            assertThat(open.managementStatus("/health/live", null)).isEqualTo(200);
        }
    }

    /** Jolokia answers a refusal with HTTP 200 and status 403 in its JSON body. */
    private static void assertRefused(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode body = Operations.Jolokia.body(response);
        assertThat(body.path("status").asInt()).as(response.body()).isEqualTo(403);
        assertThat(body.path("error").asText()).as(response.body()).contains("forbidden");
    }
}
