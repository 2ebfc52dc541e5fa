package io.caravan;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.caravan.saga.SagaPlan;
import io.caravan.saga.SagaStarter;
import io.caravan.store.DrainProfile;
import io.caravan.store.DrainProfiles;
import io.caravan.store.RouteConfigStore;
import io.caravan.store.Sagas;
import io.caravan.store.Stores;
import io.caravan.testing.CaravanProcesses;
import io.caravan.testing.Databases;
import io.caravan.testing.EmbeddedKafka;
import io.caravan.testing.Events;
import io.caravan.testing.TemplateRow;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Guards against a saga step posted twice under different keys, or skipped, when the process dies: caravan runs as a
 * separate JVM on PostgreSQL and is killed with SIGKILL at one of two points, then started again. The killed holder's
 * route lock runs out (3 s lease) and the new process resumes the saga at its first unfinished step.
 *
 * <ul>
 *   <li>between a step's call and its state save: the target holds step 3's call (its intent saved, its result not);
 *   <li>right after a step's save: step 2's result is committed and step 3's intent waits on a row lock the test
 *       holds, so nothing of step 3 is recorded or sent.
 * </ul>
 */
class SagaCrashRecoveryIT {
    /** Each test's own saga row: its own consumer group, so a member the other test's killed process left behind in
     * the group (until its session times out) does not hold up this test's first poll. */
    private String route;

    private static final String PLAN = "sap-project-setup";
    private static final String PROJECT = "WF-crash";
    private static final List<String> STEPS =
            List.of("create-project", "wbs-l1", "wbs-l2", "wbs-l3", "planned-allocations", "financial-plan");
    private static final List<String> PATHS = List.of(
            "/sap/projects", "/sap/wbs/l1", "/sap/wbs/l2", "/sap/wbs/l3", "/sap/allocations", "/sap/financial-plans");
    private final CaravanProcesses processes = new CaravanProcesses();
    private WireMockServer sap;
    private String storeDb;

    @AfterEach
    void tearDown() {
        processes.close();
        if (sap != null) {
            sap.stop();
        }
    }

    @Test
    void killed_while_a_step_is_in_flight_then_restarted_resends_only_that_step_with_the_same_key() throws Exception {
        route = "sap-setup-crash";
        startTarget(Duration.ofSeconds(60)); // step 3 is held until the process is killed
        String topic = "projects-crash-" + System.nanoTime();
        EmbeddedKafka.createTopic(topic, 1);
        Events.send(topic, PROJECT, "{\"wfProjectId\":\"" + PROJECT + "\",\"name\":\"Crash\",\"budget\":7}");
        DataSource store = store(topic);
        Map<String, String> env = environment();

        Sagas sagas = new Sagas(store, Clock.systemUTC());
        Process first = processes.start(env, "saga-crash-recovery-run-1.log");
        await().atMost(Duration.ofSeconds(40))
                .pollInterval(Duration.ofMillis(20))
                .ignoreExceptions()
                .until(() -> step("wbs-l2", sagas).status().equals(Sagas.CALLING) && posts("wbs/l2") == 1);
        first.destroyForcibly().waitFor(); // SIGKILL while the target holds the call: no result saved
        assertThat(sagas.steps(PLAN, PROJECT))
                .extracting(Sagas.Step::status)
                .containsExactly(Sagas.DONE, Sagas.DONE, Sagas.CALLING, Sagas.PENDING, Sagas.PENDING, Sagas.PENDING);
        String intentHash = step("wbs-l2", sagas).requestHash();

        sap.resetMappings();
        stub(Duration.ZERO);
        processes.start(env, "saga-crash-recovery-run-2.log");
        await().atMost(Duration.ofSeconds(40))
                .until(() -> sagas.find(PLAN, PROJECT).orElseThrow().status().equals(Sagas.COMPLETED));

        Map<String, Set<String>> keysByPath = keysByPath();
        assertThat(keysByPath).as("every step posted, each under its one key").hasSize(6);
        for (int i = 0; i < STEPS.size(); i++) {
            assertThat(keysByPath.get(PATHS.get(i)))
                    .containsExactly("SAP:PROJECT_SETUP:" + PROJECT + ":" + STEPS.get(i));
        }
        assertThat(posts("projects")).as("a saved step is not posted again").isEqualTo(1);
        assertThat(posts("wbs/l1")).isEqualTo(1);
        assertThat(posts("wbs/l2"))
                .as("the step in flight is re-sent once, same key")
                .isEqualTo(2);
        assertThat(step("wbs-l2", sagas).requestHash())
                .as("same request re-sent")
                .isEqualTo(intentHash);
        assertThat(sap.getAllServeEvents().stream()
                        .filter(e -> e.getRequest().getUrl().equals("/sap/wbs/l2"))
                        .map(e -> e.getRequest().getBodyAsString())
                        .distinct())
                .hasSize(1);
    }

    /**
     * The second kill point: after step 2's result is committed and before step 3's intent. The test holds step 3's
     * row (SELECT ... FOR UPDATE), so the process's fenced intent waits exactly there; it is killed while waiting.
     */
    @Test
    void killed_right_after_a_step_is_saved_then_restarted_posts_every_step_once() throws Exception {
        route = "sap-setup-saved";
        startTarget(Duration.ZERO);
        String topic = "projects-saved-" + System.nanoTime();
        EmbeddedKafka.createTopic(topic, 1);
        DataSource store = store(topic);
        Map<String, String> env = environment();
        Sagas sagas = new Sagas(store, Clock.systemUTC());
        SagaPlan plan = SagaPlan.parse(Files.readString(Path.of("routes/sagas/" + PLAN + ".yaml")));
        // the saga waits PENDING, as one started from an event or resumed by an operator does
        assertThat(new SagaStarter(route, sagas)
                        .start(plan, "{\"wfProjectId\":\"" + PROJECT + "\",\"name\":\"Saved\",\"budget\":8}"))
                .isPresent();

        try (Connection hold = store.getConnection()) {
            hold.setAutoCommit(false);
            try (PreparedStatement ps = hold.prepareStatement("SELECT step FROM saga_step"
                    + " WHERE plan_name = ? AND business_key = ? AND step = 'wbs-l2' FOR UPDATE")) {
                ps.setString(1, PLAN);
                ps.setString(2, PROJECT);
                ps.executeQuery().close();
            }
            Process first = processes.start(env, "saga-crash-recovery-saved-run-1.log");
            await().atMost(Duration.ofSeconds(40))
                    .pollInterval(Duration.ofMillis(50))
                    .ignoreExceptions()
                    .until(() -> step("wbs-l1", sagas).status().equals(Sagas.DONE) && waitingOnALock(store));
            first.destroyForcibly().waitFor(); // SIGKILL after step 2's save, before step 3's intent
            hold.rollback();
        }
        assertThat(sagas.steps(PLAN, PROJECT))
                .extracting(Sagas.Step::status)
                .containsExactly(Sagas.DONE, Sagas.DONE, Sagas.PENDING, Sagas.PENDING, Sagas.PENDING, Sagas.PENDING);
        assertThat(posts("wbs/l2")).as("step 3 was neither recorded nor sent").isZero();

        processes.start(env, "saga-crash-recovery-saved-run-2.log");
        await().atMost(Duration.ofSeconds(40))
                .until(() -> sagas.find(PLAN, PROJECT).orElseThrow().status().equals(Sagas.COMPLETED));

        Map<String, Set<String>> keysByPath = keysByPath();
        assertThat(keysByPath).as("every step posted").hasSize(6);
        for (int i = 0; i < STEPS.size(); i++) {
            assertThat(keysByPath.get(PATHS.get(i)))
                    .containsExactly("SAP:PROJECT_SETUP:" + PROJECT + ":" + STEPS.get(i));
        }
        assertThat(sap.getAllServeEvents())
                .as("no step posted twice: the saved ones not again, the next one once")
                .hasSize(6);
    }

    private void startTarget(Duration wbsL2Delay) {
        sap = new WireMockServer(wireMockConfig().dynamicPort().containerThreads(20));
        sap.start();
        stub(wbsL2Delay);
    }

    /** A fresh PostgreSQL store with the saga row on {@code topic} (3 s lease in the process environment). */
    private DataSource store(String topic) {
        storeDb = Databases.emptyPostgresDatabase();
        DataSource store = Databases.pool(Databases.postgresJdbcUrl(storeDb), "postgres", "");
        Stores.migrate(store);
        new DrainProfiles(store).upsert(new DrainProfile("CRASH_SAGA", Duration.ofSeconds(1), 5, 1, "test"));
        new RouteConfigStore(store, Clock.systemUTC())
                .upsert(
                        TemplateRow.saga(route, "CRASH_SAGA", topic, PLAN, sap.baseUrl() + "/sap")
                                .row(),
                        "test");
        return store;
    }

    /** A production process on the store with a 3 s saga lease, so a killed holder's sagas are taken over soon. */
    private Map<String, String> environment() {
        Map<String, String> env = CaravanProcesses.productionEnvironment(storeDb);
        env.put("CARAVAN_SAGA_LEASE", "3s");
        env.put("CARAVAN_EGRESS_ALLOWED_HOSTS", "localhost");
        env.put("CAMEL_COMPONENT_KAFKA_BROKERS", EmbeddedKafka.bootstrapServers());
        return env;
    }

    /** True while some session of the store's database waits for a row lock (the process's step-3 intent). */
    private static boolean waitingOnALock(DataSource store) throws Exception {
        try (Connection c = store.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM pg_stat_activity"
                        + " WHERE wait_event_type = 'Lock' AND datname = current_database()");
                ResultSet rs = ps.executeQuery()) {
            return rs.next() && rs.getInt(1) > 0;
        }
    }

    private Map<String, Set<String>> keysByPath() {
        return sap.getAllServeEvents().stream()
                .collect(Collectors.groupingBy(
                        e -> e.getRequest().getUrl(),
                        Collectors.mapping(
                                e -> e.getRequest().getHeader("Idempotency-Key"),
                                Collectors.toCollection(TreeSet::new))));
    }

    private void stub(Duration wbsL2Delay) {
        sap.stubFor(post(urlPathEqualTo("/sap/projects"))
                .willReturn(aResponse().withStatus(201).withBody("{\"projectId\":\"P-9\"}")));
        sap.stubFor(post(urlPathMatching("/sap/wbs/l[13]"))
                .willReturn(aResponse().withStatus(201).withBody("{\"wbsId\":\"W-9\"}")));
        sap.stubFor(post(urlPathEqualTo("/sap/wbs/l2"))
                .willReturn(aResponse()
                        .withStatus(201)
                        .withBody("{\"wbsId\":\"W-2\"}")
                        .withFixedDelay((int) wbsL2Delay.toMillis())));
        sap.stubFor(post(urlPathMatching("/sap/(allocations|financial-plans)"))
                .willReturn(aResponse().withStatus(201).withBody("{\"documentId\":\"D-9\"}")));
    }

    private long posts(String path) {
        return sap.getAllServeEvents().stream()
                .filter(e -> e.getRequest().getUrl().equals("/sap/" + path))
                .count();
    }

    private static Sagas.Step step(String name, Sagas sagas) {
        return sagas.steps(PLAN, PROJECT).stream()
                .filter(s -> s.step().equals(name))
                .findFirst()
                .orElseThrow();
    }
}
