package io.caravan.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;

/** The config_audit trail: every change to a route's config row and every reconciler action on the route. */
public final class ConfigAudit {

    // Actions written by RouteConfigStore.
    public static final String CREATED = "CREATED";
    public static final String UPDATED = "UPDATED";
    public static final String ENABLED = "ENABLED";
    public static final String DISABLED = "DISABLED";
    public static final String DELETED = "DELETED";
    // Actions written by the reconciler.
    public static final String STARTED = "STARTED";
    public static final String STOPPED = "STOPPED";
    public static final String RECREATED = "RECREATED";
    public static final String REJECTED = "REJECTED";

    static final String INSERT =
            """
            INSERT INTO config_audit (route_id, action, old_value, new_value, changed_by, changed_at)
            VALUES (?, ?, ?, ?, ?, ?)""";
    static final String SELECT_FOR_ROUTE =
            """
            SELECT id, route_id, action, old_value, new_value, changed_by, changed_at, db_user
            FROM config_audit WHERE route_id = ? ORDER BY id""";

    private final DataSource dataSource;
    private final Clock clock;

    public ConfigAudit(DataSource dataSource, Clock clock) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public void record(String routeId, String action, String oldValue, String newValue, String changedBy) {
        Transactions.withConnection(dataSource, "audit " + action + " of " + routeId, c -> {
            insert(c, routeId, action, oldValue, newValue, changedBy);
            return null;
        });
    }

    /** Same as {@link #record(String, String, String, String, String)}, joining the caller's transaction. */
    public void record(
            Connection c, String routeId, String action, String oldValue, String newValue, String changedBy) {
        Transactions.onConnection(c, "audit " + action + " of " + routeId, connection -> {
            insert(connection, routeId, action, oldValue, newValue, changedBy);
            return null;
        });
    }

    /** The route's audit trail, oldest first. */
    public List<AuditEntry> forRoute(String routeId) {
        return Transactions.withConnection(dataSource, "read audit of " + routeId, c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT_FOR_ROUTE)) {
                ps.setString(1, routeId);
                try (ResultSet rs = ps.executeQuery()) {
                    List<AuditEntry> entries = new ArrayList<>();
                    while (rs.next()) {
                        entries.add(new AuditEntry(
                                rs.getLong("id"),
                                rs.getString("route_id"),
                                rs.getString("action"),
                                rs.getString("old_value"),
                                rs.getString("new_value"),
                                rs.getString("changed_by"),
                                Timestamps.get(rs, "changed_at"),
                                rs.getString("db_user")));
                    }
                    return entries;
                }
            }
        });
    }

    private void insert(Connection c, String routeId, String action, String oldValue, String newValue, String changedBy)
            throws SQLException {
        Objects.requireNonNull(routeId, "routeId");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(changedBy, "changedBy");
        try (PreparedStatement ps = c.prepareStatement(INSERT)) {
            ps.setString(1, routeId);
            ps.setString(2, action);
            ps.setString(3, oldValue);
            ps.setString(4, newValue);
            ps.setString(5, changedBy);
            Timestamps.set(ps, 6, Timestamps.now(clock));
            ps.executeUpdate();
        }
    }
}
