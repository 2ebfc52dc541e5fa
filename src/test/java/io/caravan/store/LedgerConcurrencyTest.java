package io.caravan.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.caravan.testing.Databases.Backend;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Guards against two pods both processing the same key when their claims race. */
class LedgerConcurrencyTest {

    private static final int ROUNDS = 20;
    private static final int KEYS_PER_ROUND = 200;

    @ParameterizedTest
    @EnumSource(Backend.class)
    void a_claim_racing_an_uncommitted_claim_of_the_same_key_is_held(Backend backend) throws Exception {
        DataSource dataSource = backend.fresh();
        MutableClock clock = MutableClock.at("2024-06-01T00:00:00Z");
        IdempotencyLedger pod2 = new IdempotencyLedger(dataSource, "pod-2", Duration.ofMinutes(5), clock);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (Connection pod1 = dataSource.getConnection()) {
            // pod-1's claim, stopped between its insert and its commit
            pod1.setAutoCommit(false);
            try (PreparedStatement ps =
                    pod1.prepareStatement(Dialect.of(dataSource).insertLedgerEntryIfAbsent())) {
                ps.setString(1, "k1");
                ps.setString(2, "feed-a");
                ps.setString(3, "pod-1");
                Timestamps.set(ps, 4, clock.instant().plusSeconds(300));
                Timestamps.set(ps, 5, clock.instant());
                Timestamps.set(ps, 6, clock.instant());
                assertThat(ps.executeUpdate()).isEqualTo(1);
            }

            Future<Map<String, ClaimOutcome>> racing = pool.submit(() -> pod2.claim("feed-a", List.of("k1", "k2")));
            Thread.sleep(300);
            if (backend == Backend.POSTGRESQL) {
                assertThat(racing)
                        .as("ON CONFLICT waits for the other inserter")
                        .isNotDone();
            }
            pod1.commit();

            assertThat(racing.get(10, TimeUnit.SECONDS))
                    .containsExactly(entry("k1", ClaimOutcome.HELD), entry("k2", ClaimOutcome.CLAIMED));
            assertThat(pod2.find("k1").orElseThrow().owner()).isEqualTo("pod-1");
        } finally {
            pool.shutdownNow();
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void concurrent_claims_of_the_same_keys_give_exactly_one_claimed(Backend backend) throws Exception {
        DataSource dataSource = backend.fresh();
        IdempotencyLedger pod1 = new IdempotencyLedger(dataSource, "pod-1", Duration.ofMinutes(5), Clock.systemUTC());
        IdempotencyLedger pod2 = new IdempotencyLedger(dataSource, "pod-2", Duration.ofMinutes(5), Clock.systemUTC());
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < ROUNDS; round++) {
                List<String> keys = IdempotencyLedgerTest.keys(round * KEYS_PER_ROUND, (round + 1) * KEYS_PER_ROUND);
                assertOneWinnerPerKey(race(pool, pod1, pod2, keys), ClaimOutcome.CLAIMED, pod1, 1);
            }
        } finally {
            pool.shutdownNow();
        }
    }
    /** Guards against two survivors both taking over a crashed owner's key and delivering it twice. */
    @ParameterizedTest
    @EnumSource(Backend.class)
    void two_ledgers_racing_to_take_over_a_dead_owners_keys_give_exactly_one_taken_over(Backend backend)
            throws Exception {
        DataSource dataSource = backend.fresh();
        MutableClock clock = MutableClock.at("2024-06-01T00:00:00Z");
        LedgerTimings timings = new LedgerTimings(Duration.ofMinutes(10), Duration.ofSeconds(1), Duration.ofSeconds(5));
        IdempotencyLedger dead = new IdempotencyLedger(dataSource, "pod-0", timings, clock);
        IdempotencyLedger pod1 = new IdempotencyLedger(dataSource, "pod-1", timings, clock);
        IdempotencyLedger pod2 = new IdempotencyLedger(dataSource, "pod-2", timings, clock);
        dead.heartbeat().beat();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < ROUNDS; round++) {
                List<String> keys = IdempotencyLedgerTest.keys(round * KEYS_PER_ROUND, (round + 1) * KEYS_PER_ROUND);
                dead.heartbeat().beat();
                dead.claim("feed-a", keys);
                clock.advance(timings.ownerTimeout().plusSeconds(1));
                pod1.heartbeat().beat();
                pod2.heartbeat().beat();
                assertOneWinnerPerKey(race(pool, pod1, pod2, keys), ClaimOutcome.TAKEN_OVER, pod1, 2);
            }
            assertThat(pod1.takeovers(TakeoverReason.OWNER_GONE) + pod2.takeovers(TakeoverReason.OWNER_GONE))
                    .isEqualTo((long) ROUNDS * KEYS_PER_ROUND);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Each key was won (outcome {@code won}) by exactly one of pod-1 (first map) and pod-2 (second), the other saw it
     * HELD, and the ledger names the winner with {@code attempts}.
     */
    private static void assertOneWinnerPerKey(
            List<Map<String, ClaimOutcome>> outcomes, ClaimOutcome won, IdempotencyLedger ledger, int attempts) {
        Map<String, ClaimOutcome> a = outcomes.get(0);
        Map<String, ClaimOutcome> b = outcomes.get(1);
        for (String key : a.keySet()) {
            assertThat(List.of(a.get(key), b.get(key)))
                    .as("key %s", key)
                    .containsExactlyInAnyOrder(won, ClaimOutcome.HELD);
            LedgerEntry entry = ledger.find(key).orElseThrow();
            assertThat(entry.owner()).as("key %s", key).isEqualTo(a.get(key) == won ? "pod-1" : "pod-2");
            assertThat(entry.attempts()).as("key %s", key).isEqualTo(attempts);
        }
    }

    /** pod1 claims the keys and pod2 the same keys in the opposite order (must not deadlock), both at once. */
    private static List<Map<String, ClaimOutcome>> race(
            ExecutorService pool, IdempotencyLedger pod1, IdempotencyLedger pod2, List<String> keys) throws Exception {
        List<String> reversed = new ArrayList<>(keys);
        Collections.reverse(reversed);
        CyclicBarrier start = new CyclicBarrier(2);
        Future<Map<String, ClaimOutcome>> first = pool.submit(() -> {
            start.await();
            return pod1.claim("feed-a", keys);
        });
        Future<Map<String, ClaimOutcome>> second = pool.submit(() -> {
            start.await();
            return pod2.claim("feed-a", reversed);
        });
        return List.of(first.get(), second.get());
    }
}
