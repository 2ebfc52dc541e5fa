package io.caravan.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Replay requests in {@code replay_request}. A worker {@linkplain #lease leases} the oldest unfinished request, works
 * through its dead letters in id order and {@linkplain #record records} each entry's outcome together with the
 * request's cursor (and the ledger's completion of the key) in one transaction, so after a crash the request resumes
 * after the last entry recorded, and an entry whose send was cut off is judged again through the ledger.
 */
public final class ReplayRequests {
    static final String INSERT =
            """
            INSERT INTO replay_request (filter_json, requested_by, requested_at, status, max_per_second)
            VALUES (?, ?, ?, 'PENDING', ?)""";
    static final String COLUMNS =
            """
            id, filter_json, requested_by, requested_at, status, max_per_second, cursor_id, resent, already_delivered,
            failed_again, owner, lease_until, finished_at, detail""";
    static final String SELECT_BY_ID = "SELECT " + COLUMNS + " FROM replay_request WHERE id = ?";
    static final String SELECT_RECENT =
            "SELECT " + COLUMNS + " FROM replay_request ORDER BY id DESC FETCH FIRST ? ROWS ONLY";
    static final String SELECT_LEASABLE =
            """
            SELECT id FROM replay_request
            WHERE status IN ('PENDING', 'RUNNING') AND (owner IS NULL OR owner = ? OR lease_until < ?)
            ORDER BY id FETCH FIRST 1 ROWS ONLY""";
    /** Takes the request only if nobody else holds it with a live lease (a compare-and-set against a racing worker). */
    static final String LEASE =
            """
            UPDATE replay_request SET status = 'RUNNING', owner = ?, lease_until = ?
            WHERE id = ? AND status IN ('PENDING', 'RUNNING') AND (owner IS NULL OR owner = ? OR lease_until < ?)""";

    static final String ADVANCE =
            """
            UPDATE replay_request
            SET cursor_id = ?, resent = resent + ?, already_delivered = already_delivered + ?,
                failed_again = failed_again + ?, lease_until = ?, detail = NULL
            WHERE id = ? AND owner = ? AND status = 'RUNNING'""";
    static final String RENEW =
            "UPDATE replay_request SET lease_until = ?, detail = ? WHERE id = ? AND owner = ? AND status = 'RUNNING'";
    static final String FINISH =
            """
            UPDATE replay_request SET status = 'DONE', finished_at = ?, owner = NULL, lease_until = NULL
            WHERE id = ? AND owner = ? AND status = 'RUNNING'""";
    static final String CANCEL =
            """
            UPDATE replay_request SET status = 'CANCELLED', finished_at = ?, owner = NULL, lease_until = NULL
            WHERE id = ? AND status IN ('PENDING', 'RUNNING')""";
    static final String MARK_DEAD_LETTER =
            """
            UPDATE dead_letter SET replay_status = ?, replay_reason = ?, replayed_at = ?, replay_request_id = ?
            WHERE id = ?""";

    private final DataSource dataSource;
    private final Clock clock;

    public ReplayRequests(DataSource dataSource, Clock clock) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Stores a new PENDING request and returns its id. */
    public long create(ReplayFilter filter, int maxPerSecond, String requestedBy) {
        if (maxPerSecond < 1 || maxPerSecond > 1000) {
            throw new IllegalArgumentException("maxPerSecond must be 1 to 1000, not " + maxPerSecond);
        }
        return Transactions.withConnection(dataSource, "create replay request", c -> {
            try (PreparedStatement ps = c.prepareStatement(INSERT, new String[] {"id"})) {
                ps.setString(1, filter.toJson());
                ps.setString(2, requestedBy);
                Timestamps.set(ps, 3, Timestamps.now(clock));
                ps.setInt(4, maxPerSecond);
                ps.executeUpdate();
                try (ResultSet keys = ps.getGeneratedKeys()) {
                    keys.next();
                    return keys.getLong(1);
                }
            }
        });
    }

    public Optional<ReplayRequest> find(long id) {
        return Transactions.withConnection(dataSource, "find replay request " + id, c -> find(c, id));
    }

    /** The latest requests, newest first. */
    public List<ReplayRequest> recent(int limit) {
        return Transactions.withConnection(dataSource, "read replay requests", c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT_RECENT)) {
                ps.setInt(1, Math.max(1, limit));
                try (ResultSet rs = ps.executeQuery()) {
                    List<ReplayRequest> requests = new ArrayList<>();
                    while (rs.next()) {
                        requests.add(read(rs));
                    }
                    return requests;
                }
            }
        });
    }

    /** Cancels a request that has not finished; false when it had. The entry being sent still gets its outcome. */
    public boolean cancel(long id) {
        return Transactions.withConnection(dataSource, "cancel replay request " + id, c -> {
            try (PreparedStatement ps = c.prepareStatement(CANCEL)) {
                Timestamps.set(ps, 1, Timestamps.now(clock));
                ps.setLong(2, id);
                return ps.executeUpdate() == 1;
            }
        });
    }

    /**
     * The oldest unfinished request, now RUNNING for {@code owner} until now + lease: one nobody holds, one of ours,
     * or one whose worker stopped renewing its lease (it crashed). Empty when there is none.
     */
    public Optional<ReplayRequest> lease(String owner, Duration lease) {
        return Transactions.inTransaction(dataSource, "lease a replay request", c -> {
            Instant now = Timestamps.now(clock);
            Long id = null;
            try (PreparedStatement ps = c.prepareStatement(SELECT_LEASABLE)) {
                ps.setString(1, owner);
                Timestamps.set(ps, 2, now);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        id = rs.getLong(1);
                    }
                }
            }
            if (id == null) {
                return Optional.<ReplayRequest>empty();
            }
            try (PreparedStatement ps = c.prepareStatement(LEASE)) {
                ps.setString(1, owner);
                Timestamps.set(ps, 2, Timestamps.micros(now.plus(lease)));
                ps.setLong(3, id);
                ps.setString(4, owner);
                Timestamps.set(ps, 5, now);
                if (ps.executeUpdate() == 0) {
                    return Optional.<ReplayRequest>empty(); // another worker took it first
                }
            }
            return find(c, id);
        });
    }

    /**
     * Records one entry's outcome in one transaction: the dead letter's replay status, reason and request; the ledger
     * completion of its key, if any; the request's cursor and counts (and its lease renewed). The dead letter and the
     * ledger are written whatever became of the request; returns false when the request is no longer ours to
     * continue (cancelled, or taken over after our lease ran out).
     */
    public boolean record(
            ReplayRequest request,
            String owner,
            Duration lease,
            long deadLetterId,
            String outcome,
            String reason,
            IdempotencyLedger ledger,
            Completion completion) {
        return Transactions.inTransaction(dataSource, "record replay of dead letter " + deadLetterId, c -> {
            Instant now = Timestamps.now(clock);
            try (PreparedStatement ps = c.prepareStatement(MARK_DEAD_LETTER)) {
                ps.setString(1, outcome);
                ps.setString(
                        2,
                        reason == null || reason.length() <= DeadLetters.MAX_REASON_CHARS
                                ? reason
                                : reason.substring(0, DeadLetters.MAX_REASON_CHARS));
                Timestamps.set(ps, 3, now);
                ps.setLong(4, request.id());
                ps.setLong(5, deadLetterId);
                ps.executeUpdate();
            }
            if (completion != null) {
                ledger.complete(c, List.of(completion));
            }
            try (PreparedStatement ps = c.prepareStatement(ADVANCE)) {
                ps.setLong(1, deadLetterId);
                ps.setInt(2, DeadLetter.REPLAYED.equals(outcome) ? 1 : 0);
                ps.setInt(3, DeadLetter.ALREADY_DELIVERED.equals(outcome) ? 1 : 0);
                ps.setInt(4, DeadLetter.FAILED_AGAIN.equals(outcome) ? 1 : 0);
                Timestamps.set(ps, 5, Timestamps.micros(now.plus(lease)));
                ps.setLong(6, request.id());
                ps.setString(7, owner);
                return ps.executeUpdate() == 1;
            }
        });
    }

    /** Renews our lease and says what the request waits for; false when it is no longer ours. */
    public boolean renew(long id, String owner, Duration lease, String detail) {
        return Transactions.withConnection(dataSource, "renew replay request " + id, c -> {
            try (PreparedStatement ps = c.prepareStatement(RENEW)) {
                Timestamps.set(ps, 1, Timestamps.micros(Timestamps.now(clock).plus(lease)));
                ps.setString(2, detail);
                ps.setLong(3, id);
                ps.setString(4, owner);
                return ps.executeUpdate() == 1;
            }
        });
    }

    /** Marks our request DONE: every matching entry has an outcome. */
    public boolean finish(long id, String owner) {
        return Transactions.withConnection(dataSource, "finish replay request " + id, c -> {
            try (PreparedStatement ps = c.prepareStatement(FINISH)) {
                Timestamps.set(ps, 1, Timestamps.now(clock));
                ps.setLong(2, id);
                ps.setString(3, owner);
                return ps.executeUpdate() == 1;
            }
        });
    }

    private static Optional<ReplayRequest> find(Connection c, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SELECT_BY_ID)) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(read(rs)) : Optional.empty();
            }
        }
    }

    private static ReplayRequest read(ResultSet rs) throws SQLException {
        return new ReplayRequest(
                rs.getLong("id"),
                ReplayFilter.parse(rs.getString("filter_json")),
                rs.getString("requested_by"),
                Timestamps.get(rs, "requested_at"),
                ReplayRequest.Status.valueOf(rs.getString("status")),
                rs.getInt("max_per_second"),
                rs.getLong("cursor_id"),
                rs.getInt("resent"),
                rs.getInt("already_delivered"),
                rs.getInt("failed_again"),
                rs.getString("owner"),
                Timestamps.get(rs, "lease_until"),
                Timestamps.get(rs, "finished_at"),
                rs.getString("detail"));
    }
}
