package io.caravan;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.caravan.store.DrainProfile;
import io.caravan.store.DrainProfiles;
import io.caravan.store.IdempotencyLedger;
import io.caravan.store.LedgerEntry;
import io.caravan.store.LedgerStatus;
import io.caravan.store.RouteConfigRow;
import io.caravan.store.RouteConfigStore;
import io.caravan.store.Watermark;
import io.caravan.store.Watermarks;
import io.caravan.testing.CaravanProcesses;
import io.caravan.testing.Databases;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Guards against losing or re-keying rows when the process dies mid-batch: caravan runs as a separate JVM
 * against PostgreSQL, is killed with SIGKILL while a page is being delivered, and is started again. Also guards
 * against the crash halting the feed for the lease: the lease is 10 minutes and the owner timeout 3 s, so the keys the
 * killed process held are delivered within the wait only if they are taken over when its heartbeat stops.
 */
class FeedCrashRecoveryIT {
    private static final int ROWS = 60;
    private static final ObjectMapper JSON = new ObjectMapper();
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
    void killed_mid_batch_then_restarted_loses_nothing_and_resends_only_with_the_same_key() throws Exception {
        target = new WireMockServer(wireMockConfig().dynamicPort().containerThreads(20));
        target.start();
        target.stubFor(post(urlEqualTo("/sap/hours"))
                .willReturn(aResponse().withStatus(201).withFixedDelay(100)));

        String storeDb = Databases.emptyPostgresDatabase();
        String sourceDb = Databases.emptyPostgresDatabase();
        DataSource source = Databases.pool(Databases.postgresJdbcUrl(sourceDb), "postgres", "");
        try (Connection c = source.getConnection();
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE source_rows (id BIGINT PRIMARY KEY, revision INT NOT NULL, payload VARCHAR(200), "
                    + "updated_at TIMESTAMP WITH TIME ZONE NOT NULL)");
        }
        try (Connection c = source.getConnection();
                PreparedStatement ps = c.prepareStatement("INSERT INTO source_rows VALUES (?, 1, ?, ?)")) {
            Instant t0 = Instant.parse("2026-11-20T10:00:00Z");
            for (int id = 1; id <= ROWS; id++) {
                ps.setLong(1, id);
                ps.setString(2, "row-" + id);
                ps.setObject(3, t0.plusSeconds(id).atOffset(ZoneOffset.UTC));
                ps.addBatch();
            }
            ps.executeBatch();
        }
        DataSource store = Databases.pool(Databases.postgresJdbcUrl(storeDb), "postgres", "");
        io.caravan.store.Stores.migrate(store);
        new DrainProfiles(store).upsert(new DrainProfile("CRASH_10x10", Duration.ofSeconds(1), 10, 10, "test"));
        new RouteConfigStore(store, Clock.systemUTC())
                .upsert(
                        new RouteConfigRow(
                                "hours-feed",
                                "watermark-feed",
                                true,
                                "T3",
                                "CRASH_10x10",
                                "every 1s",
                                "{\"sourceKind\":\"jdbc\",\"sourceDataSource\":\"src\",\"sourceQuery\":\"source-rows\","
                                        + "\"key\":\"SAP:HOURS:${body[id]}:${body[revision]}\",\"target\":\""
                                        + target.baseUrl() + "/sap/hours\"}",
                                null,
                                3,
                                100L,
                                1000L,
                                "test",
                                1,
                                Instant.now(),
                                "test"),
                        "test");

        Map<String, String> env = CaravanProcesses.feedEnvironment(storeDb, sourceDb);

        Process first = processes.start(env, "crash-recovery-run-1.log");
        IdempotencyLedger ledger = new IdempotencyLedger(store, "test", Duration.ofSeconds(3), Clock.systemUTC());
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> deliveries().size() >= 15 && !inProgress(ledger).isEmpty());
        first.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook, no graceful stop
        int beforeCrash = deliveries().size();
        assertThat(beforeCrash).isLessThan(ROWS);
        Map<String, Integer> heldByTheKilled = inProgress(ledger);
        assertThat(heldByTheKilled).as("keys the killed process held").isNotEmpty();

        Instant restartedAt = Instant.now();
        processes.start(env, "crash-recovery-run-2.log");
        await().atMost(Duration.ofSeconds(90)).until(() -> rowIds(deliveries()).size() == ROWS);

        List<ServeEvent> all = deliveries();
        Map<Long, Set<String>> keysByRow = all.stream()
                .collect(Collectors.groupingBy(
                        FeedCrashRecoveryIT::rowId,
                        Collectors.mapping(
                                e -> e.getRequest().getHeader("Idempotency-Key"),
                                Collectors.toCollection(TreeSet::new))));
        assertThat(keysByRow).hasSize(ROWS);
        keysByRow.forEach(
                (id, keys) -> assertThat(keys).as("keys of row %d", id).containsExactly("SAP:HOURS:" + id + ":1"));
        // only rows that were in flight when the process died may be sent twice: at most one page
        assertThat(all.size() - ROWS).isBetween(0, 10);
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(ledger.countByStatus("hours-feed", LedgerStatus.DONE))
                        .isEqualTo(ROWS));
        heldByTheKilled.forEach((key, attempts) -> assertThat(ledger.find(key).orElseThrow())
                .as("%s, held by the killed process, taken over long before its 10 min lease", key)
                .satisfies(e -> assertThat(e.status()).isEqualTo(LedgerStatus.DONE))
                .satisfies(e -> assertThat(e.attempts()).isEqualTo(attempts + 1)));
        assertThat(new io.caravan.store.ExecutionLog(store, Clock.systemUTC()).recent("hours-feed", 1000))
                .as("the killed execution is marked INCOMPLETE, none from before the restart is left RUNNING")
                .filteredOn(e -> e.startedAt().isBefore(restartedAt))
                .extracting(io.caravan.store.Execution::status)
                .contains(io.caravan.store.ExecutionStatus.INCOMPLETE)
                .doesNotContain(io.caravan.store.ExecutionStatus.RUNNING);
        // counts are recorded page by page with the ledger's completion, so the killed execution's rows count too
        assertThat(new io.caravan.store.ExecutionLog(store, Clock.systemUTC())
                        .recent("hours-feed", 1000).stream()
                                .mapToInt(io.caravan.store.Execution::rowsDelivered)
                                .sum())
                .as("rows delivered over all executions, the killed one included")
                .isEqualTo(ROWS);
        assertThat(new Watermarks(store, Clock.systemUTC()).find("hours-feed"))
                .get()
                .extracting(Watermark::id)
                .isEqualTo(String.valueOf(ROWS));
    }

    /** IN_PROGRESS keys of the feed with their attempts. */
    private static Map<String, Integer> inProgress(IdempotencyLedger ledger) {
        return ledger.findByRoute("hours-feed").stream()
                .filter(e -> e.status() == LedgerStatus.IN_PROGRESS)
                .collect(Collectors.toMap(LedgerEntry::key, LedgerEntry::attempts));
    }

    private List<ServeEvent> deliveries() {
        return target.getAllServeEvents().stream()
                .filter(e -> e.getResponse().getStatus() == 201)
                .toList();
    }

    private static Set<Long> rowIds(List<ServeEvent> events) {
        return events.stream().map(FeedCrashRecoveryIT::rowId).collect(Collectors.toSet());
    }

    private static long rowId(ServeEvent e) {
        try {
            JsonNode body = JSON.readTree(e.getRequest().getBodyAsString());
            return body.get("id").asLong();
        } catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
    }
}
