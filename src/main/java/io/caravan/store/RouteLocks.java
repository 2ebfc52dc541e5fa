package io.caravan.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import javax.sql.DataSource;

/**
 * Leases in {@code route_lock}: one holder per lock key at a time, across threads and processes sharing the store.
 * A lease is renewed while its work runs and released after it; a lease that ran out (its holder crashed or hung) is
 * taken over by the next {@link #acquire}.
 */
public final class RouteLocks {
    private static final String TAKE =
            """
            UPDATE route_lock SET owner = ?, lease_until = ?
            WHERE lock_key = ? AND (owner = ? OR lease_until < ?)""";
    private static final String INSERT = "INSERT INTO route_lock (lock_key, owner, lease_until) VALUES (?, ?, ?)";
    private static final String RENEW = "UPDATE route_lock SET lease_until = ? WHERE lock_key = ? AND owner = ?";
    private static final String RELEASE = "DELETE FROM route_lock WHERE lock_key = ? AND owner = ?";

    private final DataSource dataSource;
    private final Clock clock;

    public RouteLocks(DataSource dataSource, Clock clock) {
        this.dataSource = dataSource;
        this.clock = clock;
    }

    /** Takes the lock for {@code owner} until now + {@code lease}: free, already its own, or expired. */
    public boolean acquire(String key, String owner, Duration lease) {
        Instant now = Timestamps.now(clock);
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement(TAKE)) {
                ps.setString(1, owner);
                Timestamps.set(ps, 2, now.plus(lease));
                ps.setString(3, key);
                ps.setString(4, owner);
                Timestamps.set(ps, 5, now);
                if (ps.executeUpdate() == 1) {
                    return true;
                }
            }
            try (PreparedStatement ps = c.prepareStatement(INSERT)) {
                ps.setString(1, key);
                ps.setString(2, owner);
                Timestamps.set(ps, 3, now.plus(lease));
                ps.executeUpdate();
                return true;
            } catch (SQLException e) {
                if ("23505".equals(e.getSQLState())) {
                    return false; // another holder's live lease, or one inserted a moment ago
                }
                throw e;
            }
        } catch (SQLException e) {
            throw new StoreException("taking route lock " + key + " failed", e);
        }
    }

    /** Extends {@code owner}'s lease; false when the lock is no longer its own (it ran out and was taken over). */
    public boolean renew(String key, String owner, Duration lease) {
        try (Connection c = dataSource.getConnection()) {
            return renew(c, key, owner, Timestamps.now(clock).plus(lease));
        } catch (SQLException e) {
            throw new StoreException("renewing route lock " + key + " failed", e);
        }
    }

    /**
     * The renewal inside a caller's transaction: it also locks the lock row until that transaction ends, so no other
     * holder takes the lock over between this check and the caller's writes (a fence).
     */
    static boolean renew(Connection c, String key, String owner, Instant until) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(RENEW)) {
            Timestamps.set(ps, 1, until);
            ps.setString(2, key);
            ps.setString(3, owner);
            return ps.executeUpdate() == 1;
        }
    }

    public void release(String key, String owner) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(RELEASE)) {
            ps.setString(1, key);
            ps.setString(2, owner);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new StoreException("releasing route lock " + key + " failed", e);
        }
    }
}
