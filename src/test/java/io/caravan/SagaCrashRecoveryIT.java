package io.caravan;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
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
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
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
 * separate JVM on PostgreSQL and is killed with SIGKILL while the target holds step 3's call (its intent saved, its
 * result not; steps 1 and 2 saved), then started again. The killed holder's route lock runs out (3 s lease) and the
 * new process resumes the saga at step 3.
 */
class SagaCrashRecoveryIT {
    private static final String ROUTE = "sap-setup-crash";
    private static final String PLAN = "sap-project-setup";
    private static final String PROJECT = "WF-crash";
    private static final List<String> STEPS =
            List.of("create-project", "wbs-l1", "wbs-l2", "wbs-l3", "planned-allocations", "financial-plan");
    private final CaravanProcesses processes = new CaravanProcesses();
    private WireMockServer sap;

    @AfterEach
    void tearDown() {
        processes.close();
        if (sap != null) {
            sap.stop();
        }
    }

    @Test
    void killed_while_a_step_is_in_flight_then_restarted_resends_only_that_step_with_the_same_key() throws Exception {
        sap = new WireMockServer(wireMockConfig().dynamicPort().containerThreads(20));
        sap.start();
        stub(Duration.ofSeconds(60)); // step 3 is held until the process is killed

        String topic = "projects-crash-" + System.nanoTime();
        EmbeddedKafka.createTopic(topic, 1);
        Events.send(topic, PROJECT, "{\"wfProjectId\":\"" + PROJECT + "\",\"name\":\"Crash\",\"budget\":7}");

        String storeDb = Databases.emptyPostgresDatabase();
        DataSource store = Databases.pool(Databases.postgresJdbcUrl(storeDb), "postgres", "");
        Stores.migrate(store);
        new DrainProfiles(store).upsert(new DrainProfile("CRASH_SAGA", Duration.ofSeconds(1), 5, 1, "test"));
        new RouteConfigStore(store, Clock.systemUTC())
                .upsert(
                        TemplateRow.saga(ROUTE, "CRASH_SAGA", topic, PLAN, sap.baseUrl() + "/sap")
                                .row(),
                        "test");

        Map<String, String> env = new HashMap<>();
        env.put("CARAVAN_DATASOURCE_URL", Databases.postgresJdbcUrl(storeDb));
        env.put("CARAVAN_DATASOURCE_USER", "postgres");
        env.put("CARAVAN_DATASOURCE_PASSWORD", "");
        env.put("CARAVAN_MODE", "production");
        env.put("CARAVAN_CONFIG_SEED_FILE", "");
        env.put("CARAVAN_CONFIG_REFRESH", "300ms");
        env.put("CARAVAN_SAGA_LEASE", "3s");
        env.put("CARAVAN_EGRESS_ALLOWED_HOSTS", "localhost");
        env.put("CAMEL_COMPONENT_KAFKA_BROKERS", EmbeddedKafka.bootstrapServers());
        env.put("CAMEL_SERVER_ENABLED", "false");
        env.put("CAMEL_MAIN_JMXENABLED", "false");

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

        Map<String, Set<String>> keysByPath = sap.getAllServeEvents().stream()
                .collect(Collectors.groupingBy(
                        e -> e.getRequest().getUrl(),
                        Collectors.mapping(
                                e -> e.getRequest().getHeader("Idempotency-Key"),
                                Collectors.toCollection(TreeSet::new))));
        assertThat(keysByPath).as("every step posted, each under its one key").hasSize(6);
        List<String> paths = List.of(
                "/sap/projects",
                "/sap/wbs/l1",
                "/sap/wbs/l2",
                "/sap/wbs/l3",
                "/sap/allocations",
                "/sap/financial-plans");
        for (int i = 0; i < STEPS.size(); i++) {
            assertThat(keysByPath.get(paths.get(i)))
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
