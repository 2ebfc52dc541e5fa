package io.caravan;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.caravan.store.DeadLetter;
import io.caravan.store.DeadLetters;
import io.caravan.store.DrainProfile;
import io.caravan.store.DrainProfiles;
import io.caravan.store.IdempotencyLedger;
import io.caravan.store.LedgerStatus;
import io.caravan.store.ReplayFilter;
import io.caravan.store.ReplayRequest;
import io.caravan.store.ReplayRequests;
import io.caravan.store.RouteConfigRow;
import io.caravan.store.RouteConfigStore;
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
 * Guards against a replay that is lost, restarts from the beginning, or re-keys an entry when the process dies in the
 * middle of it: caravan runs as a separate JVM on PostgreSQL, is killed with SIGKILL while a replay request is being
 * worked off, and is started again.
 */
class ReplayCrashRecoveryIT {
    private static final int ENTRIES = 40;
    private static final String ROUTE = "replay-feed";
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
    void killed_mid_replay_then_restarted_resumes_and_gives_every_entry_an_outcome_under_its_own_key()
            throws Exception {
        target = new WireMockServer(wireMockConfig().dynamicPort());
        target.start();
        target.stubFor(post(urlEqualTo("/orders"))
                .willReturn(aResponse().withStatus(200).withFixedDelay(100)));

        String storeDb = Databases.emptyPostgresDatabase();
        String sourceDb = Databases.emptyPostgresDatabase();
        DataSource source = Databases.pool(Databases.postgresJdbcUrl(sourceDb), "postgres", "");
        try (Connection c = source.getConnection();
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE source_rows (id BIGINT PRIMARY KEY, revision INT NOT NULL, payload VARCHAR(200), "
                    + "updated_at TIMESTAMP WITH TIME ZONE NOT NULL)");
        }
        DataSource store = Databases.pool(Databases.postgresJdbcUrl(storeDb), "postgres", "");
        io.caravan.store.Stores.migrate(store);
        new DrainProfiles(store).upsert(new DrainProfile("REPLAY_10x1", Duration.ofSeconds(1), 10, 1, "test"));
        new RouteConfigStore(store, Clock.systemUTC())
                .upsert(
                        new RouteConfigRow(
                                ROUTE,
                                "watermark-feed",
                                true,
                                "T3",
                                "REPLAY_10x1",
                                "every 1h",
                                "{\"sourceKind\":\"jdbc\",\"sourceDataSource\":\"src\",\"sourceQuery\":\"source-rows\","
                                        + "\"key\":\"ORDER:${body[id]}\",\"target\":\"" + target.baseUrl()
                                        + "/orders\"}",
                                null,
                                3,
                                100L,
                                1000L,
                                "test",
                                1,
                                Instant.now(),
                                "test"),
                        "test");
        // the outage's leftovers: dead letters whose keys the feed gave up on (FAILED)
        DeadLetters deadLetters = new DeadLetters(store, Clock.systemUTC());
        try (Connection c = store.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO idempotency_ledger (idem_key, route_id, status, attempts, owner, created_at,"
                                + " updated_at) VALUES (?, ?, 'FAILED', 3, 'gone', ?, ?)")) {
            for (int i = 1; i <= ENTRIES; i++) {
                deadLetters.record(DeadLetter.of(
                        ROUTE, "c" + i, key(i), "TRANSIENT", 503, "HTTP 503", 3, "{\"id\":" + i + "}", Map.of()));
                ps.setString(1, key(i));
                ps.setString(2, ROUTE);
                ps.setObject(3, Instant.now().atOffset(ZoneOffset.UTC));
                ps.setObject(4, Instant.now().atOffset(ZoneOffset.UTC));
                ps.addBatch();
            }
            ps.executeBatch();
        }
        ReplayRequests requests = new ReplayRequests(store, Clock.systemUTC());
        long request = requests.create(ReplayFilter.of(ROUTE, "TRANSIENT", "", "", "503"), 20, "test");

        Map<String, String> env = CaravanProcesses.feedEnvironment(storeDb, sourceDb);
        env.put("CARAVAN_REPLAY_LEASE", "3s");
        env.put("CARAVAN_REPLAY_POLL", "200");

        Process first = processes.start(env, "replay-crash-run-1.log");
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> target.getAllServeEvents().size() >= 10);
        first.destroyForcibly().waitFor(); // SIGKILL, most likely with a request to the target in flight
        ReplayRequest atCrash = requests.find(request).orElseThrow();
        assertThat(atCrash.status()).isEqualTo(ReplayRequest.Status.RUNNING);
        assertThat(atCrash.cursorId()).as("entries recorded before the crash").isPositive();

        processes.start(env, "replay-crash-run-2.log");
        await().atMost(Duration.ofSeconds(60))
                .until(() -> requests.find(request).orElseThrow().status() == ReplayRequest.Status.DONE);

        ReplayRequest done = requests.find(request).orElseThrow();
        assertThat(done.resent() + done.alreadyDelivered()).isEqualTo(ENTRIES);
        assertThat(done.failedAgain()).isZero();
        assertThat(deadLetters.findByRoute(ROUTE))
                .extracting(DeadLetter::replayStatus)
                .as("every entry has an outcome")
                .allSatisfy(status -> assertThat(status).isIn(DeadLetter.REPLAYED, DeadLetter.ALREADY_DELIVERED));
        List<ServeEvent> sent = target.getAllServeEvents();
        Map<Long, Set<String>> keysByEntry = sent.stream()
                .collect(Collectors.groupingBy(
                        ReplayCrashRecoveryIT::entry,
                        Collectors.mapping(
                                e -> e.getRequest().getHeader("Idempotency-Key"),
                                Collectors.toCollection(TreeSet::new))));
        assertThat(keysByEntry).hasSize(ENTRIES);
        keysByEntry.forEach(
                (i, keys) -> assertThat(keys).as("keys of entry %d", i).containsExactly(key(i)));
        // only the entry in flight at the kill may have been sent twice (same key): the cursor resumed, not restarted
        assertThat(sent.size() - ENTRIES).isBetween(0, 1);
        IdempotencyLedger ledger = new IdempotencyLedger(store, "test", Duration.ofSeconds(3), Clock.systemUTC());
        assertThat(ledger.countByStatus(ROUTE, LedgerStatus.DONE)).isEqualTo(ENTRIES);
    }

    private static String key(long i) {
        return "ORDER:" + i;
    }

    private static long entry(ServeEvent e) {
        try {
            return JSON.readTree(e.getRequest().getBodyAsString()).get("id").asLong();
        } catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
    }
}
