package io.caravan.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;

/** One {@code execution_log} row per scheduled execution: begun RUNNING, finished with counts and a status. */
public final class ExecutionLog {

    static final String INSERT =
            """
            INSERT INTO execution_log (route_id, started_at, ended_at, cycles, rows_read, rows_delivered, rows_duplicate,
                                       rows_dead_lettered, status, detail)
            VALUES (?, ?, ?, 0, 0, 0, 0, 0, ?, ?)""";
    static final String FINISH =
            """
            UPDATE execution_log
            SET ended_at = ?, cycles = ?, rows_read = ?, rows_delivered = ?, rows_duplicate = ?, rows_dead_lettered = ?,
                status = ?, detail = ?
            WHERE id = ?""";
    static final String PROGRESS =
            """
            UPDATE execution_log
            SET cycles = ?, rows_read = ?, rows_delivered = ?, rows_duplicate = ?, rows_dead_lettered = ?
            WHERE id = ? AND status = 'RUNNING'""";
    static final String ABANDON_RUNNING =
            """
            UPDATE execution_log SET ended_at = ?, status = 'INCOMPLETE', detail = ?
            WHERE route_id = ? AND status = 'RUNNING'""";
    static final String SELECT_RECENT =
            """
            SELECT id, route_id, started_at, ended_at, cycles, rows_read, rows_delivered, rows_duplicate,
                   rows_dead_lettered, status, detail
            FROM execution_log WHERE route_id = ?
            ORDER BY started_at DESC, id DESC
            FETCH FIRST ? ROWS ONLY""";
    static final String SELECT_RECENT_WITH_STATUS =
            """
            SELECT id, route_id, started_at, ended_at, cycles, rows_read, rows_delivered, rows_duplicate,
                   rows_dead_lettered, status, detail
            FROM execution_log WHERE route_id = ? AND status = ?
            ORDER BY started_at DESC, id DESC
            FETCH FIRST ? ROWS ONLY""";
    static final String SELECT_ONE =
            """
            SELECT id, route_id, started_at, ended_at, cycles, rows_read, rows_delivered, rows_duplicate,
                   rows_dead_lettered, status, detail
            FROM execution_log WHERE id = ?""";

    private final DataSource dataSource;
    private final Clock clock;

    public ExecutionLog(DataSource dataSource, Clock clock) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Starts a RUNNING execution now and returns its id for {@link #finish}. */
    public long begin(String routeId) {
        return insert(routeId, false, ExecutionStatus.RUNNING, null);
    }

    public void finish(
            long id,
            int cycles,
            int read,
            int delivered,
            int duplicate,
            int deadLettered,
            ExecutionStatus status,
            String detail) {
        if (status == ExecutionStatus.RUNNING) {
            throw new IllegalArgumentException("execution " + id + " cannot finish as RUNNING");
        }
        Transactions.withConnection(dataSource, "finish execution " + id, c -> {
            try (PreparedStatement ps = c.prepareStatement(FINISH)) {
                Timestamps.set(ps, 1, Timestamps.now(clock));
                ps.setInt(2, cycles);
                ps.setInt(3, read);
                ps.setInt(4, delivered);
                ps.setInt(5, duplicate);
                ps.setInt(6, deadLettered);
                ps.setString(7, status.name());
                ps.setString(8, detail);
                ps.setLong(9, id);
                if (ps.executeUpdate() != 1) {
                    throw new IllegalArgumentException("no execution with id " + id);
                }
                return null;
            }
        });
    }

    /**
     * Records a RUNNING execution's counts so far, on the caller's connection and in its transaction (the one that
     * completes the page's ledger keys), so an execution killed mid-way still shows what it delivered.
     */
    public void progress(Connection c, long id, int cycles, int read, int delivered, int duplicate, int deadLettered) {
        Transactions.onConnection(c, "record progress of execution " + id, connection -> {
            try (PreparedStatement ps = connection.prepareStatement(PROGRESS)) {
                ps.setInt(1, cycles);
                ps.setInt(2, read);
                ps.setInt(3, delivered);
                ps.setInt(4, duplicate);
                ps.setInt(5, deadLettered);
                ps.setLong(6, id);
                ps.executeUpdate();
                return null;
            }
        });
    }

    /**
     * Marks the route's RUNNING executions INCOMPLETE: called when this process takes the route over, so an
     * execution the previous process never finished (it crashed or was killed) is visible as incomplete.
     * Returns how many there were.
     */
    public int abandonRunning(String routeId, String detail) {
        return Transactions.withConnection(dataSource, "close abandoned executions of " + routeId, c -> {
            try (PreparedStatement ps = c.prepareStatement(ABANDON_RUNNING)) {
                Timestamps.set(ps, 1, Timestamps.now(clock));
                ps.setString(2, detail);
                ps.setString(3, routeId);
                return ps.executeUpdate();
            }
        });
    }

    /** A one-shot FAILED execution that started and ended now, e.g. when the route's config row was rejected. */
    public void recordFailure(String routeId, String detail) {
        insert(routeId, true, ExecutionStatus.FAILED, detail);
    }

    /** The route's latest executions, newest first. */
    public List<Execution> recent(String routeId, int limit) {
        if (limit <= 0) {
            return List.of();
        }
        return Transactions.withConnection(dataSource, "read executions of " + routeId, c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT_RECENT)) {
                ps.setString(1, routeId);
                ps.setInt(2, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    List<Execution> executions = new ArrayList<>();
                    while (rs.next()) {
                        executions.add(read(rs));
                    }
                    return executions;
                }
            }
        });
    }

    /** The route's latest executions in {@code status}, newest first. */
    public List<Execution> recent(String routeId, ExecutionStatus status, int limit) {
        if (limit <= 0) {
            return List.of();
        }
        return Transactions.withConnection(dataSource, "read " + status + " executions of " + routeId, c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT_RECENT_WITH_STATUS)) {
                ps.setString(1, routeId);
                ps.setString(2, status.name());
                ps.setInt(3, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    List<Execution> executions = new ArrayList<>();
                    while (rs.next()) {
                        executions.add(read(rs));
                    }
                    return executions;
                }
            }
        });
    }

    public Optional<Execution> find(long id) {
        return Transactions.withConnection(dataSource, "find execution " + id, c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT_ONE)) {
                ps.setLong(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(read(rs)) : Optional.empty();
                }
            }
        });
    }

    private long insert(String routeId, boolean ended, ExecutionStatus status, String detail) {
        Objects.requireNonNull(routeId, "routeId");
        Instant now = Timestamps.now(clock);
        return Transactions.withConnection(dataSource, "log execution of " + routeId, c -> {
            try (PreparedStatement ps = c.prepareStatement(INSERT, new String[] {"id"})) {
                ps.setString(1, routeId);
                Timestamps.set(ps, 2, now);
                Timestamps.set(ps, 3, ended ? now : null);
                ps.setString(4, status.name());
                ps.setString(5, detail);
                ps.executeUpdate();
                try (ResultSet keys = ps.getGeneratedKeys()) {
                    keys.next();
                    return keys.getLong(1);
                }
            }
        });
    }

    private static Execution read(ResultSet rs) throws SQLException {
        return new Execution(
                rs.getLong("id"),
                rs.getString("route_id"),
                Timestamps.get(rs, "started_at"),
                Timestamps.get(rs, "ended_at"),
                rs.getInt("cycles"),
                rs.getInt("rows_read"),
                rs.getInt("rows_delivered"),
                rs.getInt("rows_duplicate"),
                rs.getInt("rows_dead_lettered"),
                ExecutionStatus.valueOf(rs.getString("status")),
                rs.getString("detail"));
    }
}
