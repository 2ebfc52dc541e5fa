package io.caravan.ops.alerts;

import io.caravan.store.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/** The alert history ({@code alert_event}), the per-route rule overrides ({@code alert_override}) and the ids an alert cites. */
public final class AlertEvents {
    /** A stored alert. */
    public record Event(
            long id,
            String rule,
            String route,
            String severity,
            String state,
            Double value,
            double threshold,
            Instant firstAt,
            Instant lastSentAt,
            int sentCount,
            Instant resolvedAt,
            int deliveryFailures,
            String lastError) {

        public String describe() {
            return "#" + id + " " + state + " " + severity + " " + rule + " on " + route + " value " + value
                    + " threshold " + threshold + " since " + firstAt + " sent " + sentCount + "×"
                    + (lastSentAt == null ? "" : " last " + lastSentAt)
                    + (resolvedAt == null ? "" : " resolved " + resolvedAt)
                    + (deliveryFailures == 0 ? "" : " delivery failures " + deliveryFailures + " (" + lastError + ")");
        }
    }

    /** A route's change to a rule: another threshold (null keeps the declared one) or the rule off. */
    public record Override(Double threshold, boolean enabled) {}

    static final String INSERT =
            """
            INSERT INTO alert_event (rule_id, route_id, severity, state, metric_value, threshold, summary, first_at,
                                     last_sent_at, sent_count)
            VALUES (?, ?, ?, 'FIRING', ?, ?, ?, ?, ?, 1)""";
    static final String SENT_AGAIN =
            "UPDATE alert_event SET metric_value = ?, last_sent_at = ?, sent_count = sent_count + 1 WHERE id = ?";
    static final String RESOLVE =
            "UPDATE alert_event SET state = 'RESOLVED', resolved_at = ?, metric_value = ?, last_sent_at = ?,"
                    + " sent_count = sent_count + 1 WHERE id = ?";
    static final String DELIVERY_FAILED =
            "UPDATE alert_event SET delivery_failures = delivery_failures + 1, last_error = ? WHERE id = ?";
    static final String COLUMNS =
            "id, rule_id, route_id, severity, state, metric_value, threshold, first_at, last_sent_at, sent_count,"
                    + " resolved_at, delivery_failures, last_error";
    static final String FIRING = "SELECT " + COLUMNS + " FROM alert_event WHERE state = 'FIRING' ORDER BY id";
    static final String RECENT = "SELECT " + COLUMNS + " FROM alert_event ORDER BY id DESC FETCH FIRST ? ROWS ONLY";
    static final String OVERRIDES = "SELECT route_id, rule_id, threshold, enabled FROM alert_override";
    static final String LATEST_CORRELATION =
            "SELECT correlation_id FROM dead_letter WHERE route_id = ? ORDER BY created_at DESC, id DESC"
                    + " FETCH FIRST 1 ROWS ONLY";
    static final String LATEST_EXECUTION =
            "SELECT id FROM execution_log WHERE route_id = ? ORDER BY started_at DESC, id DESC FETCH FIRST 1 ROWS ONLY";

    private final DataSource dataSource;

    public AlertEvents(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Records a first FIRING notification and returns its id. */
    public long fired(Notification n) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(INSERT, new String[] {"id"})) {
            ps.setString(1, n.rule().id());
            ps.setString(2, n.route());
            ps.setString(3, n.rule().severity().name());
            ps.setDouble(4, n.value());
            ps.setDouble(5, n.threshold());
            ps.setString(6, cut(n.rule().summary(), 1000));
            ps.setObject(7, ts(n.firstAt()));
            ps.setObject(8, ts(n.at()));
            ps.executeUpdate();
            try (ResultSet keys = ps.getGeneratedKeys()) {
                keys.next();
                return keys.getLong(1);
            }
        } catch (SQLException e) {
            throw new StoreException("alert_event insert failed", e);
        }
    }

    public void sentAgain(long id, double value, Instant at) {
        update(SENT_AGAIN, ps -> {
            ps.setDouble(1, value);
            ps.setObject(2, ts(at));
            ps.setLong(3, id);
        });
    }

    public void resolved(long id, double value, Instant at) {
        update(RESOLVE, ps -> {
            ps.setObject(1, ts(at));
            if (Double.isNaN(value)) {
                ps.setNull(2, Types.DOUBLE);
            } else {
                ps.setDouble(2, value);
            }
            ps.setObject(3, ts(at));
            ps.setLong(4, id);
        });
    }

    public void deliveryFailed(long id, String error) {
        update(DELIVERY_FAILED, ps -> {
            ps.setString(1, cut(error, 500));
            ps.setLong(2, id);
        });
    }

    /** Alerts still FIRING (a restart picks them up, so they are neither sent again early nor left unresolved). */
    public List<Event> firing() {
        return query(FIRING, ps -> {});
    }

    /** The latest {@code limit} alerts, newest first. */
    public List<Event> recent(int limit) {
        return query(RECENT, ps -> ps.setInt(1, limit));
    }

    /** Overrides by route, then rule id. */
    public Map<String, Map<String, Override>> overrides() {
        Map<String, Map<String, Override>> all = new HashMap<>();
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(OVERRIDES);
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                double t = rs.getDouble(3);
                Double threshold = rs.wasNull() ? null : t;
                all.computeIfAbsent(rs.getString(1), r -> new HashMap<>())
                        .put(rs.getString(2), new Override(threshold, rs.getBoolean(4)));
            }
        } catch (SQLException e) {
            throw new StoreException("alert_override read failed", e);
        }
        return all;
    }

    /** The route's latest dead letter's correlation id. */
    public Optional<String> latestCorrelationId(String route) {
        return single(LATEST_CORRELATION, route);
    }

    /** The route's latest execution id (feed and drain keep an execution log). */
    public Optional<String> latestExecutionId(String route) {
        return single(LATEST_EXECUTION, route);
    }

    private Optional<String> single(String sql, String route) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, route);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            return Optional.empty(); // an alert is sent without the id rather than not at all
        }
    }

    private interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    private void update(String sql, Binder binder) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            binder.bind(ps);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new StoreException("alert_event update failed", e);
        }
    }

    private List<Event> query(String sql, Binder binder) {
        List<Event> events = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            binder.bind(ps);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    double v = rs.getDouble("metric_value");
                    Double value = rs.wasNull() ? null : v;
                    events.add(new Event(
                            rs.getLong("id"),
                            rs.getString("rule_id"),
                            rs.getString("route_id"),
                            rs.getString("severity"),
                            rs.getString("state"),
                            value,
                            rs.getDouble("threshold"),
                            instant(rs.getObject("first_at", OffsetDateTime.class)),
                            instant(rs.getObject("last_sent_at", OffsetDateTime.class)),
                            rs.getInt("sent_count"),
                            instant(rs.getObject("resolved_at", OffsetDateTime.class)),
                            rs.getInt("delivery_failures"),
                            rs.getString("last_error")));
                }
            }
        } catch (SQLException e) {
            throw new StoreException("alert_event read failed", e);
        }
        return events;
    }

    private static OffsetDateTime ts(Instant i) {
        return OffsetDateTime.ofInstant(i.truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC);
    }

    private static Instant instant(OffsetDateTime t) {
        return t == null ? null : t.toInstant();
    }

    private static String cut(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max);
    }
}
