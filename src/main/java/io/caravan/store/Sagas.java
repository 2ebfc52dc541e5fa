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
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Orchestration state in {@code saga} and {@code saga_step}: one saga per plan and business key, its frozen plan,
 * and per step its status, attempts, idempotency key, request hash, result and error. A step's intent (CALLING) is
 * committed before its call and its result after it.
 */
public final class Sagas {
    public static final String PENDING = "PENDING";
    public static final String IN_PROGRESS = "IN_PROGRESS";
    public static final String COMPLETED = "COMPLETED";
    public static final String FAILED = "FAILED";
    public static final String COMPENSATED = "COMPENSATED";
    public static final String CANCELLED = "CANCELLED";
    /** Step status: the intent is recorded and the call may have reached the target. */
    public static final String CALLING = "CALLING";

    public static final String DONE = "DONE";

    public record Saga(
            String planName,
            String businessKey,
            String routeId,
            String status,
            String currentStep,
            String planVersion,
            String planText,
            String event,
            String error,
            Instant createdAt,
            Instant startedAt,
            Instant updatedAt,
            Instant finishedAt) {}

    public record Step(
            String step,
            int position,
            String status,
            int attempts,
            String idempotencyKey,
            String requestHash,
            String result,
            String error,
            Instant startedAt,
            Instant finishedAt) {}

    /** A step as the saga starts with it. */
    public record NewStep(String step, String idempotencyKey) {}

    private static final String SAGA_COLUMNS = "s.plan_name, s.business_key, s.route_id, s.status, s.current_step,"
            + " s.plan_version, s.plan_text, s.event, s.error, s.created_at, s.started_at, s.updated_at, s.finished_at";

    private final DataSource dataSource;
    private final Clock clock;

    public Sagas(DataSource dataSource, Clock clock) {
        this.dataSource = dataSource;
        this.clock = clock;
    }

    /** Starts a saga PENDING with its frozen plan and its steps; false when it already exists. */
    public boolean create(
            String plan,
            String key,
            String routeId,
            String planVersion,
            String planText,
            String event,
            List<NewStep> steps) {
        Instant now = Timestamps.now(clock);
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO saga (plan_name, business_key, route_id, status, plan_version, plan_text, event,"
                            + " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, plan);
                ps.setString(2, key);
                ps.setString(3, routeId);
                ps.setString(4, PENDING);
                ps.setString(5, planVersion);
                ps.setString(6, planText);
                ps.setString(7, event);
                Timestamps.set(ps, 8, now);
                Timestamps.set(ps, 9, now);
                ps.executeUpdate();
                try (PreparedStatement step = c.prepareStatement(
                        "INSERT INTO saga_step (plan_name, business_key, step, position, status, attempts,"
                                + " idempotency_key) VALUES (?, ?, ?, ?, ?, 0, ?)")) {
                    for (int i = 0; i < steps.size(); i++) {
                        step.setString(1, plan);
                        step.setString(2, key);
                        step.setString(3, steps.get(i).step());
                        step.setInt(4, i);
                        step.setString(5, PENDING);
                        step.setString(6, steps.get(i).idempotencyKey());
                        step.addBatch();
                    }
                    step.executeBatch();
                }
                c.commit();
                return true;
            } catch (SQLException e) {
                c.rollback();
                if ("23505".equals(e.getSQLState())) {
                    return false;
                }
                throw e;
            }
        } catch (SQLException e) {
            throw new StoreException("starting saga " + plan + "/" + key + " failed", e);
        }
    }

    public Optional<Saga> find(String plan, String key) {
        List<Saga> found = query(
                "SELECT " + SAGA_COLUMNS + " FROM saga s WHERE s.plan_name = ? AND s.business_key = ?", 1, plan, key);
        return found.stream().findFirst();
    }

    /** Sagas in {@code status}, most recently changed first, at most {@code limit}. */
    public List<Saga> byStatus(String status, int limit) {
        return query(
                "SELECT " + SAGA_COLUMNS + " FROM saga s WHERE s.status = ? ORDER BY s.updated_at DESC", limit, status);
    }

    /**
     * Sagas of {@code routeId} waiting to run (PENDING: new or resumed) or left IN_PROGRESS by a holder whose lock
     * lease ran out, oldest first.
     */
    public List<Saga> runnable(String routeId, int limit) {
        return query(
                "SELECT " + SAGA_COLUMNS + " FROM saga s LEFT JOIN route_lock l"
                        + " ON l.lock_key = s.plan_name || ':' || s.business_key"
                        + " WHERE s.route_id = ? AND s.status IN ('PENDING', 'IN_PROGRESS')"
                        + " AND (l.lock_key IS NULL OR l.lease_until < ?) ORDER BY s.updated_at",
                limit,
                routeId,
                Timestamps.now(clock));
    }

    /** IN_PROGRESS sagas of {@code routeId} last changed before {@code before}, oldest first. */
    public List<Saga> inProgressSince(String routeId, Instant before) {
        return query(
                "SELECT " + SAGA_COLUMNS + " FROM saga s WHERE s.route_id = ? AND s.status = 'IN_PROGRESS'"
                        + " AND s.updated_at < ? ORDER BY s.updated_at",
                1000,
                routeId,
                before);
    }

    public List<Step> steps(String plan, String key) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT step, position, status, attempts, idempotency_key, request_hash, result, error,"
                                + " started_at, finished_at FROM saga_step WHERE plan_name = ? AND business_key = ?"
                                + " ORDER BY position")) {
            ps.setString(1, plan);
            ps.setString(2, key);
            List<Step> steps = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    steps.add(new Step(
                            rs.getString("step"),
                            rs.getInt("position"),
                            rs.getString("status"),
                            rs.getInt("attempts"),
                            rs.getString("idempotency_key"),
                            rs.getString("request_hash"),
                            rs.getString("result"),
                            rs.getString("error"),
                            Timestamps.get(rs, "started_at"),
                            Timestamps.get(rs, "finished_at")));
                }
            }
            return steps;
        } catch (SQLException e) {
            throw new StoreException("reading steps of saga " + plan + "/" + key + " failed", e);
        }
    }

    /**
     * The route lock a holder writes a running saga under. Every write below first renews it inside the write's own
     * transaction, which also locks the lock row until the commit: a holder whose lease ran out and was taken over
     * writes nothing (the write returns false), and no takeover can slip between the check and the write.
     */
    public record Fence(String lockKey, String owner, Duration lease) {}

    /** The saga runs: IN_PROGRESS, its start time kept from the first run; false when the fence no longer holds. */
    public boolean running(String plan, String key, Fence fence) {
        Instant now = Timestamps.now(clock);
        return fenced(
                fence,
                "marking saga " + plan + "/" + key + " running",
                c -> update(
                        c,
                        "UPDATE saga SET status = ?, started_at = COALESCE(started_at, ?), updated_at = ?, error = NULL"
                                + " WHERE plan_name = ? AND business_key = ?",
                        IN_PROGRESS,
                        now,
                        now,
                        plan,
                        key));
    }

    /** Records the intent before a step's call: CALLING, one more attempt, the request's hash. */
    public boolean intent(String plan, String key, String step, String requestHash, Fence fence) {
        Instant now = Timestamps.now(clock);
        return fenced(fence, "recording intent of " + plan + "/" + key + "/" + step, c -> {
            update(
                    c,
                    "UPDATE saga_step SET status = ?, attempts = attempts + 1, request_hash = ?,"
                            + " started_at = COALESCE(started_at, ?), error = NULL"
                            + " WHERE plan_name = ? AND business_key = ? AND step = ?",
                    CALLING,
                    requestHash,
                    now,
                    plan,
                    key,
                    step);
            update(
                    c,
                    "UPDATE saga SET current_step = ?, updated_at = ? WHERE plan_name = ? AND business_key = ?",
                    step,
                    now,
                    plan,
                    key);
        });
    }

    /** Records a step's result after its call. */
    public boolean stepDone(String plan, String key, String step, String result, Fence fence) {
        Instant now = Timestamps.now(clock);
        return fenced(
                fence,
                "recording the result of " + plan + "/" + key + "/" + step,
                c -> update(
                        c,
                        "UPDATE saga_step SET status = ?, result = ?, error = NULL, finished_at = ?"
                                + " WHERE plan_name = ? AND business_key = ? AND step = ?",
                        DONE,
                        result,
                        now,
                        plan,
                        key,
                        step));
    }

    /** A step's end other than DONE or FAILED (COMPENSATED); its result stays. */
    public boolean stepStatus(String plan, String key, String step, String status, String error, Fence fence) {
        Instant now = Timestamps.now(clock);
        return fenced(
                fence,
                "recording step " + plan + "/" + key + "/" + step,
                c -> update(
                        c,
                        "UPDATE saga_step SET status = ?, error = ?, finished_at = ?"
                                + " WHERE plan_name = ? AND business_key = ? AND step = ?",
                        status,
                        error,
                        now,
                        plan,
                        key,
                        step));
    }

    /** The step FAILED with {@code error} and the saga FAILED at it, in one transaction. */
    public boolean failed(String plan, String key, String step, String error, String sagaError, Fence fence) {
        Instant now = Timestamps.now(clock);
        return fenced(fence, "recording the failure of " + plan + "/" + key + "/" + step, c -> {
            update(
                    c,
                    "UPDATE saga_step SET status = ?, error = ?, finished_at = ?"
                            + " WHERE plan_name = ? AND business_key = ? AND step = ?",
                    FAILED,
                    error,
                    now,
                    plan,
                    key,
                    step);
            end(c, plan, key, FAILED, sagaError, now);
        });
    }

    /** Ends the saga in {@code status} (COMPLETED, FAILED, COMPENSATED, CANCELLED). */
    public boolean end(String plan, String key, String status, String error, Fence fence) {
        Instant now = Timestamps.now(clock);
        return fenced(fence, "ending saga " + plan + "/" + key, c -> end(c, plan, key, status, error, now));
    }

    private static void end(Connection c, String plan, String key, String status, String error, Instant now)
            throws SQLException {
        update(
                c,
                "UPDATE saga SET status = ?, error = ?, updated_at = ?, finished_at = ?"
                        + " WHERE plan_name = ? AND business_key = ?",
                status,
                error,
                now,
                now,
                plan,
                key);
    }

    private interface Writes {
        void write(Connection c) throws SQLException;
    }

    private boolean fenced(Fence fence, String what, Writes writes) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                if (!RouteLocks.renew(
                        c, fence.lockKey(), fence.owner(), Timestamps.now(clock).plus(fence.lease()))) {
                    c.rollback();
                    return false;
                }
                writes.write(c);
                c.commit();
                return true;
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new StoreException(what + " failed", e);
        }
    }

    /**
     * Makes a saga PENDING again so the next execution resumes it: from its first unfinished step, or, with
     * {@code fromPosition}, from that step on (those steps and the ones after it are called again).
     */
    public boolean resume(String plan, String key, Integer fromPosition) {
        Instant now = Timestamps.now(clock);
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                int n = update(
                        c,
                        "UPDATE saga SET status = ?, error = NULL, finished_at = NULL, updated_at = ?"
                                + " WHERE plan_name = ? AND business_key = ?",
                        PENDING,
                        now,
                        plan,
                        key);
                if (fromPosition != null) {
                    update(
                            c,
                            "UPDATE saga_step SET status = ?, result = NULL, error = NULL, finished_at = NULL"
                                    + " WHERE plan_name = ? AND business_key = ? AND position >= ?",
                            PENDING,
                            plan,
                            key,
                            fromPosition);
                }
                c.commit();
                return n == 1;
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new StoreException("resuming saga " + plan + "/" + key + " failed", e);
        }
    }

    private List<Saga> query(String sql, int limit, Object... args) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, args);
            ps.setMaxRows(limit);
            List<Saga> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Saga(
                            rs.getString("plan_name"),
                            rs.getString("business_key"),
                            rs.getString("route_id"),
                            rs.getString("status"),
                            rs.getString("current_step"),
                            rs.getString("plan_version"),
                            rs.getString("plan_text"),
                            rs.getString("event"),
                            rs.getString("error"),
                            Timestamps.get(rs, "created_at"),
                            Timestamps.get(rs, "started_at"),
                            Timestamps.get(rs, "updated_at"),
                            Timestamps.get(rs, "finished_at")));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new StoreException("reading sagas failed", e);
        }
    }

    private int update(String sql, Object... args) {
        try (Connection c = dataSource.getConnection()) {
            return update(c, sql, args);
        } catch (SQLException e) {
            throw new StoreException("updating saga state failed", e);
        }
    }

    private static int update(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, args);
            return ps.executeUpdate();
        }
    }

    private static void bind(PreparedStatement ps, Object... args) throws SQLException {
        for (int i = 0; i < args.length; i++) {
            if (args[i] instanceof Instant t) {
                Timestamps.set(ps, i + 1, t);
            } else if (args[i] instanceof Integer n) {
                ps.setInt(i + 1, n);
            } else {
                ps.setString(i + 1, (String) args[i]);
            }
        }
    }
}
