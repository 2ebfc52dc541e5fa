package io.caravan.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Per-route watermarks. A watermark only moves forward: advancing to a position at or behind the stored one keeps the
 * stored one, so a late or repeated advance (an overlapping poll, a retried execution) can never re-open rows that
 * were already handled.
 */
public final class Watermarks {

    static final String SELECT_ONE = "SELECT updated_at, last_id FROM watermark WHERE route_id = ?";
    static final String SELECT_ONE_FOR_UPDATE = SELECT_ONE + " FOR UPDATE";
    static final String SELECT_ALL = "SELECT route_id, updated_at, last_id FROM watermark ORDER BY route_id";
    /** Compare-and-set: moves from the position read before, so a concurrent advance is never overwritten. */
    static final String UPDATE_IF_UNCHANGED =
            """
            UPDATE watermark SET updated_at = ?, last_id = ?, advanced_at = ?
            WHERE route_id = ? AND updated_at = ? AND last_id = ?""";

    static final String DELETE = "DELETE FROM watermark WHERE route_id = ?";

    private static final int MAX_ATTEMPTS = 5;

    private final DataSource dataSource;
    private final Clock clock;
    private final Dialect dialect;

    public Watermarks(DataSource dataSource, Clock clock) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.dialect = Dialect.of(dataSource);
    }

    public Optional<Watermark> find(String routeId) {
        return Transactions.withConnection(
                dataSource, "find watermark of " + routeId, c -> select(c, SELECT_ONE, routeId));
    }

    public Map<String, Watermark> all() {
        return Transactions.withConnection(dataSource, "read all watermarks", c -> {
            Map<String, Watermark> all = new LinkedHashMap<>();
            try (PreparedStatement ps = c.prepareStatement(SELECT_ALL);
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    all.put(rs.getString("route_id"), read(rs));
                }
            }
            return all;
        });
    }

    /** Moves the route's watermark to {@code to} unless the stored one is already at or past it; own transaction. */
    public void advance(String routeId, Watermark to) {
        Transactions.inTransaction(dataSource, "advance watermark of " + routeId, c -> {
            advanceOn(c, routeId, to);
            return null;
        });
    }

    /**
     * Same as {@link #advance(String, Watermark)} on the caller's connection, joining its transaction: commit and
     * rollback are the caller's, so the watermark moves together with whatever else that transaction writes.
     */
    public void advance(Connection c, String routeId, Watermark to) {
        Transactions.onConnection(c, "advance watermark of " + routeId, connection -> {
            advanceOn(connection, routeId, to);
            return null;
        });
    }

    /**
     * Sets the route's watermark to {@code to}, backwards or forwards: an operator's explicit reset (re-read from a
     * position, or start from now). The only way a watermark moves back; the caller makes sure the route does not
     * run meanwhile. Returns the watermark it replaced.
     */
    public Optional<Watermark> reset(String routeId, Watermark to) {
        Objects.requireNonNull(routeId, "routeId");
        Objects.requireNonNull(to, "watermark");
        return Transactions.inTransaction(dataSource, "reset watermark of " + routeId, c -> {
            Optional<Watermark> before = select(c, SELECT_ONE_FOR_UPDATE, routeId);
            try (PreparedStatement ps = c.prepareStatement(DELETE)) {
                ps.setString(1, routeId);
                ps.executeUpdate();
            }
            // the feed's re-read passes (overlap re-check, backstop) restart from the new position
            try (PreparedStatement ps = c.prepareStatement(RereadCursors.DELETE_ROUTE)) {
                ps.setString(1, routeId);
                ps.executeUpdate();
            }
            if (!insertIfAbsent(c, routeId, to)) {
                throw new IllegalStateException("watermark of " + routeId + " was written concurrently during reset");
            }
            return before;
        });
    }

    private void advanceOn(Connection c, String routeId, Watermark to) throws SQLException {
        Objects.requireNonNull(routeId, "routeId");
        Objects.requireNonNull(to, "watermark");
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            Optional<Watermark> current = select(c, SELECT_ONE_FOR_UPDATE, routeId);
            if (current.isEmpty()) {
                if (insertIfAbsent(c, routeId, to)) {
                    return;
                }
                continue; // a concurrent first advance won; compare with it
            }
            if (!to.isAfter(current.get())) {
                return;
            }
            if (updateIfUnchanged(c, routeId, current.get(), to)) {
                return;
            }
        }
        throw new IllegalStateException(
                "watermark of " + routeId + " kept changing under concurrent advances; gave up after " + MAX_ATTEMPTS
                        + " attempts to advance it to " + to);
    }

    private boolean insertIfAbsent(Connection c, String routeId, Watermark to) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(dialect.insertWatermarkIfAbsent())) {
            ps.setString(1, routeId);
            Timestamps.set(ps, 2, to.updatedAt());
            ps.setString(3, to.id());
            Timestamps.set(ps, 4, Timestamps.now(clock));
            return ps.executeUpdate() == 1;
        }
    }

    private boolean updateIfUnchanged(Connection c, String routeId, Watermark from, Watermark to) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(UPDATE_IF_UNCHANGED)) {
            Timestamps.set(ps, 1, to.updatedAt());
            ps.setString(2, to.id());
            Timestamps.set(ps, 3, Timestamps.now(clock));
            ps.setString(4, routeId);
            Timestamps.set(ps, 5, from.updatedAt());
            ps.setString(6, from.id());
            return ps.executeUpdate() == 1;
        }
    }

    private static Optional<Watermark> select(Connection c, String sql, String routeId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, routeId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(read(rs)) : Optional.empty();
            }
        }
    }

    private static Watermark read(ResultSet rs) throws SQLException {
        return new Watermark(Timestamps.get(rs, "updated_at"), rs.getString("last_id"));
    }
}
