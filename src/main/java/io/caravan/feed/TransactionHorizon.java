package io.caravan.feed;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import javax.sql.DataSource;

/**
 * The commit horizon of a PostgreSQL source: the start of the oldest transaction open on the source database, capped
 * at the database's now(). Sound when updated_at is assigned by the writing transaction from the database clock at or
 * after its start (now(), transaction_timestamp(), clock_timestamp(), a trigger): a transaction still open then has
 * xact_start at or before every updated_at it will commit, and a transaction starting later gets a later clock. Reads
 * stop strictly before the horizon, so equal timestamps are never split.
 *
 * <p>Other roles' transactions are visible only with {@code GRANT pg_read_all_stats TO <feed user>} (or pg_monitor);
 * when some backend's state is hidden (or track_activities is off), the horizon is unknown and the execution
 * falls back to the overlap re-check.
 * A transaction open longer than {@code maxWait} (typically idle in transaction) stops holding the feed back: the
 * feed reads up to now() and rows that transaction commits later are caught by the overlap re-check or the backstop.
 */
final class TransactionHorizon implements CommitHorizon {
    /**
     * Client backends of this database other than ours; idle ones have no open transaction. A backend the user may
     * not inspect shows neither its state nor its type (both null): it is counted as hidden.
     */
    static final String OLDEST_OPEN_TRANSACTION =
            """
            SELECT now() AS db_now,
                   min(xact_start) FILTER (WHERE state IS DISTINCT FROM 'idle') AS oldest,
                   count(*) FILTER (WHERE state IS NULL OR state = 'disabled') AS hidden
            FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid()
              AND (backend_type = 'client backend' OR backend_type IS NULL)""";

    private final DataSource source;
    private final Duration maxWait;

    TransactionHorizon(DataSource source, Duration maxWait) {
        this.source = source;
        this.maxWait = maxWait;
    }

    @Override
    public Horizon find() throws Exception {
        try (Connection c = source.getConnection();
                PreparedStatement ps = c.prepareStatement(OLDEST_OPEN_TRANSACTION);
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            Instant now = rs.getObject("db_now", OffsetDateTime.class).toInstant();
            OffsetDateTime oldestValue = rs.getObject("oldest", OffsetDateTime.class);
            long hidden = rs.getLong("hidden");
            if (hidden > 0) {
                return Horizon.none(hidden + " backend(s) of the source database are hidden from the feed's user; "
                        + "GRANT pg_read_all_stats (or pg_monitor) to it for a commit horizon");
            }
            if (oldestValue == null || !oldestValue.toInstant().isBefore(now)) {
                return Horizon.before(now, Duration.ZERO);
            }
            Instant oldest = oldestValue.toInstant();
            Duration hold = Duration.between(oldest, now);
            if (hold.compareTo(maxWait) > 0) {
                return Horizon.pastHold(
                        now,
                        hold,
                        "a transaction open for " + seconds(hold) + " exceeds maxHorizonWait " + seconds(maxWait)
                                + "; reading past it, rows it commits later are re-checked as late rows");
            }
            return Horizon.before(oldest, hold);
        }
    }

    static String seconds(Duration d) {
        return d.toMillis() / 1000.0 + " s";
    }
}
