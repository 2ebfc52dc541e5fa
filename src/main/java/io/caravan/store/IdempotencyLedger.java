package io.caravan.store;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.LongAdder;
import javax.sql.DataSource;
import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Operation-level idempotency keys in the {@code idempotency_ledger} table, claimed in batches with a lease.
 *
 * <p>A claim makes a key IN_PROGRESS for this ledger's {@link #owner()} until {@code now + lease}; completing it
 * records DONE or FAILED. Another owner's IN_PROGRESS key is taken over (attempts + 1) by the next claim when
 *
 * <ul>
 *   <li>its owner is gone: the owner's heartbeat in {@code ledger_owner} is older than the owner timeout, or the owner
 *       has no row there (a process of an older version, or one whose row was removed as stale) and the key was
 *       claimed longer ago than the owner timeout; a crash therefore delays its keys by seconds, not the lease; or
 *   <li>its lease ran out: the bound for an owner that is alive (still beating) but stuck.
 * </ul>
 *
 * <p>So no key is lost and none is processed by two live owners at once. Two ledgers claiming the same new key, or
 * taking over the same orphaned key, concurrently: exactly one gets {@link ClaimOutcome#CLAIMED} or
 * {@link ClaimOutcome#TAKEN_OVER}, the other {@link ClaimOutcome#HELD}. The heartbeat is this ledger's
 * {@link #heartbeat()}, a service the application starts and stops; see {@link LedgerHeartbeat} for what an owner cut
 * off from the store does. Clocks of the processes sharing a store must agree to well within the owner timeout.
 *
 * <p>Also a Camel {@link IdempotentRepository} for single keys, under a default route id (see
 * {@link #IdempotencyLedger(DataSource, String, LedgerTimings, Clock, String)}).
 */
public final class IdempotencyLedger extends ServiceSupport implements IdempotentRepository {

    /** The route id single-key {@link IdempotentRepository} calls are recorded under unless another is given. */
    public static final String DEFAULT_ROUTE_ID = "camel";

    public static final int MAX_KEY_LENGTH = 400;
    public static final int MAX_OWNER_LENGTH = 100;

    /**
     * Takes a key over only if it is still the claim we judged orphaned (same owner, attempt and claim time): of two
     * claims racing for it, the second finds the row changed and takes nothing.
     */
    static final String TAKE_OVER =
            """
            UPDATE idempotency_ledger
            SET owner = ?, lease_until = ?, attempts = attempts + 1, updated_at = ?
            WHERE idem_key = ? AND status = 'IN_PROGRESS'
              AND owner IS NOT DISTINCT FROM ? AND attempts = ? AND updated_at = ?""";

    /** Re-opens a key its route gave up on, for a replay: only while it is still FAILED (a compare-and-set). */
    static final String REOPEN =
            """
            UPDATE idempotency_ledger
            SET status = 'IN_PROGRESS', owner = ?, lease_until = ?, attempts = attempts + 1, updated_at = ?
            WHERE idem_key = ? AND status = 'FAILED'""";

    static final String COMPLETE =
            """
            UPDATE idempotency_ledger SET status = ?, result_ref = ?, updated_at = ?, lease_until = NULL
            WHERE idem_key = ? AND owner = ?""";
    static final String DELETE_OWN_IN_PROGRESS =
            "DELETE FROM idempotency_ledger WHERE idem_key = ? AND owner = ? AND status = 'IN_PROGRESS'";
    static final String COLUMNS =
            "idem_key, route_id, status, attempts, owner, lease_until, created_at, updated_at, result_ref";
    static final String SELECT_BY_KEY = "SELECT " + COLUMNS + " FROM idempotency_ledger WHERE idem_key = ?";
    static final String SELECT_BY_ROUTE =
            "SELECT " + COLUMNS + " FROM idempotency_ledger WHERE route_id = ? ORDER BY created_at, idem_key";
    static final String COUNT_BY_ROUTE_AND_STATUS =
            "SELECT COUNT(*) FROM idempotency_ledger WHERE route_id = ? AND status = ?";

    private static final Logger LOG = LoggerFactory.getLogger(IdempotencyLedger.class);
    private static final int MAX_CLAIM_ATTEMPTS = 3;

    private final DataSource dataSource;
    private final String owner;
    private final LedgerTimings timings;
    private final Clock clock;
    private final String defaultRouteId;
    private final Dialect dialect;
    private final LedgerHeartbeat heartbeat;
    private final Map<TakeoverReason, LongAdder> takeovers = new EnumMap<>(TakeoverReason.class);

    /** A ledger with the default heartbeat and owner timeout. */
    public IdempotencyLedger(DataSource dataSource, String owner, Duration lease, Clock clock) {
        this(dataSource, owner, LedgerTimings.withLease(lease), clock);
    }

    public IdempotencyLedger(DataSource dataSource, String owner, LedgerTimings timings, Clock clock) {
        this(dataSource, owner, timings, clock, DEFAULT_ROUTE_ID);
    }

    /** @param defaultRouteId the route id that single-key {@link IdempotentRepository} claims are recorded under */
    public IdempotencyLedger(
            DataSource dataSource, String owner, LedgerTimings timings, Clock clock, String defaultRouteId) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.owner = Objects.requireNonNull(owner, "owner");
        this.timings = Objects.requireNonNull(timings, "timings");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.defaultRouteId = Objects.requireNonNull(defaultRouteId, "defaultRouteId");
        if (owner.isBlank() || owner.length() > MAX_OWNER_LENGTH) {
            throw new IllegalArgumentException(
                    "ledger owner must be 1 to " + MAX_OWNER_LENGTH + " characters, was '" + owner + "'");
        }
        this.dialect = Dialect.of(dataSource);
        this.heartbeat = new LedgerHeartbeat(dataSource, owner, timings, clock);
        for (TakeoverReason reason : TakeoverReason.values()) {
            takeovers.put(reason, new LongAdder());
        }
    }

    public String owner() {
        return owner;
    }

    /**
     * This owner's heartbeat: start it before the first claim and stop it after the last completion. It is a service
     * of its own, not part of the ledger's, because Camel starts and stops an {@link IdempotentRepository} with each
     * route that uses it.
     */
    public LedgerHeartbeat heartbeat() {
        return heartbeat;
    }

    /** Keys this ledger took over from other owners since it was made, for the reason given. */
    public long takeovers(TakeoverReason reason) {
        return takeovers.get(reason).sum();
    }

    /**
     * Claims the keys for this owner, in one transaction of at most three statements whatever the number of keys: one
     * SELECT of the known keys with their owners' heartbeats, one batched insert-if-absent of the new ones, one batched
     * take-over of orphaned keys (owner gone or lease ended). Rows are written in key order so two concurrent claims of
     * overlapping keys cannot deadlock.
     *
     * @return an outcome per distinct key, in the order of first occurrence; a key given twice is claimed once and
     *     appears once in the map
     * @throws StoreException also when this owner's heartbeat has not been written for longer than the claim window:
     *     other owners may treat our keys as orphans, so we take no more until the heartbeat is written again
     */
    public Map<String, ClaimOutcome> claim(String routeId, List<String> keys) {
        Objects.requireNonNull(routeId, "routeId");
        LinkedHashSet<String> distinct = new LinkedHashSet<>();
        for (String key : keys) {
            distinct.add(checkKey(key));
        }
        if (distinct.isEmpty()) {
            return new LinkedHashMap<>();
        }
        Instant lastBeat = heartbeat.lastBeat();
        if (!heartbeat.allowsClaimAt(Timestamps.now(clock))) {
            throw new StoreException(
                    "claim " + distinct.size() + " keys of " + routeId,
                    new SQLException("ledger owner " + owner + " has written no heartbeat since " + lastBeat
                            + "; other owners may take over its keys, so it claims none until the heartbeat is back"));
        }
        for (int attempt = 1; ; attempt++) {
            Map<String, Orphan> takenOver = new TreeMap<>();
            try {
                Map<String, ClaimOutcome> outcomes = Transactions.inTransaction(
                        dataSource,
                        "claim " + distinct.size() + " keys of " + routeId,
                        c -> claimOn(c, routeId, distinct, takenOver));
                reportTakeovers(routeId, takenOver);
                return outcomes;
            } catch (StoreException e) {
                if (attempt >= MAX_CLAIM_ATTEMPTS || !dialect.isConcurrencyConflict((SQLException) e.getCause())) {
                    throw e;
                }
                LOG.debug(
                        "claim of {} keys of {} lost a race ({}); claiming again",
                        distinct.size(),
                        routeId,
                        e.sqlState());
            }
        }
    }

    /** Claims the keys on {@code c}; fills {@code takenOver} with the keys taken over and whose they were. */
    private Map<String, ClaimOutcome> claimOn(
            Connection c, String routeId, LinkedHashSet<String> keys, Map<String, Orphan> takenOver)
            throws SQLException {
        Instant now = Timestamps.now(clock);
        Instant leaseUntil = Timestamps.micros(now.plus(timings.lease()));
        Instant silentSince = now.minus(timings.ownerTimeout());
        Map<String, ClaimOutcome> outcomes = new HashMap<>();
        Map<String, Orphan> orphans = new HashMap<>();

        try (PreparedStatement ps = c.prepareStatement(dialect.selectLedgerClaimState())) {
            Array array = c.createArrayOf("VARCHAR", keys.toArray());
            ps.setArray(1, array);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String key = rs.getString("idem_key");
                    switch (LedgerStatus.valueOf(rs.getString("status"))) {
                        case DONE -> outcomes.put(key, ClaimOutcome.DONE);
                        case FAILED -> outcomes.put(key, ClaimOutcome.FAILED);
                        case IN_PROGRESS -> {
                            Orphan orphan = Orphan.of(rs, owner, now, silentSince);
                            if (orphan == null) {
                                outcomes.put(key, ClaimOutcome.HELD);
                            } else {
                                orphans.put(key, orphan);
                            }
                        }
                    }
                }
            }
            array.free();
        }

        List<String> absent = keys.stream()
                .filter(k -> !outcomes.containsKey(k) && !orphans.containsKey(k))
                .sorted()
                .toList();
        if (!absent.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement(dialect.insertLedgerEntryIfAbsent())) {
                for (String key : absent) {
                    ps.setString(1, key);
                    ps.setString(2, routeId);
                    ps.setString(3, owner);
                    Timestamps.set(ps, 4, leaseUntil);
                    Timestamps.set(ps, 5, now);
                    Timestamps.set(ps, 6, now);
                    ps.addBatch();
                }
                int[] counts = ps.executeBatch();
                for (int i = 0; i < absent.size(); i++) {
                    // 0 rows: a concurrent claim inserted the key first and its lease is live.
                    outcomes.put(absent.get(i), counts[i] == 0 ? ClaimOutcome.HELD : ClaimOutcome.CLAIMED);
                }
            }
        }

        if (!orphans.isEmpty()) {
            List<String> orphaned = orphans.keySet().stream().sorted().toList();
            try (PreparedStatement ps = c.prepareStatement(TAKE_OVER)) {
                for (String key : orphaned) {
                    Orphan orphan = orphans.get(key);
                    ps.setString(1, owner);
                    Timestamps.set(ps, 2, leaseUntil);
                    Timestamps.set(ps, 3, now);
                    ps.setString(4, key);
                    ps.setString(5, orphan.owner());
                    ps.setInt(6, orphan.attempts());
                    Timestamps.set(ps, 7, orphan.claimedAt());
                    ps.addBatch();
                }
                int[] counts = ps.executeBatch();
                for (int i = 0; i < orphaned.size(); i++) {
                    // 0 rows: a concurrent claim took it over first, or its owner completed it meanwhile.
                    outcomes.put(orphaned.get(i), counts[i] == 0 ? ClaimOutcome.HELD : ClaimOutcome.TAKEN_OVER);
                    if (counts[i] != 0) {
                        takenOver.put(orphaned.get(i), orphans.get(orphaned.get(i)));
                    }
                }
            }
        }

        Map<String, ClaimOutcome> ordered = new LinkedHashMap<>();
        for (String key : keys) {
            ordered.put(key, outcomes.get(key));
        }
        return ordered;
    }

    /**
     * Claims one key for an operator's replay of its dead letter. Like {@link #claim}, except that a FAILED key (its
     * route gave up on it and dead-lettered it) is re-opened for this owner, attempts + 1, and reported
     * {@link ClaimOutcome#TAKEN_OVER}: a replay sends under the same key. The re-open is a compare-and-set on the
     * FAILED status, so of two replays racing for the key exactly one gets it; the other finds it HELD (or FAILED
     * again, if the winner already gave up: the caller tries later).
     */
    public ClaimOutcome claimForReplay(String routeId, String key) {
        ClaimOutcome outcome = claim(routeId, List.of(key)).get(key);
        if (outcome != ClaimOutcome.FAILED) {
            return outcome;
        }
        int reopened = Transactions.withConnection(dataSource, "re-open key for a replay", c -> {
            try (PreparedStatement ps = c.prepareStatement(REOPEN)) {
                Instant now = Timestamps.now(clock);
                ps.setString(1, owner);
                Timestamps.set(ps, 2, Timestamps.micros(now.plus(timings.lease())));
                Timestamps.set(ps, 3, now);
                ps.setString(4, key);
                return ps.executeUpdate();
            }
        });
        return reopened == 1
                ? ClaimOutcome.TAKEN_OVER
                : claim(routeId, List.of(key)).get(key);
    }

    /** Counts the committed takeovers and logs one line per previous owner. */
    private void reportTakeovers(String routeId, Map<String, Orphan> takenOver) {
        Map<String, List<String>> byOwner = new TreeMap<>();
        takenOver.forEach((key, orphan) -> {
            takeovers.get(orphan.reason()).increment();
            byOwner.computeIfAbsent(String.valueOf(orphan.owner()), o -> new ArrayList<>())
                    .add(key);
        });
        byOwner.forEach((previous, ownerKeys) -> {
            List<Orphan> of = ownerKeys.stream().map(takenOver::get).toList();
            long byLease =
                    of.stream().filter(o -> o.reason() == TakeoverReason.LEASE).count();
            String why = of.stream()
                    .filter(o -> o.reason() == TakeoverReason.OWNER_GONE)
                    .findFirst()
                    .map(o -> (o.heartbeat() == null
                                    ? "owner gone (no heartbeat row)"
                                    : "owner gone (last heartbeat " + o.heartbeat() + ")")
                            + (byLease > 0 ? ", " + byLease + " by lease" : ""))
                    .orElse("lease ended");
            LOG.warn(
                    "ledger owner {} took over {} key(s) of {} from owner {}: {}; e.g. {}",
                    owner,
                    ownerKeys.size(),
                    routeId,
                    previous,
                    why,
                    ownerKeys.get(0));
        });
    }

    /** An IN_PROGRESS key its owner may no longer work on, as read by the claim's SELECT. */
    private record Orphan(String owner, int attempts, Instant claimedAt, TakeoverReason reason, Instant heartbeat) {

        /**
         * The orphan in the current row, or null when the key is held: its lease is live and its owner is us or still
         * beats (or, without an owner row, claimed it less than the owner timeout ago).
         */
        static Orphan of(ResultSet rs, String us, Instant now, Instant silentSince) throws SQLException {
            String owner = rs.getString("owner");
            int attempts = rs.getInt("attempts");
            Instant claimedAt = Timestamps.get(rs, "updated_at");
            Instant lease = Timestamps.get(rs, "lease_until");
            if (lease == null || lease.isBefore(now)) {
                return new Orphan(owner, attempts, claimedAt, TakeoverReason.LEASE, null);
            }
            if (us.equals(owner)) {
                return null; // an earlier claim of ours still in flight
            }
            Instant heartbeat = Timestamps.get(rs, "heartbeat_at");
            Instant lastSeen = heartbeat != null ? heartbeat : claimedAt;
            return lastSeen.isBefore(silentSince)
                    ? new Orphan(owner, attempts, claimedAt, TakeoverReason.OWNER_GONE, heartbeat)
                    : null;
        }
    }

    /**
     * Records the final status of keys this owner claimed, in one batched statement and its own transaction. A key no
     * longer owned by us (another owner took it over: our lease ran out or our heartbeat stopped) is left alone and
     * logged.
     */
    public void complete(List<Completion> completions) {
        if (completions.isEmpty()) {
            return;
        }
        Transactions.inTransaction(
                dataSource, "complete " + completions.size() + " keys", c -> completeOn(c, completions));
    }

    /**
     * Same as {@link #complete(List)} on the caller's connection, joining its transaction (e.g. together with the
     * watermark advance, so both commit or neither does).
     */
    public void complete(Connection c, List<Completion> completions) {
        if (completions.isEmpty()) {
            return;
        }
        Transactions.onConnection(
                c, "complete " + completions.size() + " keys", connection -> completeOn(connection, completions));
    }

    private int completeOn(Connection c, List<Completion> completions) throws SQLException {
        Instant now = Timestamps.now(clock);
        List<Completion> sorted = completions.stream()
                .sorted(Comparator.comparing(Completion::key))
                .toList();
        try (PreparedStatement ps = c.prepareStatement(COMPLETE)) {
            for (Completion completion : sorted) {
                ps.setString(1, completion.status().name());
                ps.setString(2, completion.resultRef());
                Timestamps.set(ps, 3, now);
                ps.setString(4, completion.key());
                ps.setString(5, owner);
                ps.addBatch();
            }
            int[] counts = ps.executeBatch();
            int completed = 0;
            List<String> notOurs = new ArrayList<>();
            for (int i = 0; i < counts.length; i++) {
                if (counts[i] == 0) {
                    notOurs.add(sorted.get(i).key());
                } else {
                    completed++;
                }
            }
            if (!notOurs.isEmpty()) {
                LOG.warn(
                        "ledger owner {} no longer owns {} key(s), their completion was not recorded: {}",
                        owner,
                        notOurs.size(),
                        notOurs);
            }
            return completed;
        }
    }

    public Optional<LedgerEntry> find(String key) {
        return Transactions.withConnection(dataSource, "find ledger entry", c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT_BY_KEY)) {
                ps.setString(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(read(rs)) : Optional.empty();
                }
            }
        });
    }

    /** Every entry of the route, oldest first. */
    public List<LedgerEntry> findByRoute(String routeId) {
        return Transactions.withConnection(dataSource, "find ledger entries of " + routeId, c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT_BY_ROUTE)) {
                ps.setString(1, routeId);
                try (ResultSet rs = ps.executeQuery()) {
                    List<LedgerEntry> entries = new ArrayList<>();
                    while (rs.next()) {
                        entries.add(read(rs));
                    }
                    return entries;
                }
            }
        });
    }

    public int countByStatus(String routeId, LedgerStatus status) {
        return Transactions.withConnection(dataSource, "count ledger entries of " + routeId, c -> {
            try (PreparedStatement ps = c.prepareStatement(COUNT_BY_ROUTE_AND_STATUS)) {
                ps.setString(1, routeId);
                ps.setString(2, status.name());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                }
            }
        });
    }

    // --- Camel IdempotentRepository, one key at a time under the default route id ---

    /** True when the key is now ours to process (new, or taken over from a gone owner or after an expired lease). */
    @Override
    public boolean add(String key) {
        return claim(defaultRouteId, List.of(key)).get(key).mustProcess();
    }

    /** True when the key was delivered or is being processed under a live lease. */
    @Override
    public boolean contains(String key) {
        Instant now = Timestamps.now(clock);
        return find(key)
                .map(e -> e.status() == LedgerStatus.DONE || e.isHeldAt(now))
                .orElse(false);
    }

    /** Forgets our IN_PROGRESS claim of the key so the message can be retried; DONE and FAILED entries stay. */
    @Override
    public boolean remove(String key) {
        return Transactions.withConnection(dataSource, "remove ledger claim", c -> {
            try (PreparedStatement ps = c.prepareStatement(DELETE_OWN_IN_PROGRESS)) {
                ps.setString(1, key);
                ps.setString(2, owner);
                return ps.executeUpdate() == 1;
            }
        });
    }

    /** Marks our claim of the key DONE. */
    @Override
    public boolean confirm(String key) {
        return Transactions.inTransaction(
                        dataSource, "confirm ledger key", c -> completeOn(c, List.of(Completion.done(key, null))))
                == 1;
    }

    /**
     * Refused: the ledger is the record of what was delivered, and wiping it would let every source row be delivered
     * again. Camel only calls this from an operator's JMX "clear" on an idempotent consumer.
     */
    @Override
    public void clear() {
        throw new UnsupportedOperationException(
                "the idempotency ledger is never cleared: it records what was delivered, and clearing it would re-deliver everything");
    }

    @Override
    protected void doStart() {
        // Stateless between calls: every operation uses a pooled connection of its own.
    }

    @Override
    protected void doStop() {
        // Nothing held; the DataSource belongs to the caller.
    }

    private static String checkKey(String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("idempotency key must not be null or empty");
        }
        if (key.length() > MAX_KEY_LENGTH) {
            throw new IllegalArgumentException("idempotency key '" + key.substring(0, 40) + "...' is " + key.length()
                    + " characters long; at most " + MAX_KEY_LENGTH + " fit the ledger");
        }
        return key;
    }

    private static LedgerEntry read(ResultSet rs) throws SQLException {
        return new LedgerEntry(
                rs.getString("idem_key"),
                rs.getString("route_id"),
                LedgerStatus.valueOf(rs.getString("status")),
                rs.getInt("attempts"),
                rs.getString("owner"),
                Timestamps.get(rs, "lease_until"),
                Timestamps.get(rs, "created_at"),
                Timestamps.get(rs, "updated_at"),
                rs.getString("result_ref"));
    }
}
