package io.caravan.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * How often the orphan sweeper re-drove one transient trigger (table {@code trigger_redrive}), so it can give up
 * after a limit. A trigger is named by a reference of the caller's choosing (its key and ETag: a trigger written
 * again is a new trigger).
 */
public final class TriggerRedrives {
    static final String SELECT = "SELECT redrives FROM trigger_redrive WHERE trigger_ref = ?";
    static final String INCREMENT =
            "UPDATE trigger_redrive SET redrives = redrives + 1, last_redrive = ? WHERE trigger_ref = ?";
    static final String INSERT =
            "INSERT INTO trigger_redrive (trigger_ref, route_id, redrives, first_redrive, last_redrive) VALUES (?, ?, 1, ?, ?)";
    public static final int MAX_REF_LENGTH = 600;

    private final DataSource dataSource;
    private final Clock clock;

    public TriggerRedrives(DataSource dataSource, Clock clock) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Re-drives recorded for the trigger so far (0 if none). */
    public int count(String triggerRef) {
        return Transactions.withConnection(dataSource, "count re-drives", c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT)) {
                ps.setString(1, checkRef(triggerRef));
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getInt(1) : 0;
                }
            }
        });
    }

    /** Counts one more re-drive of the trigger and returns the new count. */
    public int record(String routeId, String triggerRef) {
        String ref = checkRef(triggerRef);
        Instant now = Timestamps.now(clock);
        return Transactions.inTransaction(dataSource, "record re-drive", c -> {
            try (PreparedStatement update = c.prepareStatement(INCREMENT)) {
                Timestamps.set(update, 1, now);
                update.setString(2, ref);
                if (update.executeUpdate() == 0) {
                    try (PreparedStatement insert = c.prepareStatement(INSERT)) {
                        insert.setString(1, ref);
                        insert.setString(2, routeId);
                        Timestamps.set(insert, 3, now);
                        Timestamps.set(insert, 4, now);
                        insert.executeUpdate();
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement(SELECT)) {
                ps.setString(1, ref);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                }
            }
        });
    }

    private static String checkRef(String ref) {
        if (ref == null || ref.isEmpty() || ref.length() > MAX_REF_LENGTH) {
            throw new IllegalArgumentException("trigger reference must be 1 to " + MAX_REF_LENGTH + " characters");
        }
        return ref;
    }
}
