package io.caravan.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import javax.sql.DataSource;

/**
 * The route_pause table: routes an operator paused. A paused route keeps its row enabled but does not consume;
 * the pause is stored so that the reconciler, another instance and a restart all respect it until it is resumed.
 */
public final class RoutePauses {

    static final String SELECT_ALL = "SELECT route_id FROM route_pause";
    static final String SELECT_ONE = "SELECT route_id FROM route_pause WHERE route_id = ?";
    static final String INSERT = "INSERT INTO route_pause (route_id, paused_by, paused_at) VALUES (?, ?, ?)";
    static final String DELETE = "DELETE FROM route_pause WHERE route_id = ?";

    private final DataSource dataSource;
    private final Clock clock;

    public RoutePauses(DataSource dataSource, Clock clock) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Ids of every paused route. */
    public Set<String> paused() {
        return Transactions.withConnection(dataSource, "read route pauses", c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT_ALL);
                    ResultSet rs = ps.executeQuery()) {
                Set<String> ids = new HashSet<>();
                while (rs.next()) {
                    ids.add(rs.getString("route_id"));
                }
                return ids;
            }
        });
    }

    /** Pauses the route; returns false when it was already paused (nothing changes). */
    public boolean pause(String routeId, String by) {
        Objects.requireNonNull(routeId, "routeId");
        Objects.requireNonNull(by, "by");
        return Transactions.inTransaction(dataSource, "pause " + routeId, c -> {
            try (PreparedStatement check = c.prepareStatement(SELECT_ONE)) {
                check.setString(1, routeId);
                try (ResultSet rs = check.executeQuery()) {
                    if (rs.next()) {
                        return false;
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement(INSERT)) {
                ps.setString(1, routeId);
                ps.setString(2, by);
                Timestamps.set(ps, 3, Timestamps.now(clock));
                return ps.executeUpdate() == 1;
            }
        });
    }

    /** Ends the route's pause; returns false when it was not paused. */
    public boolean resume(String routeId) {
        return Transactions.withConnection(dataSource, "resume " + routeId, c -> {
            try (PreparedStatement ps = c.prepareStatement(DELETE)) {
                ps.setString(1, routeId);
                return ps.executeUpdate() == 1;
            }
        });
    }
}
