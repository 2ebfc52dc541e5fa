package io.caravan.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import com.zaxxer.hikari.HikariDataSource;
import io.caravan.testing.Databases;
import io.caravan.testing.Databases.Backend;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class IdempotencyLedgerTest {

    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final String ROUTE = "feed-a";

    private final MutableClock clock = MutableClock.at("2024-06-01T00:00:00.000001Z");

    @ParameterizedTest
    @EnumSource(Backend.class)
    void new_keys_are_claimed_in_progress_for_us(Backend backend) {
        IdempotencyLedger ledger = new IdempotencyLedger(backend.fresh(), "pod-1", LEASE, clock);

        Map<String, ClaimOutcome> outcomes = ledger.claim(ROUTE, List.of("k2", "k1"));

        assertThat(outcomes).containsExactly(entry("k2", ClaimOutcome.CLAIMED), entry("k1", ClaimOutcome.CLAIMED));
        LedgerEntry entry = ledger.find("k1").orElseThrow();
        Instant now = clock.instant();
        assertThat(entry)
                .isEqualTo(new LedgerEntry(
                        "k1", ROUTE, LedgerStatus.IN_PROGRESS, 1, "pod-1", now.plus(LEASE), now, now, null));
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void a_key_repeated_in_one_call_is_claimed_once(Backend backend) {
        IdempotencyLedger ledger = new IdempotencyLedger(backend.fresh(), "pod-1", LEASE, clock);

        Map<String, ClaimOutcome> outcomes = ledger.claim(ROUTE, List.of("k1", "k2", "k1"));

        assertThat(outcomes).containsExactly(entry("k1", ClaimOutcome.CLAIMED), entry("k2", ClaimOutcome.CLAIMED));
        assertThat(ledger.find("k1").orElseThrow().attempts()).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void completed_keys_come_back_as_duplicates_or_failures(Backend backend) {
        IdempotencyLedger ledger = new IdempotencyLedger(backend.fresh(), "pod-1", LEASE, clock);
        ledger.claim(ROUTE, List.of("delivered", "dead"));

        ledger.complete(List.of(Completion.done("delivered", "http:200"), Completion.failed("dead", "dead-letter:7")));
        Map<String, ClaimOutcome> again = ledger.claim(ROUTE, List.of("delivered", "dead", "fresh"));

        assertThat(again)
                .containsExactly(
                        entry("delivered", ClaimOutcome.DONE),
                        entry("dead", ClaimOutcome.FAILED),
                        entry("fresh", ClaimOutcome.CLAIMED));
        assertThat(again.values()).extracting(ClaimOutcome::mustProcess).containsExactly(false, false, true);
        LedgerEntry delivered = ledger.find("delivered").orElseThrow();
        assertThat(delivered.status()).isEqualTo(LedgerStatus.DONE);
        assertThat(delivered.resultRef()).isEqualTo("http:200");
        assertThat(delivered.leaseUntil()).isNull();
        assertThat(ledger.countByStatus(ROUTE, LedgerStatus.DONE)).isEqualTo(1);
        assertThat(ledger.countByStatus(ROUTE, LedgerStatus.FAILED)).isEqualTo(1);
        assertThat(ledger.countByStatus(ROUTE, LedgerStatus.IN_PROGRESS)).isEqualTo(1);
    }

    /** Guards against a replay that cannot send a key its route gave up on, or two replays both re-opening it. */
    @ParameterizedTest
    @EnumSource(Backend.class)
    void a_failed_key_is_reopened_for_exactly_one_replay_and_a_done_key_is_not(Backend backend) {
        DataSource dataSource = backend.fresh();
        IdempotencyLedger route = new IdempotencyLedger(dataSource, "pod-1", LEASE, clock);
        IdempotencyLedger replay = new IdempotencyLedger(dataSource, "pod-2", LEASE, clock);
        IdempotencyLedger otherReplay = new IdempotencyLedger(dataSource, "pod-3", LEASE, clock);
        route.claim(ROUTE, List.of("gave-up", "sent"));
        route.complete(List.of(Completion.failed("gave-up", "dead_letter:1"), Completion.done("sent", null)));
        replay.heartbeat().beat();

        assertThat(replay.claimForReplay(ROUTE, "gave-up")).isEqualTo(ClaimOutcome.TAKEN_OVER);
        assertThat(otherReplay.claimForReplay(ROUTE, "gave-up")).isEqualTo(ClaimOutcome.HELD);
        assertThat(replay.claimForReplay(ROUTE, "sent")).isEqualTo(ClaimOutcome.DONE);
        LedgerEntry reopened = replay.find("gave-up").orElseThrow();
        assertThat(reopened.status()).isEqualTo(LedgerStatus.IN_PROGRESS);
        assertThat(reopened.owner()).isEqualTo("pod-2");
        assertThat(reopened.attempts()).isEqualTo(2);
        assertThat(reopened.routeId()).isEqualTo(ROUTE);
        replay.complete(List.of(Completion.done("gave-up", "replay:1")));
        assertThat(otherReplay.claimForReplay(ROUTE, "gave-up")).isEqualTo(ClaimOutcome.DONE);
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void a_key_in_progress_under_a_live_lease_is_held(Backend backend) {
        DataSource dataSource = backend.fresh();
        IdempotencyLedger first = new IdempotencyLedger(dataSource, "pod-1", LEASE, clock);
        IdempotencyLedger second = new IdempotencyLedger(dataSource, "pod-2", LEASE, clock);
        first.claim(ROUTE, List.of("k1"));
        clock.advance(LEASE); // lease_until == now: still live
        first.heartbeat().beat(); // and its owner too

        assertThat(second.claim(ROUTE, List.of("k1"))).containsExactly(entry("k1", ClaimOutcome.HELD));
        assertThat(first.claim(ROUTE, List.of("k1"))).containsExactly(entry("k1", ClaimOutcome.HELD));
        assertThat(first.find("k1").orElseThrow().owner()).isEqualTo("pod-1");
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void an_expired_lease_is_taken_over_counting_attempts(Backend backend) {
        DataSource dataSource = backend.fresh();
        IdempotencyLedger crashed = new IdempotencyLedger(dataSource, "pod-1", LEASE, clock);
        IdempotencyLedger survivor = new IdempotencyLedger(dataSource, "pod-2", LEASE, clock);
        crashed.claim(ROUTE, List.of("k1"));

        clock.advance(LEASE.plusNanos(1000));
        assertThat(survivor.claim(ROUTE, List.of("k1"))).containsExactly(entry("k1", ClaimOutcome.TAKEN_OVER));
        clock.advance(LEASE.plusSeconds(1));
        assertThat(survivor.claim(ROUTE, List.of("k1"))).containsExactly(entry("k1", ClaimOutcome.TAKEN_OVER));

        LedgerEntry entry = survivor.find("k1").orElseThrow();
        assertThat(entry.attempts()).isEqualTo(3);
        assertThat(entry.owner()).isEqualTo("pod-2");
        assertThat(entry.leaseUntil()).isEqualTo(clock.instant().plus(LEASE));
        assertThat(entry.createdAt()).isBefore(entry.updatedAt());
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void the_previous_owner_cannot_complete_a_key_taken_over(Backend backend) {
        DataSource dataSource = backend.fresh();
        IdempotencyLedger stalled = new IdempotencyLedger(dataSource, "pod-1", LEASE, clock);
        IdempotencyLedger survivor = new IdempotencyLedger(dataSource, "pod-2", LEASE, clock);
        stalled.claim(ROUTE, List.of("k1"));
        clock.advance(LEASE.multipliedBy(2));
        survivor.claim(ROUTE, List.of("k1"));

        stalled.complete(List.of(Completion.failed("k1", "late")));

        assertThat(survivor.find("k1").orElseThrow().status()).isEqualTo(LedgerStatus.IN_PROGRESS);
        survivor.complete(List.of(Completion.done("k1", "ok")));
        assertThat(survivor.find("k1").orElseThrow().status()).isEqualTo(LedgerStatus.DONE);
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void claim_takes_at_most_three_statements_whatever_the_number_of_keys(Backend backend) {
        CountingDataSource counting = new CountingDataSource(backend.fresh());
        IdempotencyLedger ledger = new IdempotencyLedger(counting.dataSource(), "pod-1", LEASE, clock);
        IdempotencyLedger other = new IdempotencyLedger(counting.dataSource(), "pod-2", LEASE, clock);
        List<String> first = keys(0, 1_000);
        ledger.claim(ROUTE, first);
        ledger.complete(first.subList(0, 300).stream()
                .map(k -> Completion.done(k, null))
                .toList());
        clock.advance(LEASE.multipliedBy(2));

        // 300 DONE, 700 expired, 1,000 new
        counting.reset();
        Map<String, ClaimOutcome> outcomes = other.claim(ROUTE, keys(0, 2_000));

        assertThat(counting.executions()).isEqualTo(3);
        assertThat(outcomes).hasSize(2_000);
        assertThat(outcomes.values().stream().filter(o -> o == ClaimOutcome.DONE))
                .hasSize(300);
        assertThat(outcomes.values().stream().filter(o -> o == ClaimOutcome.TAKEN_OVER))
                .hasSize(700);
        assertThat(outcomes.values().stream().filter(o -> o == ClaimOutcome.CLAIMED))
                .hasSize(1_000);
        assertThat(outcomes.keySet()).containsExactlyElementsOf(keys(0, 2_000));

        counting.reset();
        other.complete(
                keys(300, 2_000).stream().map(k -> Completion.done(k, null)).toList());
        assertThat(counting.executions()).isEqualTo(1);
        assertThat(other.countByStatus(ROUTE, LedgerStatus.DONE)).isEqualTo(2_000);
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void claiming_nothing_touches_nothing(Backend backend) {
        CountingDataSource counting = new CountingDataSource(backend.fresh());
        IdempotencyLedger ledger = new IdempotencyLedger(counting.dataSource(), "pod-1", LEASE, clock);
        counting.reset();

        assertThat(ledger.claim(ROUTE, List.of())).isEmpty();
        ledger.complete(List.of());
        assertThat(counting.executions()).isZero();
    }

    /**
     * Guards against the claim's SELECT reading the whole ledger on PostgreSQL until autovacuum first analyzes it:
     * {@code idem_key = ANY(?)} prepared while the table was empty got a cached generic plan with a sequential scan,
     * which the connection kept as the table grew, so every claim of a new database's first minute read every row.
     */
    @Test
    void claims_on_a_connection_that_planned_them_on_an_empty_ledger_still_look_keys_up_by_index() throws Exception {
        String url = Databases.postgresJdbcUrl(Databases.emptyPostgresDatabase());
        try (HikariDataSource migrating = Databases.pool(url, "postgres", "")) {
            Stores.migrate(migrating);
        }
        try (HikariDataSource one = Databases.pool(url, "postgres", "")) {
            one.setMaximumPoolSize(
                    1); // every claim on the same connection, whose prepared statements PostgreSQL caches
            IdempotencyLedger ledger = new IdempotencyLedger(one, "pod-1", LEASE, clock);
            try (Connection c = one.getConnection();
                    Statement s = c.createStatement()) {
                s.execute("ALTER TABLE idempotency_ledger SET (autovacuum_enabled = false)"); // no ANALYZE meanwhile
            }
            for (int i = 0; i < 20; i++) {
                ledger.claim(ROUTE, keys(i * 4, i * 4 + 4)); // past the driver's and the server's prepare thresholds
            }
            try (Connection c = one.getConnection();
                    Statement s = c.createStatement()) {
                s.execute("INSERT INTO idempotency_ledger (idem_key, route_id, status, attempts, owner, created_at,"
                        + " updated_at) SELECT 'old-' || i, 'feed-a', 'DONE', 1, 'pod-0', now(), now()"
                        + " FROM generate_series(1, 20000) i");
            }
            long before = sequentialScansOfTheLedger(one);

            for (int i = 0; i < 10; i++) {
                assertThat(ledger.claim(ROUTE, List.of("old-" + (i + 1), "new-" + i)))
                        .containsExactly(
                                entry("old-" + (i + 1), ClaimOutcome.DONE), entry("new-" + i, ClaimOutcome.CLAIMED));
            }

            assertThat(sequentialScansOfTheLedger(one) - before).isZero();
        }
    }

    /** The ledger's sequential scans so far, this backend's pending counts included. */
    private static long sequentialScansOfTheLedger(DataSource dataSource) throws Exception {
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement()) {
            s.execute("SELECT pg_stat_force_next_flush()");
            s.execute("SELECT pg_sleep(0.05)"); // the flush runs when the backend goes idle between statements
            s.execute("SELECT pg_stat_clear_snapshot()");
            try (ResultSet rs =
                    s.executeQuery("SELECT seq_scan FROM pg_stat_user_tables WHERE relname = 'idempotency_ledger'")) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void find_by_route_lists_the_route_entries_oldest_first(Backend backend) {
        IdempotencyLedger ledger = new IdempotencyLedger(backend.fresh(), "pod-1", LEASE, clock);
        ledger.claim(ROUTE, List.of("b"));
        clock.advance(Duration.ofSeconds(1));
        ledger.claim(ROUTE, List.of("a"));
        ledger.claim("other-route", List.of("c"));

        assertThat(ledger.findByRoute(ROUTE)).extracting(LedgerEntry::key).containsExactly("b", "a");
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void as_a_camel_idempotent_repository(Backend backend) {
        DataSource dataSource = backend.fresh();
        IdempotencyLedger ledger =
                new IdempotencyLedger(dataSource, "pod-1", LedgerTimings.withLease(LEASE), clock, "inbox-drain");
        IdempotencyLedger other = new IdempotencyLedger(dataSource, "pod-2", LEASE, clock);
        ledger.start();

        assertThat(ledger.contains("m1")).isFalse();
        assertThat(ledger.add("m1")).isTrue();
        assertThat(ledger.find("m1").orElseThrow().routeId()).isEqualTo("inbox-drain");
        assertThat(ledger.add("m1")).isFalse();
        assertThat(ledger.contains("m1")).isTrue();
        assertThat(other.remove("m1")).as("someone else's claim").isFalse();
        assertThat(ledger.remove("m1")).isTrue();
        assertThat(ledger.contains("m1")).isFalse();

        assertThat(ledger.add("m1")).isTrue();
        assertThat(ledger.confirm("m1")).isTrue();
        assertThat(ledger.contains("m1")).isTrue();
        assertThat(ledger.remove("m1")).as("a delivered key stays").isFalse();
        assertThat(ledger.add("m1")).isFalse();

        ledger.add("m2");
        clock.advance(LEASE.multipliedBy(2));
        assertThat(ledger.contains("m2")).as("expired lease").isFalse();
        assertThat(other.add("m2")).isTrue();

        assertThatThrownBy(ledger::clear)
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("never cleared");
        ledger.stop();
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void rejects_keys_that_do_not_fit(Backend backend) {
        IdempotencyLedger ledger = new IdempotencyLedger(backend.fresh(), "pod-1", LEASE, clock);

        assertThatThrownBy(() -> ledger.claim(ROUTE, List.of("k".repeat(401))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is 401 characters long; at most 400 fit the ledger");
        assertThatThrownBy(() -> ledger.claim(ROUTE, List.of(""))).isInstanceOf(IllegalArgumentException.class);
    }

    static List<String> keys(int from, int to) {
        return IntStream.range(from, to).mapToObj(i -> "key-" + i).toList();
    }
}
