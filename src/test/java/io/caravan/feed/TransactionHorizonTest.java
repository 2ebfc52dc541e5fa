package io.caravan.feed;

import static org.assertj.core.api.Assertions.assertThat;

import io.caravan.testing.Databases;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** The PostgreSQL commit horizon read from pg_stat_activity, and what it needs to be trusted. */
class TransactionHorizonTest {

    /**
     * Guards against a horizon computed without seeing other roles' transactions (it would pass their late commits):
     * without pg_read_all_stats the horizon is reported unknown; with it, an open transaction holds it back.
     */
    @Test
    void horizon_needs_pg_read_all_stats_and_stops_at_the_oldest_open_transaction() throws Exception {
        String database = Databases.emptyPostgresDatabase();
        String url = Databases.postgresJdbcUrl(database);
        DataSource admin = Databases.pool(url, "postgres", "");
        String role = "feed_reader_" + database;
        try (Connection c = admin.getConnection();
                Statement s = c.createStatement()) {
            s.execute("CREATE ROLE " + role + " LOGIN");
        }
        // the URL names the superuser; the feed's reader connects as its own role
        String readerUrl = url.replace("user=postgres", "user=" + role);
        TransactionHorizon horizon = new TransactionHorizon(Databases.pool(readerUrl, role, ""), Duration.ofMinutes(5));

        try (Connection writer = admin.getConnection()) {
            writer.setAutoCommit(false);
            Instant started;
            try (Statement s = writer.createStatement();
                    var rs = s.executeQuery("SELECT now()")) {
                rs.next();
                started = rs.getObject(1, OffsetDateTime.class).toInstant();
            }

            Horizon hidden = horizon.find();
            assertThat(hidden.before()).isNull();
            assertThat(hidden.overlapNeeded()).isTrue();
            assertThat(hidden.note()).contains("GRANT pg_read_all_stats");

            try (Connection c = admin.getConnection();
                    Statement s = c.createStatement()) {
                s.execute("GRANT pg_read_all_stats TO " + role);
            }
            Horizon held = horizon.find();
            assertThat(held.before()).isEqualTo(started);
            assertThat(held.overlapNeeded()).isFalse();
            assertThat(held.hold()).isPositive();
            writer.commit();
        }

        Horizon free = horizon.find();
        assertThat(free.before()).isAfter(Instant.now().minusSeconds(60));
        assertThat(free.hold()).isZero();
    }

    /** Guards against one forgotten session stopping a feed for good: past maxHorizonWait the feed reads on. */
    @Test
    void transaction_older_than_max_wait_no_longer_holds_the_horizon() throws Exception {
        String url = Databases.postgresJdbcUrl(Databases.emptyPostgresDatabase());
        DataSource source = Databases.pool(url, "postgres", "");
        TransactionHorizon horizon = new TransactionHorizon(source, Duration.ofMillis(200));
        try (Connection forgotten = source.getConnection()) {
            forgotten.setAutoCommit(false);
            try (Statement s = forgotten.createStatement()) {
                s.execute("SELECT 1");
            }
            Thread.sleep(400);
            Horizon past = horizon.find();
            assertThat(past.overlapNeeded()).isTrue();
            assertThat(past.hold()).isGreaterThan(Duration.ofMillis(200));
            assertThat(past.note()).contains("exceeds maxHorizonWait");
            assertThat(past.before()).isAfter(Instant.now().minusSeconds(60));
            forgotten.rollback();
        }
    }
}
