package io.caravan.saga;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.caravan.ops.SagasControl;
import io.caravan.store.DeadLetter;
import io.caravan.store.DrainProfile;
import io.caravan.store.OpsAudit;
import io.caravan.store.ReplayRequest;
import io.caravan.store.ReplayRequests;
import io.caravan.store.Sagas;
import io.caravan.testing.CaravanApp;
import io.caravan.testing.Databases;
import io.caravan.testing.EmbeddedKafka;
import io.caravan.testing.Events;
import io.caravan.testing.TemplateRow;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The saga row in the whole app: project events from Kafka start sagas that complete or fail, and an operator sees
 * and resumes them over JMX.
 */
class SagaFlowTest {
    @RegisterExtension
    static final WireMockExtension SAP = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort())
            .build();

    static final String PLAN = "sap-project-setup";

    static void stubSap() {
        SAP.stubFor(post(urlPathEqualTo("/sap/projects"))
                .willReturn(aResponse()
                        .withStatus(201)
                        .withBody("{\"projectId\":\"P-{{jsonPath request.body '$.wfProjectId'}}\"}")
                        .withTransformers("response-template")));
        SAP.stubFor(post(urlPathMatching("/sap/wbs/l[123]"))
                .willReturn(aResponse().withStatus(201).withBody("{\"wbsId\":\"W-1\"}")));
        SAP.stubFor(post(urlPathMatching("/sap/(allocations|financial-plans)"))
                .willReturn(aResponse().withStatus(201).withBody("{\"documentId\":\"D-1\"}")));
    }

    static Map<String, Long> postsPerKey() {
        return SAP.getAllServeEvents().stream()
                .map(e -> e.getRequest().getHeader("Idempotency-Key"))
                .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
    }

    /**
     * Guards against project events not starting sagas, a failed saga not visible or not resumable over JMX, and a
     * repeated event running a project again.
     */
    @Test
    void project_events_start_sagas_that_complete_fail_and_resume_over_jmx() throws Exception {
        try (CaravanApp app =
                CaravanApp.start(settings("jdbc:h2:mem:saga_" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa"))) {
            stubSap();
            SAP.stubFor(post(urlPathEqualTo("/sap/wbs/l2"))
                    .withRequestBody(containing("P-WF-bad"))
                    .atPriority(1)
                    .willReturn(aResponse().withStatus(422).withBody("{\"error\":\"cost center locked\"}")));
            String topic = "projects-" + UUID.randomUUID();
            String routeId = sagaRow(app, "sap-setup", topic);

            Events.send(topic, "WF-good", "{\"wfProjectId\":\"WF-good\",\"name\":\"Good\",\"budget\":10}");
            Events.send(topic, "WF-bad", "{\"wfProjectId\":\"WF-bad\",\"name\":\"Bad\",\"budget\":20}");
            Sagas sagas = new Sagas(app.store(), Clock.systemUTC());
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> status(sagas, "WF-good").equals(Sagas.COMPLETED)
                            && status(sagas, "WF-bad").equals(Sagas.FAILED));

            MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
            ObjectName name = new ObjectName(SagasControl.OBJECT_NAME);
            String[] failed = (String[])
                    jmx.invoke(name, "sagas", new Object[] {"FAILED", 10}, new String[] {"java.lang.String", "int"});
            assertThat(failed).anySatisfy(l -> assertThat(l).startsWith(PLAN + "/WF-bad FAILED step=wbs-l2"));
            String[] good = (String[]) jmx.invoke(
                    name, "saga", new Object[] {PLAN, "WF-good"}, new String[] {"java.lang.String", "java.lang.String"
                    });
            assertThat(good).hasSize(7);
            assertThat(good[1]).contains("create-project DONE").contains("result={\"projectId\":\"P-WF-good\"}");

            SAP.resetAll();
            stubSap();
            String resumed = (String) jmx.invoke(name, "resume", new Object[] {PLAN, "WF-bad", ""}, new String[] {
                "java.lang.String", "java.lang.String", "java.lang.String"
            });
            assertThat(resumed).contains("PENDING");
            Events.send(topic, "WF-good", "{\"wfProjectId\":\"WF-good\",\"name\":\"Good again\",\"budget\":10}");
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> status(sagas, "WF-bad").equals(Sagas.COMPLETED));

            assertThat(postsPerKey())
                    .as("after the fix only the failed step and the ones after it are posted; the repeated event"
                            + " for a completed project posts nothing")
                    .containsOnlyKeys(
                            "SAP:PROJECT_SETUP:WF-bad:wbs-l2",
                            "SAP:PROJECT_SETUP:WF-bad:wbs-l3",
                            "SAP:PROJECT_SETUP:WF-bad:planned-allocations",
                            "SAP:PROJECT_SETUP:WF-bad:financial-plan")
                    .allSatisfy((k, n) -> assertThat(n).isEqualTo(1L));
            assertThat(app.audit()).isNotNull();
            app.routeConfig().setEnabled(routeId, false, "test");
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> !app.reconciler().running().contains(routeId));
        }
    }

    /**
     * Guards against the replay of a failed saga's dead letter rerunning the saga (its completed steps called again)
     * or leaving it failed, and against a step that still fails feeding the replay a new dead letter each time (a
     * replay that never ends).
     */
    @Test
    void replaying_failed_sagas_resumes_them_from_the_failed_step_and_a_step_that_still_fails_does_not_loop()
            throws Exception {
        try (CaravanApp app =
                CaravanApp.start(settings("jdbc:h2:mem:saga_" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa"))) {
            stubSap();
            SAP.stubFor(post(urlPathEqualTo("/sap/wbs/l2"))
                    .withRequestBody(containing("P-WF-outage"))
                    .atPriority(1)
                    .willReturn(aResponse().withStatus(503)));
            stubRejected();
            String topic = "projects-" + UUID.randomUUID();
            String routeId = sagaRow(app, "sap-replay", topic);
            Events.send(topic, "WF-outage", "{\"wfProjectId\":\"WF-outage\",\"name\":\"Outage\",\"budget\":1}");
            Events.send(topic, "WF-rejected", "{\"wfProjectId\":\"WF-rejected\",\"name\":\"No\",\"budget\":2}");
            Sagas sagas = new Sagas(app.store(), Clock.systemUTC());
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> status(sagas, "WF-outage").equals(Sagas.FAILED)
                            && status(sagas, "WF-rejected").equals(Sagas.FAILED));
            assertThat(app.deadLetters().findByRoute(routeId))
                    .extracting(DeadLetter::idempotencyKey)
                    .containsExactlyInAnyOrder(
                            "SAP:PROJECT_SETUP:WF-outage:wbs-l2", "SAP:PROJECT_SETUP:WF-rejected:wbs-l2");

            // the outage is over; the rejection is not
            SAP.resetAll();
            stubSap();
            stubRejected();
            MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
            ObjectName deadLetters = new ObjectName("io.caravan:type=DeadLetters");
            String answer = (String)
                    jmx.invoke(deadLetters, "replayFilter", new Object[] {routeId, "", "", "", "", 50}, new String[] {
                        "java.lang.String",
                        "java.lang.String",
                        "java.lang.String",
                        "java.lang.String",
                        "java.lang.String",
                        "int"
                    });
            long request = requestId(answer);
            ReplayRequests requests = new ReplayRequests(app.store(), Clock.systemUTC());
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> requests.find(request).orElseThrow().status() == ReplayRequest.Status.DONE);

            assertThat(status(sagas, "WF-outage")).isEqualTo(Sagas.COMPLETED);
            assertThat(status(sagas, "WF-rejected")).isEqualTo(Sagas.FAILED);
            assertThat(postsPerKey())
                    .as("steps 1-2 of the resumed saga are not posted again, 3-6 once each; the rejected step once")
                    .containsOnlyKeys(
                            "SAP:PROJECT_SETUP:WF-outage:wbs-l2",
                            "SAP:PROJECT_SETUP:WF-outage:wbs-l3",
                            "SAP:PROJECT_SETUP:WF-outage:planned-allocations",
                            "SAP:PROJECT_SETUP:WF-outage:financial-plan",
                            "SAP:PROJECT_SETUP:WF-rejected:wbs-l2")
                    .allSatisfy((k, n) -> assertThat(n).isEqualTo(1L));
            List<DeadLetter> letters = app.deadLetters().findByRoute(routeId);
            assertThat(letters)
                    .as("the step that still fails adds no dead letter")
                    .hasSize(2);
            DeadLetter outage = letter(letters, "WF-outage");
            assertThat(outage.replayStatus()).isEqualTo(DeadLetter.REPLAYED);
            DeadLetter rejected = letter(letters, "WF-rejected");
            assertThat(rejected.replayStatus()).isEqualTo(DeadLetter.FAILED_AGAIN);
            assertThat(app.deadLetters().recent(routeId, 10))
                    .filteredOn(l -> l.letter().id() == rejected.id())
                    .singleElement()
                    .satisfies(l ->
                            assertThat(l.replayReason()).startsWith("PERMANENT").contains("wbs-l2"));
            ReplayRequest done = requests.find(request).orElseThrow();
            assertThat(done.resent()).isEqualTo(1);
            assertThat(done.failedAgain()).isEqualTo(1);

            // the resumed saga's entry again: already delivered, nothing posted
            SAP.resetRequests();
            long again = requestId(
                    (String) jmx.invoke(deadLetters, "replay", new Object[] {outage.id()}, new String[] {"long"}));
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> requests.find(again).orElseThrow().status() == ReplayRequest.Status.DONE);
            assertThat(app.deadLetters().find(outage.id()).orElseThrow().replayStatus())
                    .isEqualTo(DeadLetter.ALREADY_DELIVERED);
            assertThat(SAP.getAllServeEvents()).isEmpty();
            assertThat(new OpsAudit(app.store(), Clock.systemUTC()).recent(20))
                    .as("the operator's replays are audited")
                    .filteredOn(e -> e.operation().equals("replayFilter")
                            || e.operation().equals("replay"))
                    .extracting(OpsAudit.Entry::principal)
                    .containsOnly("jmx:local")
                    .hasSize(2);
        }
    }

    /**
     * Guards against two caravan instances (two whole apps with their own owners, one PostgreSQL store, one consumer
     * group) running one project at once: every project event is published twice, on both partitions, and each
     * instance also runs the other's PENDING sagas when it finds them, so both race for the same sagas' locks. Each
     * step must be posted once under its key, and a project's steps one after another (one holder at a time).
     */
    @Test
    void two_caravan_instances_racing_the_same_projects_post_each_step_once_one_holder_at_a_time() throws Exception {
        String url = Databases.postgresJdbcUrl(Databases.emptyPostgresDatabase());
        int delay = 150;
        SAP.stubFor(post(urlPathMatching("/sap/.*"))
                .willReturn(aResponse()
                        .withStatus(201)
                        .withBody("{\"projectId\":\"P-1\",\"wbsId\":\"W-1\",\"documentId\":\"D-1\"}")
                        .withFixedDelay(delay)));
        String topic = "projects-race-" + UUID.randomUUID();
        EmbeddedKafka.createTopic(topic, 2);
        String routeId = "sap-race-" + UUID.randomUUID().toString().substring(0, 8);
        try (CaravanApp a = CaravanApp.start(settings(url, "postgres"));
                CaravanApp b = CaravanApp.start(settings(url, "postgres"))) {
            a.profiles().upsert(new DrainProfile("TEST_SAGA", Duration.ofSeconds(1), 5, 2, "test"));
            a.routeConfig()
                    .upsert(
                            TemplateRow.saga(
                                            routeId,
                                            "TEST_SAGA",
                                            topic,
                                            PLAN,
                                            "http://localhost:" + SAP.getPort() + "/sap")
                                    .row(),
                            "test");
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> a.reconciler().running().contains(routeId)
                            && b.reconciler().running().contains(routeId));
            assertThat(a.ledger().owner()).isNotEqualTo(b.ledger().owner());
            List<String> projects = List.of("WF-race-1", "WF-race-2", "WF-race-3", "WF-race-4");
            for (String project : projects) {
                String event = "{\"wfProjectId\":\"" + project + "\",\"name\":\"Race\",\"budget\":3}";
                for (int partition = 0; partition < 2; partition++) {
                    Events.send(topic, partitionKey(partition), event);
                }
            }
            Sagas sagas = new Sagas(a.store(), Clock.systemUTC());
            await().atMost(Duration.ofSeconds(60)).until(() -> projects.stream()
                    .allMatch(p -> status(sagas, p).equals(Sagas.COMPLETED)));

            assertThat(postsPerKey())
                    .hasSize(24)
                    .allSatisfy((k, n) -> assertThat(n).as(k).isEqualTo(1L));
            for (String project : projects) {
                List<Long> received = SAP.getAllServeEvents().stream()
                        .filter(e -> e.getRequest().getHeader("Idempotency-Key").contains(":" + project + ":"))
                        .map(e -> e.getRequest().getLoggedDate().getTime())
                        .sorted()
                        .toList();
                for (int i = 1; i < received.size(); i++) {
                    assertThat(received.get(i) - received.get(i - 1))
                            .as("%s: a step is posted only after the one before it was answered", project)
                            .isGreaterThanOrEqualTo(delay - 10L);
                }
            }
            a.routeConfig().setEnabled(routeId, false, "test");
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> !a.reconciler().running().contains(routeId)
                            && !b.reconciler().running().contains(routeId));
        }
    }

    /** A record key the producer's default partitioner puts on {@code partition} of a two-partition topic. */
    private static String partitionKey(int partition) {
        for (int i = 0; ; i++) {
            String key = "k" + i;
            if (Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % 2 == partition) {
                return key;
            }
        }
    }

    /** One app's settings on the store at {@code url}, with the in-JVM Kafka. */
    private static Map<String, String> settings(String url, String user) {
        Map<String, String> settings = CaravanApp.settings(url, user, "");
        settings.put("camel.component.kafka.brokers", EmbeddedKafka.bootstrapServers());
        return settings;
    }

    /** A running saga row of the plan on a new topic, its profile 5 sagas x 2 cycles a second, 2 attempts a step. */
    private static String sagaRow(CaravanApp app, String prefix, String topic) {
        app.profiles().upsert(new DrainProfile("TEST_SAGA", Duration.ofSeconds(1), 5, 2, "test"));
        EmbeddedKafka.createTopic(topic, 1);
        String routeId = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        app.routeConfig()
                .upsert(
                        TemplateRow.saga(
                                        routeId, "TEST_SAGA", topic, PLAN, "http://localhost:" + SAP.getPort() + "/sap")
                                .retry(2, 50, 100)
                                .row(),
                        "test");
        await().atMost(Duration.ofSeconds(15))
                .until(() -> app.reconciler().running().contains(routeId));
        return routeId;
    }

    private static void stubRejected() {
        SAP.stubFor(post(urlPathEqualTo("/sap/wbs/l2"))
                .withRequestBody(containing("P-WF-rejected"))
                .atPriority(1)
                .willReturn(aResponse().withStatus(422).withBody("{\"error\":\"cost center locked\"}")));
    }

    private static DeadLetter letter(List<DeadLetter> letters, String project) {
        return letters.stream()
                .filter(d -> d.idempotencyKey().contains(":" + project + ":"))
                .findFirst()
                .orElseThrow();
    }

    private static long requestId(String answer) {
        Matcher m = Pattern.compile("replay request (\\d+)").matcher(answer);
        assertThat(m.find()).as(answer).isTrue();
        return Long.parseLong(m.group(1));
    }

    private static String status(Sagas sagas, String key) {
        return sagas.find(PLAN, key).map(Sagas.Saga::status).orElse("NONE");
    }
}
