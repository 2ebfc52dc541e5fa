package io.caravan.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import io.caravan.testing.Databases.Backend;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Keys of a crashed owner are taken over once its heartbeat stops, not after the lease; live owners keep theirs. */
class LedgerTakeoverTest {

    private static final String ROUTE = "feed-a";
    private static final Duration LEASE = Duration.ofMinutes(10);
    private static final Duration HEARTBEAT = Duration.ofSeconds(1);
    private static final Duration OWNER_TIMEOUT = Duration.ofSeconds(5);
    private static final LedgerTimings TIMINGS = new LedgerTimings(LEASE, HEARTBEAT, OWNER_TIMEOUT);
    private static final Duration MICRO = Duration.ofNanos(1_000);

    private final MutableClock clock = MutableClock.at("2024-06-01T00:00:00Z");

    /** Guards against a SIGKILLed process halting its keys (and the feed behind them) for the whole lease. */
    @ParameterizedTest
    @EnumSource(Backend.class)
    void a_key_of_an_owner_whose_heartbeat_stopped_is_taken_over_after_the_owner_timeout_not_waiting_for_the_lease(
            Backend backend) {
        DataSource dataSource = backend.fresh();
        IdempotencyLedger crashed = live(dataSource, "pod-1");
        IdempotencyLedger survivor = live(dataSource, "pod-2");
        crashed.claim(ROUTE, List.of("k1", "k2"));

        // pod-1 dies here: it beats no more
        clock.advance(OWNER_TIMEOUT);
        survivor.heartbeat().beat();
        assertThat(survivor.claim(ROUTE, List.of("k1", "k2")))
                .as("silent for exactly the owner timeout: not yet gone")
                .containsExactly(entry("k1", ClaimOutcome.HELD), entry("k2", ClaimOutcome.HELD));

        clock.advance(MICRO);
        assertThat(survivor.claim(ROUTE, List.of("k1", "k2")))
                .containsExactly(entry("k1", ClaimOutcome.TAKEN_OVER), entry("k2", ClaimOutcome.TAKEN_OVER));
        LedgerEntry entry = survivor.find("k1").orElseThrow();
        assertThat(entry.owner()).isEqualTo("pod-2");
        assertThat(entry.attempts()).isEqualTo(2);
        assertThat(entry.leaseUntil()).isEqualTo(clock.instant().plus(LEASE));
        assertThat(entry.leaseUntil())
                .as("taken over long before the old lease ended")
                .isAfter(clock.instant());
        assertThat(survivor.takeovers(TakeoverReason.OWNER_GONE)).isEqualTo(2);
        assertThat(survivor.takeovers(TakeoverReason.LEASE)).isZero();

        crashed.complete(List.of(Completion.done("k1", "late")));
        assertThat(survivor.find("k1").orElseThrow().status())
                .as("the old owner's completion is refused")
                .isEqualTo(LedgerStatus.IN_PROGRESS);
    }

    /** Guards against taking work away from a process that is alive, only slow: its lease stays the bound. */
    @ParameterizedTest
    @EnumSource(Backend.class)
    void a_live_owner_keeps_its_key_past_the_owner_timeout_until_its_lease_ends(Backend backend) {
        DataSource dataSource = backend.fresh();
        IdempotencyLedger slow = live(dataSource, "pod-1");
        IdempotencyLedger other = live(dataSource, "pod-2");
        slow.claim(ROUTE, List.of("k1"));

        Duration step = OWNER_TIMEOUT.minus(HEARTBEAT); // beats further apart than usual, still in time
        for (Duration waited = Duration.ZERO; waited.compareTo(LEASE) < 0; waited = waited.plus(step)) {
            clock.advance(step);
            slow.heartbeat().beat();
            other.heartbeat().beat();
            assertThat(other.claim(ROUTE, List.of("k1"))).containsExactly(entry("k1", ClaimOutcome.HELD));
        }

        clock.advance(MICRO);
        other.heartbeat().beat();
        assertThat(other.claim(ROUTE, List.of("k1"))).containsExactly(entry("k1", ClaimOutcome.TAKEN_OVER));
        assertThat(other.takeovers(TakeoverReason.LEASE)).isEqualTo(1);
        assertThat(other.takeovers(TakeoverReason.OWNER_GONE)).isZero();
    }

    /** Guards against keys of a process without an owner row (an older version) being held for the whole lease. */
    @ParameterizedTest
    @EnumSource(Backend.class)
    void a_key_whose_owner_has_no_heartbeat_row_is_taken_over_once_claimed_longer_ago_than_the_owner_timeout(
            Backend backend) {
        DataSource dataSource = backend.fresh();
        IdempotencyLedger older = new IdempotencyLedger(dataSource, "old-version", TIMINGS, clock);
        IdempotencyLedger survivor = live(dataSource, "pod-2");
        older.claim(ROUTE, List.of("k1"));

        clock.advance(OWNER_TIMEOUT);
        survivor.heartbeat().beat();
        assertThat(survivor.claim(ROUTE, List.of("k1"))).containsExactly(entry("k1", ClaimOutcome.HELD));
        clock.advance(MICRO);
        assertThat(survivor.claim(ROUTE, List.of("k1"))).containsExactly(entry("k1", ClaimOutcome.TAKEN_OVER));
        assertThat(survivor.takeovers(TakeoverReason.OWNER_GONE)).isEqualTo(1);
    }

    /**
     * Guards against a process cut off from the store claiming keys that others already treat as orphans: while its
     * own heartbeat is older than the owner timeout less one interval, it claims nothing.
     */
    @ParameterizedTest
    @EnumSource(Backend.class)
    void an_owner_whose_heartbeat_could_not_be_written_claims_nothing_until_it_beats_again(Backend backend) {
        DataSource dataSource = backend.fresh();
        IdempotencyLedger cutOff = live(dataSource, "pod-1");

        clock.advance(OWNER_TIMEOUT.minus(HEARTBEAT).minus(MICRO));
        assertThat(cutOff.claim(ROUTE, List.of("k1"))).containsExactly(entry("k1", ClaimOutcome.CLAIMED));
        clock.advance(MICRO);
        assertThatThrownBy(() -> cutOff.claim(ROUTE, List.of("k2")))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("pod-1 has written no heartbeat since");
        assertThat(cutOff.find("k2")).isEmpty();

        cutOff.heartbeat().beat();
        assertThat(cutOff.claim(ROUTE, List.of("k2"))).containsExactly(entry("k2", ClaimOutcome.CLAIMED));
    }

    /** Guards against ledger_owner filling up with crashed processes, and a clean stop leaving its row behind. */
    @ParameterizedTest
    @EnumSource(Backend.class)
    void a_stopped_owner_removes_its_row_and_long_stale_rows_are_removed_by_the_others(Backend backend)
            throws Exception {
        DataSource dataSource = backend.fresh();
        live(dataSource, "pod-1"); // then crashes
        IdempotencyLedger running = new IdempotencyLedger(dataSource, "pod-2", TIMINGS, clock);
        running.heartbeat().start();
        assertThat(owners(dataSource)).containsExactly("pod-1", "pod-2");

        clock.advance(TIMINGS.staleOwnerRow());
        running.heartbeat().beat();
        assertThat(owners(dataSource)).as("pod-1 at exactly the bound").containsExactly("pod-1", "pod-2");
        clock.advance(OWNER_TIMEOUT);
        running.heartbeat().beat();
        assertThat(owners(dataSource)).containsExactly("pod-2");

        running.heartbeat().stop();
        assertThat(owners(dataSource)).isEmpty();
    }

    private IdempotencyLedger live(DataSource dataSource, String owner) {
        IdempotencyLedger ledger = new IdempotencyLedger(dataSource, owner, TIMINGS, clock);
        ledger.heartbeat().beat();
        return ledger;
    }

    private static Set<String> owners(DataSource dataSource) throws Exception {
        Set<String> owners = new TreeSet<>();
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT owner FROM ledger_owner")) {
            while (rs.next()) {
                owners.add(rs.getString(1));
            }
        }
        return owners;
    }
}
