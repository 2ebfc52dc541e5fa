package io.caravan.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The route_config table. Every change bumps the row's version and writes a config_audit row (old and new row as
 * JSON) in the same transaction; writing a row that asks for nothing new changes nothing and audits nothing, so the
 * config-as-code seed can be upserted at every start.
 */
public final class RouteConfigStore {

    static final String COLUMNS =
            """
            route_id, template, enabled, tier, profile, schedule, params, throttle_per_second, retry_max_attempts,
            retry_initial_delay_ms, retry_max_delay_ms, owner, version, updated_at, updated_by""";
    static final String SELECT_ALL = "SELECT " + COLUMNS + " FROM route_config ORDER BY route_id";
    static final String SELECT_ONE = "SELECT " + COLUMNS + " FROM route_config WHERE route_id = ?";
    static final String SELECT_ONE_FOR_UPDATE = SELECT_ONE + " FOR UPDATE";
    static final String INSERT =
            "INSERT INTO route_config (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    /** Guarded by the version read under FOR UPDATE: a lost update fails loudly instead of overwriting. */
    static final String UPDATE =
            """
            UPDATE route_config
            SET template = ?, enabled = ?, tier = ?, profile = ?, schedule = ?, params = ?, throttle_per_second = ?,
                retry_max_attempts = ?, retry_initial_delay_ms = ?, retry_max_delay_ms = ?, owner = ?,
                version = ?, updated_at = ?, updated_by = ?
            WHERE route_id = ? AND version = ?""";

    static final String DELETE = "DELETE FROM route_config WHERE route_id = ?";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final DataSource dataSource;
    private final Clock clock;
    private final ConfigAudit audit;

    public RouteConfigStore(DataSource dataSource, Clock clock) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.audit = new ConfigAudit(dataSource, clock);
    }

    /** Every row, ordered by route id. */
    public List<RouteConfigRow> all() {
        return Transactions.withConnection(dataSource, "read route config", c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT_ALL);
                    ResultSet rs = ps.executeQuery()) {
                List<RouteConfigRow> rows = new ArrayList<>();
                while (rs.next()) {
                    rows.add(read(rs));
                }
                return rows;
            }
        });
    }

    public Optional<RouteConfigRow> find(String routeId) {
        return Transactions.withConnection(
                dataSource, "find route config of " + routeId, c -> select(c, SELECT_ONE, routeId));
    }

    /**
     * Makes the stored row ask for what {@code desired} asks for. A new route is inserted at version 1 (audit CREATED);
     * a changed one is updated to version + 1 (audit UPDATED); an identical one (see
     * {@link RouteConfigRow#sameContentAs}) is left alone. Returns the row as stored afterwards.
     */
    public RouteConfigRow upsert(RouteConfigRow desired, String changedBy) {
        Objects.requireNonNull(changedBy, "changedBy");
        return Transactions.inTransaction(dataSource, "upsert route config of " + desired.routeId(), c -> {
            Optional<RouteConfigRow> stored = select(c, SELECT_ONE_FOR_UPDATE, desired.routeId());
            Instant now = Timestamps.now(clock);
            if (stored.isEmpty()) {
                RouteConfigRow created = desired.withVersion(1, now, changedBy);
                insert(c, created);
                audit.record(c, created.routeId(), ConfigAudit.CREATED, null, toJson(created), changedBy);
                return created;
            }
            if (stored.get().sameContentAs(desired)) {
                return stored.get();
            }
            RouteConfigRow updated = desired.withVersion(stored.get().version() + 1, now, changedBy);
            update(c, updated, stored.get().version());
            audit.record(c, updated.routeId(), ConfigAudit.UPDATED, toJson(stored.get()), toJson(updated), changedBy);
            return updated;
        });
    }

    /**
     * Enables or disables the route (version + 1, audit ENABLED or DISABLED). Already in that state: nothing changes,
     * so the version (which the reconciler watches) only moves on a real change.
     *
     * @throws IllegalArgumentException when the route has no row
     */
    public RouteConfigRow setEnabled(String routeId, boolean enabled, String changedBy) {
        Objects.requireNonNull(changedBy, "changedBy");
        return Transactions.inTransaction(dataSource, "set enabled of " + routeId, c -> {
            RouteConfigRow stored = select(c, SELECT_ONE_FOR_UPDATE, routeId)
                    .orElseThrow(() -> new IllegalArgumentException("no route_config row for route '" + routeId + "'"));
            if (stored.enabled() == enabled) {
                return stored;
            }
            RouteConfigRow changed =
                    stored.withEnabled(enabled).withVersion(stored.version() + 1, Timestamps.now(clock), changedBy);
            update(c, changed, stored.version());
            audit.record(
                    c,
                    routeId,
                    enabled ? ConfigAudit.ENABLED : ConfigAudit.DISABLED,
                    toJson(stored),
                    toJson(changed),
                    changedBy);
            return changed;
        });
    }

    /** Deletes the route's row (audit DELETED with the old row); a route without a row is left alone. */
    public void delete(String routeId, String by) {
        Objects.requireNonNull(by, "by");
        Transactions.inTransaction(dataSource, "delete route config of " + routeId, c -> {
            Optional<RouteConfigRow> stored = select(c, SELECT_ONE_FOR_UPDATE, routeId);
            if (stored.isPresent()) {
                try (PreparedStatement ps = c.prepareStatement(DELETE)) {
                    ps.setString(1, routeId);
                    ps.executeUpdate();
                }
                audit.record(c, routeId, ConfigAudit.DELETED, toJson(stored.get()), null, by);
            }
            return null;
        });
    }

    private static void insert(Connection c, RouteConfigRow row) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT)) {
            ps.setString(1, row.routeId());
            ps.setString(2, row.template());
            ps.setBoolean(3, row.enabled());
            ps.setString(4, row.tier());
            ps.setString(5, row.profile());
            ps.setString(6, row.schedule());
            ps.setString(7, row.params());
            setInt(ps, 8, row.throttlePerSecond());
            setInt(ps, 9, row.retryMaxAttempts());
            setLong(ps, 10, row.retryInitialDelayMs());
            setLong(ps, 11, row.retryMaxDelayMs());
            ps.setString(12, row.owner());
            ps.setLong(13, row.version());
            Timestamps.set(ps, 14, row.updatedAt());
            ps.setString(15, row.updatedBy());
            ps.executeUpdate();
        }
    }

    private static void update(Connection c, RouteConfigRow row, long expectedVersion) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(UPDATE)) {
            ps.setString(1, row.template());
            ps.setBoolean(2, row.enabled());
            ps.setString(3, row.tier());
            ps.setString(4, row.profile());
            ps.setString(5, row.schedule());
            ps.setString(6, row.params());
            setInt(ps, 7, row.throttlePerSecond());
            setInt(ps, 8, row.retryMaxAttempts());
            setLong(ps, 9, row.retryInitialDelayMs());
            setLong(ps, 10, row.retryMaxDelayMs());
            ps.setString(11, row.owner());
            ps.setLong(12, row.version());
            Timestamps.set(ps, 13, row.updatedAt());
            ps.setString(14, row.updatedBy());
            ps.setString(15, row.routeId());
            ps.setLong(16, expectedVersion);
            if (ps.executeUpdate() != 1) {
                throw new IllegalStateException("route_config row of " + row.routeId()
                        + " changed concurrently (expected version " + expectedVersion + ")");
            }
        }
    }

    private static Optional<RouteConfigRow> select(Connection c, String sql, String routeId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, routeId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(read(rs)) : Optional.empty();
            }
        }
    }

    private static RouteConfigRow read(ResultSet rs) throws SQLException {
        return new RouteConfigRow(
                rs.getString("route_id"),
                rs.getString("template"),
                rs.getBoolean("enabled"),
                rs.getString("tier"),
                rs.getString("profile"),
                rs.getString("schedule"),
                rs.getString("params"),
                rs.getObject("throttle_per_second", Integer.class),
                rs.getObject("retry_max_attempts", Integer.class),
                rs.getObject("retry_initial_delay_ms", Long.class),
                rs.getObject("retry_max_delay_ms", Long.class),
                rs.getString("owner"),
                rs.getLong("version"),
                Timestamps.get(rs, "updated_at"),
                rs.getString("updated_by"));
    }

    private static void setInt(PreparedStatement ps, int index, Integer value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.INTEGER);
        } else {
            ps.setInt(index, value);
        }
    }

    private static void setLong(PreparedStatement ps, int index, Long value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.BIGINT);
        } else {
            ps.setLong(index, value);
        }
    }

    /** The row as the audit trail shows it: column names as keys, params embedded as JSON when they parse. */
    static String toJson(RouteConfigRow row) {
        ObjectNode node = JSON.createObjectNode();
        node.put("route_id", row.routeId());
        node.put("template", row.template());
        node.put("enabled", row.enabled());
        node.put("tier", row.tier());
        node.put("profile", row.profile());
        node.put("schedule", row.schedule());
        try {
            node.set("params", JSON.readTree(row.params()));
        } catch (JsonProcessingException e) {
            node.put("params", row.params());
        }
        node.put("throttle_per_second", row.throttlePerSecond());
        node.put("retry_max_attempts", row.retryMaxAttempts());
        node.put("retry_initial_delay_ms", row.retryInitialDelayMs());
        node.put("retry_max_delay_ms", row.retryMaxDelayMs());
        node.put("owner", row.owner());
        node.put("version", row.version());
        node.put("updated_at", row.updatedAt() == null ? null : row.updatedAt().toString());
        node.put("updated_by", row.updatedBy());
        return node.toString();
    }
}
