package io.caravan.store;

import java.sql.PreparedStatement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import javax.sql.DataSource;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One process's row in {@code ledger_owner}, written every {@link LedgerTimings#heartbeat()} while the service runs, so
 * other processes can tell a crashed owner from a live one within the owner timeout.
 *
 * <p>The rule for an owner cut off from the store: while its last successful heartbeat is older than
 * {@link LedgerTimings#claimWindow()} (owner timeout less one interval) its ledger refuses to claim, because another
 * process may already treat its keys as orphans. Keys it claimed before may still be in flight; if another owner took
 * one over, the old owner's completion is refused (logged) and the key is delivered again by the new owner with the
 * same Idempotency-Key. The heartbeat logs when it fails and when it comes back after more than the owner timeout; its
 * age and failures are metrics ({@link #age()}, {@link #failures()}).
 *
 * <p>Starting writes the first heartbeat (and fails if the store cannot be reached); stopping deletes the row. Each
 * beat also deletes, now and then, the rows of owners gone for longer than {@link LedgerTimings#staleOwnerRow()}.
 */
public final class LedgerHeartbeat extends ServiceSupport {

    static final String BEAT = "UPDATE ledger_owner SET heartbeat_at = ? WHERE owner = ?";
    static final String REGISTER = "INSERT INTO ledger_owner (owner, started_at, heartbeat_at) VALUES (?, ?, ?)";
    static final String REMOVE = "DELETE FROM ledger_owner WHERE owner = ?";
    static final String REMOVE_STALE = "DELETE FROM ledger_owner WHERE heartbeat_at < ?";

    private static final Logger LOG = LoggerFactory.getLogger(LedgerHeartbeat.class);

    private final DataSource dataSource;
    private final String owner;
    private final LedgerTimings timings;
    private final Clock clock;
    private final LongAdder failures = new LongAdder();
    private volatile Instant lastBeat;
    private Instant startedAt;
    private Instant nextCleanup = Instant.MIN;
    private boolean failing;
    private ScheduledExecutorService scheduler;

    LedgerHeartbeat(DataSource dataSource, String owner, LedgerTimings timings, Clock clock) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.owner = Objects.requireNonNull(owner, "owner");
        this.timings = Objects.requireNonNull(timings, "timings");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Writes this owner's heartbeat now (registering the owner if it has no row), and deletes long-stale owner rows at
     * most once per owner timeout. A failure is counted and logged, never thrown: the next beat tries again.
     */
    public synchronized void beat() {
        Instant now = Timestamps.now(clock);
        try {
            write(now);
        } catch (StoreException e) {
            failures.increment();
            if (!failing) {
                LOG.warn("ledger owner {} could not write its heartbeat: {}", owner, e.getMessage());
            }
            failing = true;
            return;
        }
        Instant previous = lastBeat;
        lastBeat = now;
        if (previous != null && Duration.between(previous, now).compareTo(timings.ownerTimeout()) > 0) {
            LOG.warn(
                    "ledger owner {} wrote no heartbeat for {} (owner timeout {}): other owners may have taken over"
                            + " keys it held; their completions here are refused",
                    owner,
                    Duration.between(previous, now),
                    timings.ownerTimeout());
        } else if (failing) {
            LOG.info("ledger owner {} writes its heartbeat again", owner);
        }
        failing = false;
        if (!now.isBefore(nextCleanup)) {
            nextCleanup = now.plus(timings.ownerTimeout());
            removeStaleOwners(now);
        }
    }

    private void write(Instant now) {
        Transactions.withConnection(dataSource, "write heartbeat of ledger owner " + owner, c -> {
            try (PreparedStatement ps = c.prepareStatement(BEAT)) {
                Timestamps.set(ps, 1, now);
                ps.setString(2, owner);
                if (ps.executeUpdate() == 1) {
                    return null;
                }
            }
            // first beat, or our row was deleted as stale while we were cut off: the owner id is ours alone
            if (startedAt == null) {
                startedAt = now;
            }
            try (PreparedStatement ps = c.prepareStatement(REGISTER)) {
                ps.setString(1, owner);
                Timestamps.set(ps, 2, startedAt);
                Timestamps.set(ps, 3, now);
                ps.executeUpdate();
            }
            return null;
        });
    }

    private void removeStaleOwners(Instant now) {
        try {
            int removed = Transactions.withConnection(dataSource, "remove stale ledger owners", c -> {
                try (PreparedStatement ps = c.prepareStatement(REMOVE_STALE)) {
                    Timestamps.set(ps, 1, now.minus(timings.staleOwnerRow()));
                    return ps.executeUpdate();
                }
            });
            if (removed > 0) {
                LOG.info("removed {} ledger owner row(s) without a heartbeat for {}", removed, timings.staleOwnerRow());
            }
        } catch (StoreException e) {
            // another process may be deleting the same rows; the next cleanup tries again
            LOG.debug("stale ledger owners not removed: {}", e.getMessage());
        }
    }

    /**
     * True when this process has never beaten (a ledger used without a heartbeat) or its last heartbeat is recent
     * enough to claim at {@code now}: younger than {@link LedgerTimings#claimWindow()}.
     */
    boolean allowsClaimAt(Instant now) {
        Instant last = lastBeat;
        return last == null || Duration.between(last, now).compareTo(timings.claimWindow()) < 0;
    }

    /** When the last heartbeat was written, or null before the first. */
    public Instant lastBeat() {
        return lastBeat;
    }

    /** Time since the last heartbeat was written (zero before the first). */
    public Duration age() {
        Instant last = lastBeat;
        return last == null ? Duration.ZERO : Duration.between(last, clock.instant());
    }

    /** Heartbeats that could not be written since this process started. */
    public long failures() {
        return failures.sum();
    }

    public String owner() {
        return owner;
    }

    @Override
    protected void doStart() {
        Instant now = Timestamps.now(clock);
        synchronized (this) {
            write(now); // fails the start when the store cannot be reached, like the migrations before it
            lastBeat = now;
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "caravan-ledger-heartbeat");
            t.setDaemon(true);
            return t;
        });
        long millis = timings.heartbeat().toMillis();
        scheduler.scheduleWithFixedDelay(this::beatSafely, millis, millis, TimeUnit.MILLISECONDS);
        LOG.info(
                "ledger owner {} beats every {}; keys of an owner silent for {} are taken over",
                owner,
                timings.heartbeat(),
                timings.ownerTimeout());
    }

    private void beatSafely() {
        try {
            beat();
        } catch (RuntimeException e) {
            // an exception would cancel the schedule: count it like a failed write
            failures.increment();
            LOG.warn("ledger owner {} heartbeat failed", owner, e);
        }
    }

    /** Stops beating and deletes this owner's row: the routes have stopped, so its keys are completed or released. */
    @Override
    protected void doStop() throws InterruptedException {
        if (scheduler != null) {
            scheduler.shutdownNow();
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
            scheduler = null;
        }
        try {
            Transactions.withConnection(dataSource, "remove ledger owner " + owner, c -> {
                try (PreparedStatement ps = c.prepareStatement(REMOVE)) {
                    ps.setString(1, owner);
                    return ps.executeUpdate();
                }
            });
        } catch (StoreException e) {
            LOG.warn(
                    "ledger owner {} could not remove its row ({}); its keys are taken over after {}",
                    owner,
                    e.getMessage(),
                    timings.ownerTimeout());
        }
    }
}
