package io.caravan;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.caravan.store.DrainProfile;
import io.caravan.store.DrainProfiles;
import io.caravan.store.Execution;
import io.caravan.store.ExecutionLog;
import io.caravan.store.ExecutionStatus;
import io.caravan.store.IdempotencyLedger;
import io.caravan.store.LedgerStatus;
import io.caravan.store.RouteConfigStore;
import io.caravan.store.Stores;
import io.caravan.testing.CaravanApp;
import io.caravan.testing.CaravanProcesses;
import io.caravan.testing.Databases;
import io.caravan.testing.EmbeddedKafka;
import io.caravan.testing.Inbox;
import io.caravan.testing.TemplateRow;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Guards against losing or re-keying inbox events when the process dies in the middle of a drain: caravan runs as
 * a separate JVM against PostgreSQL and the test JVM's Kafka, is killed with SIGKILL while a poll is being
 * delivered, and is started again. With a 10 min lease and a 3 s owner timeout it also guards against a crash
 * halting the drain for the lease: the events the killed process held come back only when its heartbeat stops.
 */
class DrainCrashRecoveryIT {
    private static final int EVENTS = 60;
    private static final String ROUTE = "orders-drain";
    private final CaravanProcesses processes = new CaravanProcesses();
    private WireMockServer target;

    @AfterEach
    void tearDown() {
        processes.close();
        if (target != null) {
            target.stop();
        }
    }

    @Test
    void killed_mid_drain_then_restarted_delivers_every_event_and_resends_only_with_the_same_key() throws Exception {
        target = new WireMockServer(wireMockConfig().dynamicPort().containerThreads(20));
        target.start();
        target.stubFor(post(urlEqualTo("/orders"))
                .willReturn(aResponse().withStatus(200).withFixedDelay(100)));

        String topic = "inbox-crash-" + System.nanoTime();
        EmbeddedKafka.createTopic(topic, 3);
        Map<String, String> events = new LinkedHashMap<>();
        for (int i = 1; i <= EVENTS; i++) {
            events.put("msg_" + i, "{\"order\":" + i + "}");
        }
        Inbox.write(EmbeddedKafka.bootstrapServers(), topic, "shop", events);

        String storeDb = Databases.emptyPostgresDatabase();
        DataSource store = Databases.pool(Databases.postgresJdbcUrl(storeDb), "postgres", "");
        Stores.migrate(store);
        new DrainProfiles(store).upsert(new DrainProfile("CRASH_10x10", Duration.ofSeconds(1), 10, 10, "test"));
        new RouteConfigStore(store, Clock.systemUTC())
                .upsert(
                        TemplateRow.queueDrain(ROUTE, "CRASH_10x10", topic, target.baseUrl() + "/orders")
                                .schedule("every 1s")
                                .row(),
                        "test");

        Map<String, String> env = CaravanProcesses.productionEnvironment(storeDb);
        env.put("CARAVAN_INBOX_SECRET", CaravanApp.INBOX_SECRET);
        // a lease far beyond the wait below: the killed process's events come back only by owner-timeout takeover
        env.put("CARAVAN_LEDGER_LEASE", "10m");
        env.put("CARAVAN_LEDGER_HEARTBEAT", "1s");
        env.put("CARAVAN_LEDGER_OWNER_TIMEOUT", "3s");
        env.put("CAMEL_COMPONENT_KAFKA_BROKERS", EmbeddedKafka.bootstrapServers());
        // the killed consumer keeps its partitions until its session ends; the broker's minimum is 6 s
        env.put("CAMEL_COMPONENT_KAFKA_SESSIONTIMEOUTMS", "6000");

        Process first = processes.start(env, "drain-crash-recovery-run-1.log");
        IdempotencyLedger ledger = new IdempotencyLedger(store, "test", Duration.ofSeconds(3), Clock.systemUTC());
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> deliveries().size() >= 15 && ledger.countByStatus(ROUTE, LedgerStatus.IN_PROGRESS) > 0);
        first.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook, no graceful stop
        int beforeCrash = deliveries().size();
        assertThat(beforeCrash).isLessThan(EVENTS);
        assertThat(ledger.countByStatus(ROUTE, LedgerStatus.IN_PROGRESS))
                .as("events the killed process held")
                .isPositive();

        Instant restartedAt = Instant.now();
        processes.start(env, "drain-crash-recovery-run-2.log");
        await().atMost(Duration.ofSeconds(120))
                .until(() -> webhookIds(deliveries()).size() == EVENTS);

        List<ServeEvent> all = deliveries();
        Map<String, Set<String>> keysByEvent = all.stream()
                .collect(Collectors.groupingBy(
                        e -> e.getRequest().getHeader("webhook-id"),
                        Collectors.mapping(
                                e -> e.getRequest().getHeader("Idempotency-Key"),
                                Collectors.toCollection(TreeSet::new))));
        assertThat(keysByEvent).hasSize(EVENTS);
        keysByEvent.forEach(
                (id, keys) -> assertThat(keys).as("keys of event %s", id).containsExactly(ROUTE + ":shop:" + id));
        // only events in flight when the process died may be sent twice: at most one poll
        assertThat(all.size() - EVENTS).isBetween(0, 10);
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(ledger.countByStatus(ROUTE, LedgerStatus.DONE))
                        .isEqualTo(EVENTS));
        assertThat(new ExecutionLog(store, Clock.systemUTC()).recent(ROUTE, 1000))
                .as("the killed execution is marked INCOMPLETE, none from before the restart is left RUNNING")
                .filteredOn(e -> e.startedAt().isBefore(restartedAt))
                .extracting(Execution::status)
                .contains(ExecutionStatus.INCOMPLETE)
                .doesNotContain(ExecutionStatus.RUNNING);
    }

    private List<ServeEvent> deliveries() {
        return target.getAllServeEvents().stream()
                .filter(e -> e.getResponse().getStatus() == 200)
                .toList();
    }

    private static Set<String> webhookIds(List<ServeEvent> events) {
        return events.stream().map(e -> e.getRequest().getHeader("webhook-id")).collect(Collectors.toSet());
    }
}
