package io.caravan.config;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.caravan.store.AuditEntry;
import io.caravan.store.DrainProfile;
import io.caravan.store.ExecutionStatus;
import io.caravan.store.RouteConfigRow;
import io.caravan.testing.CaravanApp;
import io.caravan.testing.Databases;
import io.caravan.testing.FeedFixture;
import io.caravan.testing.FeedRow;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import org.apache.camel.ServiceStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The reconciler makes the running routes match route_config, row by row, while the others keep running. */
class ReconcilerTest {
    FeedFixture feeds;
    FeedFixture.Source source;
    CaravanApp app;

    @RegisterExtension
    static final WireMockExtension TARGET = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort())
            .build();

    @BeforeEach
    void setUp() {
        TARGET.stubFor(post(urlEqualTo("/a")).willReturn(aResponse().withStatus(200)));
        TARGET.stubFor(post(urlEqualTo("/b")).willReturn(aResponse().withStatus(200)));
        feeds = FeedFixture.start(Databases.Backend.H2);
        app = feeds.app();
        source = feeds.newSource();
        source.table().insert(1, 5, Instant.parse("2026-11-20T10:00:00Z"));
        app.profiles().upsert(new DrainProfile("TEST_FAST", Duration.ofSeconds(1), 10, 2, "test"));
    }

    @AfterEach
    void tearDown() {
        feeds.close();
    }

    /** Ledger keys are operation-level and global, so each route here gets its own key prefix (the path). */
    RouteConfigRow row(String id, String profile, String path) {
        return FeedRow.jdbc(id, profile, source.name(), TARGET.baseUrl() + path)
                .key("K" + path + ":${body[id]}:${body[revision]}")
                .schedule("every 500ms")
                .retry(2, 50, 200)
                .row();
    }

    ServiceStatus status(String routeId) {
        return app.camel().getRouteController().getRouteStatus(routeId);
    }

    @Test
    void invalid_row_is_rejected_with_its_reasons_while_other_routes_run() throws Exception {
        app.routeConfig().upsert(row("good-feed", "TEST_FAST", "/a"), "test");
        app.routeConfig()
                .upsert(
                        FeedRow.jdbc("bad-feed", "NO_SUCH_PROFILE", source.name(), TARGET.baseUrl() + "/b")
                                .param("colour", "red")
                                .row(),
                        "test");

        await().atMost(Duration.ofSeconds(15))
                .untilAsserted(() -> TARGET.verify(5, postRequestedFor(urlEqualTo("/a"))));
        assertThat(app.camel().getRoute("bad-feed")).isNull();
        assertThat(app.reconciler().rejected().get("bad-feed").problems())
                .extracting(ConfigProblem::message)
                .containsExactlyInAnyOrder(
                        "route_config row 'bad-feed', column profile: unknown drain profile 'NO_SUCH_PROFILE'; known: "
                                + app.profiles().all().keySet(),
                        "route_config row 'bad-feed', column params.colour: is not a parameter of template 'watermark-feed'; declared: "
                                + "[sourceKind, sourceDataSource, sourceQuery, sourceUrl, idField, updatedAtField, idType, horizon, maxHorizonWait, overlap, reconcileEvery, reconcileWindow, sourceZone, key, sink, target, targetTopic, eventType, requiredFields, parallelDeliveries]");
        assertThat(app.executionLog().recent("bad-feed", 5)).singleElement().satisfies(e -> {
            assertThat(e.status()).isEqualTo(ExecutionStatus.FAILED);
            assertThat(e.detail()).contains("column profile: unknown drain profile 'NO_SUCH_PROFILE'");
        });
        assertThat(app.audit().forRoute("bad-feed"))
                .extracting(AuditEntry::action)
                .contains("REJECTED");

        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> health = http.send(
                HttpRequest.newBuilder(URI.create(app.managementUrl("/health"))).build(),
                HttpResponse.BodyHandlers.ofString());
        // health names row and columns only: the reasons (which may quote values) are in the log and the audit
        assertThat(health.body())
                .contains("route-config")
                .contains("row 'bad-feed' columns profile, params.colour")
                .doesNotContain("NO_SUCH_PROFILE")
                .doesNotContain("is not a parameter");
        HttpResponse<String> ready = http.send(
                HttpRequest.newBuilder(URI.create(app.managementUrl("/health/ready")))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);

        javax.management.ObjectName mbean = new javax.management.ObjectName(io.caravan.ops.ConfigControl.OBJECT_NAME);
        String[] viaJmx = (String[])
                java.lang.management.ManagementFactory.getPlatformMBeanServer().getAttribute(mbean, "RejectedRows");
        assertThat(viaJmx).hasSize(2).allSatisfy(m -> assertThat(m).startsWith("route_config row 'bad-feed', column "));

        // the row's owner fixes it: the next refresh starts it
        app.routeConfig().upsert(row("bad-feed", "TEST_FAST", "/b"), "owner");
        await().atMost(Duration.ofSeconds(15))
                .untilAsserted(() -> TARGET.verify(5, postRequestedFor(urlEqualTo("/b"))));
        assertThat(app.reconciler().rejected()).doesNotContainKey("bad-feed");
    }

    @Test
    void disabled_row_stops_within_one_refresh_and_in_flight_work_finishes() {
        TARGET.stubFor(
                post(urlEqualTo("/slow")).willReturn(aResponse().withStatus(200).withFixedDelay(300)));
        app.routeConfig().upsert(row("slow-feed", "TEST_FAST", "/slow"), "test");
        await().atMost(Duration.ofSeconds(15)).until(() -> !TARGET.findAll(postRequestedFor(urlEqualTo("/slow")))
                .isEmpty());

        app.routeConfig().setEnabled("slow-feed", false, "operator");

        await().atMost(Duration.ofSeconds(10)).until(() -> app.camel().getRoute("slow-feed") == null);
        // graceful: the execution that was delivering finished and recorded its outcome
        assertThat(app.executionLog().recent("slow-feed", 10)).isNotEmpty().allSatisfy(e -> assertThat(e.status())
                .isEqualTo(ExecutionStatus.COMPLETE));
        assertThat(app.ledger().findByRoute("slow-feed")).hasSize(5).allSatisfy(entry -> assertThat(entry.status())
                .isEqualTo(io.caravan.store.LedgerStatus.DONE));
        assertThat(app.audit().forRoute("slow-feed"))
                .extracting(AuditEntry::action)
                .contains("DISABLED");
    }

    @Test
    void changed_row_is_recreated_with_its_new_parameters() {
        app.routeConfig().upsert(row("moving-feed", "TEST_FAST", "/a"), "test");
        await().atMost(Duration.ofSeconds(15))
                .untilAsserted(() -> TARGET.verify(5, postRequestedFor(urlEqualTo("/a"))));

        // same rows, new target (and so new keys): a new version re-creates the route
        app.routeConfig().upsert(row("moving-feed", "TEST_FAST", "/b"), "test");

        await().atMost(Duration.ofSeconds(15))
                .untilAsserted(() -> TARGET.verify(5, postRequestedFor(urlEqualTo("/b"))));
        assertThat(app.audit().forRoute("moving-feed"))
                .extracting(AuditEntry::action)
                .contains("RECREATING");
    }

    @Test
    void operator_stop_is_respected_until_the_operator_starts_it_or_the_row_changes() throws Exception {
        app.routeConfig().upsert(row("ops-feed", "TEST_FAST", "/a"), "test");
        await().atMost(Duration.ofSeconds(15)).until(() -> status("ops-feed") == ServiceStatus.Started);

        app.camel().getRouteController().stopRoute("ops-feed");
        Thread.sleep(1500); // five refreshes
        assertThat(status("ops-feed")).isEqualTo(ServiceStatus.Stopped);

        app.camel().getRouteController().startRoute("ops-feed");
        Thread.sleep(700);
        assertThat(status("ops-feed")).isEqualTo(ServiceStatus.Started);

        app.camel().getRouteController().stopRoute("ops-feed");
        Thread.sleep(700);
        app.routeConfig().upsert(row("ops-feed", "TEST_FAST", "/b"), "test");
        await().atMost(Duration.ofSeconds(10)).until(() -> status("ops-feed") == ServiceStatus.Started);
        assertThat(app.audit().forRoute("ops-feed"))
                .extracting(AuditEntry::action)
                .contains("OPERATOR_STOPPED", "OPERATOR_STARTED");
    }

    @Test
    void deleted_row_removes_its_route() {
        app.routeConfig().upsert(row("gone-feed", "TEST_FAST", "/a"), "test");
        await().atMost(Duration.ofSeconds(15)).until(() -> app.camel().getRoute("gone-feed") != null);
        app.routeConfig().delete("gone-feed", "test");
        await().atMost(Duration.ofSeconds(10)).until(() -> app.camel().getRoute("gone-feed") == null);
        assertThat(app.reconciler().running()).doesNotContain("gone-feed");
    }
}
