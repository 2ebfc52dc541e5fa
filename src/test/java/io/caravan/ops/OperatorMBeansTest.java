package io.caravan.ops;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.caravan.store.AuditEntry;
import io.caravan.store.DrainProfile;
import io.caravan.store.Execution;
import io.caravan.store.ExecutionStatus;
import io.caravan.store.OpsAudit;
import io.caravan.store.RouteConfigRow;
import io.caravan.testing.CaravanApp;
import io.caravan.testing.Databases;
import io.caravan.testing.FeedFixture;
import io.caravan.testing.FeedRow;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.camel.ServiceStatus;
import org.apache.camel.component.micrometer.MicrometerConstants;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every operation of caravan's MBeans, driven once through JMX and once through Jolokia with an operator's
 * credentials: what each changes, that the reconciler keeps to it, and that ops_audit names who did it.
 */
class OperatorMBeansTest {
    static final Instant T0 = Instant.parse("2026-11-20T10:00:00Z");
    static final String FEED = "ops-feed";
    static final String HOURLY = "hourly-feed";

    @RegisterExtension
    static final WireMockExtension TARGET = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort())
            .build();

    @TempDir
    Path dir;

    FeedFixture feeds;
    FeedFixture.Source source;
    CaravanApp app;

    @BeforeEach
    void setUp() throws Exception {
        TARGET.stubFor(post(urlEqualTo("/a")).willReturn(aResponse().withStatus(200)));
        TARGET.stubFor(post(urlEqualTo("/b")).willReturn(aResponse().withStatus(200)));
        feeds = FeedFixture.start(Databases.Backend.H2, OperatorFixture.settings(dir));
        app = feeds.app();
        source = feeds.newSource();
        // ten minutes apart: the 2 m overlap re-reads only the newest row, so a re-read of all five is the reset's
        for (int id = 1; id <= 5; id++) {
            source.table().insert(id, 1, "{\"n\":" + id + "}", T0.plus(Duration.ofMinutes(10L * (id - 1))));
        }
        app.profiles().upsert(new DrainProfile("TEST_FAST", Duration.ofSeconds(1), 10, 2, "test"));
        app.profiles().upsert(new DrainProfile("TEST_CATCHUP", Duration.ofSeconds(1), 10, 4, "test catch-up"));
    }

    @AfterEach
    void tearDown() {
        feeds.close();
    }

    FeedRow feed(String id, String path, String schedule) {
        return FeedRow.jdbc(id, "TEST_FAST", source.name(), TARGET.baseUrl() + path)
                .key("K" + path + ":${body[id]}:${body[revision]}")
                .schedule(schedule)
                .retry(2, 50, 200);
    }

    Operations channel(String name) {
        return name.equals("jmx")
                ? Operations.jmx()
                : Operations.jolokia(app, OperatorFixture.USER, OperatorFixture.PASSWORD);
    }

    ServiceStatus status(String routeId) {
        return app.camel().getRouteController().getRouteStatus(routeId);
    }

    List<OpsAudit.Entry> opsAudit() {
        return new OpsAudit(app.store(), Clock.systemUTC()).recent(500);
    }

    /**
     * Guards against an MBean operation that changes nothing, changes it without the operator's name on it, or
     * that the reconciler undoes on its next pass; run through both ways an operator reaches the MBeans.
     */
    @ParameterizedTest
    @ValueSource(strings = {"jmx", "jolokia"})
    void every_operation_does_what_it_says_and_is_audited_with_the_operator(String via) {
        Operations ops = channel(via);
        String operator = ops.principal();
        feeds.startFeed(feed(FEED, "/a", "every 500ms"));
        feeds.startFeed(feed(HOURLY, "/b", "every 1h"));
        await().atMost(Duration.ofSeconds(20))
                .untilAsserted(() -> TARGET.verify(5, postRequestedFor(urlEqualTo("/a"))));

        // Watermarks: shown, reset back (all five read again, none sent again), reset to now (backlog skipped)
        String watermark = T0.plus(Duration.ofMinutes(40)) + "|5";
        assertThat(ops.attributeLines("io.caravan:type=Watermarks", "Watermarks"))
                .contains(FEED + ": " + watermark);
        assertThat(ops.text("io.caravan:type=Watermarks", "showWatermark", FEED))
                .isEqualTo(FEED + ": " + watermark);
        assertThat(ops.text(
                        "io.caravan:type=Watermarks",
                        "resetWatermark",
                        FEED,
                        T0.minusSeconds(3600).toString(),
                        ""))
                .contains("-> " + T0.minusSeconds(3600) + "|")
                .contains("read again");
        await().atMost(Duration.ofSeconds(15))
                .until(() -> app.executionLog().recent(FEED, 5).stream().anyMatch(e -> e.rowsDuplicate() == 5));
        TARGET.verify(5, postRequestedFor(urlEqualTo("/a")));
        assertThat(ops.text("io.caravan:type=Watermarks", "resetWatermarkToNow", FEED))
                .contains("starts from now")
                .contains("skipped");
        source.table().insert(6, 1, "{\"n\":6}", T0.plus(Duration.ofHours(1))); // part of the skipped backlog
        source.table().insert(7, 1, "{\"n\":7}", Instant.now().plusSeconds(1));
        await().atMost(Duration.ofSeconds(15))
                .untilAsserted(() -> TARGET.verify(6, postRequestedFor(urlEqualTo("/a"))));
        feeds.awaitMoreExecutions(FEED, 2);
        TARGET.verify(6, postRequestedFor(urlEqualTo("/a")));
        assertThat(resets("now")).isEqualTo(1.0);
        assertThat(resets("position")).isEqualTo(1.0);
        assertThatThrownBy(() -> ops.invoke("io.caravan:type=Watermarks", "resetWatermark", FEED, "yesterday", "1"))
                .hasMessageContaining("updatedAt 'yesterday' is not an ISO-8601 instant");

        // Profiles: the budget before and after, then the switch as a row change by the operator
        assertThat(ops.text("io.caravan:type=Profiles", "previewProfile", FEED, "TEST_CATCHUP"))
                .isEqualTo(
                        FEED + ": TEST_FAST (up to 10 x 2 = 20 per execution, every 1 s) -> TEST_CATCHUP (up to 10 x 4"
                                + " = 40 per execution, every 1 s) (the row's schedule 'every 500ms' sets the interval)");
        assertThat(ops.attributeLines("io.caravan:type=Profiles", "Profiles"))
                .contains("TEST_CATCHUP (up to 10 x 4 = 40 per execution, every 1 s)");
        long version = app.routeConfig().find(FEED).orElseThrow().version();
        assertThat(ops.text("io.caravan:type=Profiles", "switchProfile", FEED, "TEST_CATCHUP"))
                .startsWith("switched at version " + (version + 1));
        RouteConfigRow switched = app.routeConfig().find(FEED).orElseThrow();
        assertThat(switched.profile()).isEqualTo("TEST_CATCHUP");
        assertThat(switched.updatedBy()).isEqualTo(operator);
        assertThat(app.audit().forRoute(FEED))
                .filteredOn(a -> a.action().equals("UPDATED"))
                .singleElement()
                .satisfies(a -> {
                    assertThat(a.changedBy()).isEqualTo(operator);
                    assertThat(a.newValue()).contains("\"profile\":\"TEST_CATCHUP\"");
                });
        assertThatThrownBy(() -> ops.invoke("io.caravan:type=Profiles", "switchProfile", FEED, "NO_SUCH"))
                .hasMessageContaining("unknown drain profile 'NO_SUCH'");

        // Config: a candidate row gets exactly the reconciler's messages, without being applied
        String candidate = "routeId: candidate\ntemplate: watermark-feed\nprofile: NO_SUCH\nparams:\n  colour: red\n";
        List<String> messages = ops.lines("io.caravan:type=Config", "validateRow", candidate);
        assertThat(app.routeConfig().find("candidate")).isEmpty();
        assertThat(messages).anyMatch(m -> m.startsWith("route_config row 'candidate', column profile: "));
        app.routeConfig()
                .upsert(
                        io.caravan.config.RouteConfigSeed.parseRow(candidate, "test")
                                .rows()
                                .get(0),
                        "test");
        assertThat(ops.text("io.caravan:type=Config", "reconcileNow")).startsWith("changed: ");
        assertThat(app.reconciler().rejected().get("candidate").problems())
                .extracting(io.caravan.config.ConfigProblem::message)
                .containsExactlyInAnyOrderElementsOf(messages);
        assertThat(ops.attributeLines("io.caravan:type=Config", "RejectedRows")).containsAll(messages);
        assertThat(ops.attributeLines("io.caravan:type=Config", "RunningRoutes"))
                .contains(FEED, HOURLY);
        String valid = "{\"routeId\": \"" + FEED
                + "-copy\", \"template\": \"watermark-feed\", \"profile\": \"TEST_FAST\","
                + " \"schedule\": \"every 1h\", \"params\": {\"sourceKind\": \"jdbc\", \"sourceDataSource\": \""
                + source.name() + "\", \"sourceQuery\": \"source-rows\", \"key\": \"C:${body[id]}\", \"target\": \""
                + TARGET.baseUrl() + "/c\"}}";
        assertThat(ops.lines("io.caravan:type=Config", "validateRow", valid))
                .containsExactly(
                        "valid: route_config row '" + FEED + "-copy' would run template watermark-feed",
                        "no stored row with this route id: writing it creates the route");

        // Routes: disable and enable write the row; pause keeps the row enabled and the route stopped
        assertThat(ops.text("io.caravan:type=Routes", "disable", FEED)).contains("disabled at version");
        assertThat(app.camel().getRoute(FEED)).isNull();
        assertThat(app.routeConfig().find(FEED).orElseThrow().updatedBy()).isEqualTo(operator);
        assertThat(ops.text("io.caravan:type=Routes", "enable", FEED)).contains("enabled at version");
        assertThat(status(FEED)).isEqualTo(ServiceStatus.Started);
        assertThat(ops.text("io.caravan:type=Routes", "pause", FEED)).isEqualTo(FEED + " paused; route Stopped");
        assertThat(app.routeConfig().find(FEED).orElseThrow().enabled()).isTrue();
        ops.text("io.caravan:type=Config", "reconcileNow");
        assertThat(status(FEED)).isEqualTo(ServiceStatus.Stopped);
        assertThat(ops.attributeLines("io.caravan:type=Routes", "Routes"))
                .anyMatch(r -> r.startsWith(FEED + ": enabled, paused, route Stopped"));
        assertThat(ops.text("io.caravan:type=Routes", "resume", FEED)).isEqualTo(FEED + " resumed; route Started");
        assertThat(app.audit().forRoute(FEED))
                .filteredOn(a -> a.action().equals("PAUSED") || a.action().equals("RESUMED"))
                .extracting(AuditEntry::action, AuditEntry::changedBy)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("PAUSED", operator),
                        org.assertj.core.groups.Tuple.tuple("RESUMED", operator));
        assertThatThrownBy(() -> ops.invoke("io.caravan:type=Routes", "pause", "no-such-route"))
                .hasMessageContaining("no route_config row for route 'no-such-route'");

        // Executions: recent ones, an INCOMPLETE one, and its re-run through the route's own quartz job
        await().atMost(Duration.ofSeconds(15)).until(() -> completed(HOURLY) == 1);
        long incomplete = app.executionLog().begin(HOURLY);
        app.executionLog().abandonRunning(HOURLY, "the process ended while it ran");
        assertThat(ops.lines("io.caravan:type=Executions", "recentExecutions", HOURLY, 5))
                .hasSize(2)
                .first()
                .asString()
                .startsWith("#" + incomplete + " INCOMPLETE");
        assertThat(ops.lines("io.caravan:type=Executions", "incompleteExecutions", HOURLY))
                .singleElement()
                .asString()
                .contains("the process ended while it ran");
        assertThat(ops.text("io.caravan:type=Executions", "rerunIncomplete", incomplete))
                .contains("fired now");
        await().atMost(Duration.ofSeconds(15)).until(() -> completed(HOURLY) == 2);
        assertThatThrownBy(() -> ops.invoke("io.caravan:type=Executions", "rerunIncomplete", incomplete - 1))
                .hasMessageContaining("not INCOMPLETE");

        List<OpsAudit.Entry> audit = opsAudit();
        assertThat(audit).extracting(OpsAudit.Entry::principal).containsOnly(operator);
        assertThat(audit)
                .extracting(OpsAudit.Entry::operation)
                .contains(
                        "showWatermark",
                        "resetWatermark",
                        "resetWatermarkToNow",
                        "previewProfile",
                        "switchProfile",
                        "validateRow",
                        "reconcileNow",
                        "disable",
                        "enable",
                        "pause",
                        "resume",
                        "recentExecutions",
                        "incompleteExecutions",
                        "rerunIncomplete");
        assertThat(audit)
                .filteredOn(e -> e.operation().equals("switchProfile") && e.outcome() == OpsAudit.Outcome.OK)
                .singleElement()
                .satisfies(e -> {
                    assertThat(e.mbean()).isEqualTo("io.caravan:type=Profiles");
                    assertThat(e.arguments()).isEqualTo("{\"route\":\"ops-feed\",\"profile\":\"TEST_CATCHUP\"}");
                    assertThat(e.result()).startsWith("switched at version");
                });
        assertThat(audit)
                .filteredOn(e -> e.operation().equals("resetWatermarkToNow"))
                .singleElement()
                .satisfies(e -> assertThat(e.result()).contains("starts from now"));
        assertThat(audit)
                .filteredOn(e -> e.outcome() == OpsAudit.Outcome.REFUSED)
                .extracting(OpsAudit.Entry::operation)
                .contains("resetWatermark", "switchProfile", "pause", "rerunIncomplete");
    }

    /**
     * Guards against a pause that lives only in memory: after a restart, and after the row changed, the route must
     * still take nothing until an operator resumes it.
     */
    @Test
    void a_paused_route_stays_paused_across_a_restart_and_a_row_change_until_resumed() {
        Operations ops = Operations.jmx();
        feeds.startFeed(feed(FEED, "/a", "every 500ms"));
        await().atMost(Duration.ofSeconds(20))
                .untilAsserted(() -> TARGET.verify(5, postRequestedFor(urlEqualTo("/a"))));
        ops.text("io.caravan:type=Routes", "pause", FEED);

        feeds.restart();
        app = feeds.app();
        await().atMost(Duration.ofSeconds(15))
                .until(() -> app.reconciler().running().contains(FEED));
        assertThat(status(FEED)).isEqualTo(ServiceStatus.Stopped);
        source.table().insert(6, 1, "{\"n\":6}", Instant.now());
        ops.text("io.caravan:type=Profiles", "switchProfile", FEED, "TEST_CATCHUP"); // re-creates the route
        ops.text("io.caravan:type=Config", "reconcileNow");
        assertThat(status(FEED)).isEqualTo(ServiceStatus.Stopped);
        // a running route would deliver row 6 within a few of its 500 ms executions
        await().during(Duration.ofSeconds(2))
                .atMost(Duration.ofSeconds(3))
                .untilAsserted(() -> TARGET.verify(5, postRequestedFor(urlEqualTo("/a"))));
        assertThat(status(FEED)).isEqualTo(ServiceStatus.Stopped);

        ops.text("io.caravan:type=Routes", "resume", FEED);
        await().atMost(Duration.ofSeconds(15))
                .untilAsserted(() -> TARGET.verify(6, postRequestedFor(urlEqualTo("/a"))));
        assertThat(opsAudit()).extracting(OpsAudit.Entry::principal).containsOnly(Operator.LOCAL_JMX);
    }

    private long completed(String routeId) {
        return app.executionLog().recent(routeId, 20).stream()
                .map(Execution::status)
                .filter(s -> s != ExecutionStatus.RUNNING && s != ExecutionStatus.INCOMPLETE)
                .count();
    }

    private double resets(String kind) {
        PrometheusMeterRegistry meters = app.camel()
                .getRegistry()
                .lookupByNameAndType(MicrometerConstants.METRICS_REGISTRY_NAME, PrometheusMeterRegistry.class);
        var counter = meters.find("caravan.watermark.resets")
                .tags("route", FEED, "kind", kind)
                .counter();
        return counter == null ? 0 : counter.count();
    }

    static final class OperatorFixture {
        static final String USER = "ops";
        static final String PASSWORD = "correct-horse";

        /** JMX on (Camel's own MBeans) and basic authentication on /observe with one operator. */
        static Map<String, String> settings(Path dir) throws Exception {
            Path users = dir.resolve("users.properties");
            Files.writeString(users, "user." + USER + "=" + PASSWORD + "\n");
            return Map.of(
                    "camel.main.jmxEnabled", "true",
                    "camel.management.authenticationEnabled", "true",
                    "camel.management.basicPropertiesFile", users.toString());
        }
    }
}
