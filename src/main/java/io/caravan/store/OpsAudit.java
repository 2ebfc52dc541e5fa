package io.caravan.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * The ops_audit trail: every operation an operator ran through caravan's MBeans, with the principal the management
 * authentication gave, the arguments (already redacted by the caller) and the outcome. Written in its own
 * transaction after the operation, so a refused or failed operation is audited too.
 */
public final class OpsAudit {

    /** How an operation ended. */
    public enum Outcome {
        OK,
        REFUSED,
        FAILED
    }

    /** One ops_audit row. */
    public record Entry(
            long id,
            String principal,
            Instant at,
            String mbean,
            String operation,
            String arguments,
            Outcome outcome,
            String result) {}

    static final String INSERT =
            """
            INSERT INTO ops_audit (principal, occurred_at, mbean, operation, arguments, outcome, result)
            VALUES (?, ?, ?, ?, ?, ?, ?)""";
    static final String SELECT_RECENT =
            """
            SELECT id, principal, occurred_at, mbean, operation, arguments, outcome, result
            FROM ops_audit ORDER BY id DESC
            FETCH FIRST ? ROWS ONLY""";

    /** Longest result text kept; an operation's answer can be a long listing. */
    static final int MAX_RESULT = 4000;

    private final DataSource dataSource;
    private final Clock clock;

    public OpsAudit(DataSource dataSource, Clock clock) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public void record(
            String principal, String mbean, String operation, String arguments, Outcome outcome, String result) {
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(mbean, "mbean");
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(outcome, "outcome");
        Transactions.withConnection(dataSource, "audit operation " + operation, c -> {
            try (PreparedStatement ps = c.prepareStatement(INSERT)) {
                ps.setString(1, principal);
                Timestamps.set(ps, 2, Timestamps.now(clock));
                ps.setString(3, mbean);
                ps.setString(4, operation);
                ps.setString(5, arguments);
                ps.setString(6, outcome.name());
                ps.setString(
                        7, result == null || result.length() <= MAX_RESULT ? result : result.substring(0, MAX_RESULT));
                return ps.executeUpdate();
            }
        });
    }

    /** The latest entries, newest first. */
    public List<Entry> recent(int limit) {
        if (limit <= 0) {
            return List.of();
        }
        return Transactions.withConnection(dataSource, "read ops audit", c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT_RECENT)) {
                ps.setInt(1, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    List<Entry> entries = new ArrayList<>();
                    while (rs.next()) {
                        entries.add(new Entry(
                                rs.getLong("id"),
                                rs.getString("principal"),
                                Timestamps.get(rs, "occurred_at"),
                                rs.getString("mbean"),
                                rs.getString("operation"),
                                rs.getString("arguments"),
                                Outcome.valueOf(rs.getString("outcome")),
                                rs.getString("result")));
                    }
                    return entries;
                }
            }
        });
    }
}
