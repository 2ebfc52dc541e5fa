package io.caravan.bench;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneOffset;

/**
 * A source table of {@code rows} unsent rows, ids 1..rows, revision 1, a ~200-byte payload and distinct updated_at
 * one millisecond apart, with the (updated_at, id) index a keyset-paged source has. Built fresh for every run, so
 * each variant drains the same backlog from a database nobody has read yet.
 */
final class Backlog implements AutoCloseable {
    static final Instant FIRST_CHANGE = Instant.parse("2026-01-05T08:00:00Z");
    private static final int BATCH = 5_000;

    final int rows;
    final BenchStore.Db db;
    final HikariDataSource dataSource;
    final long fillMillis;

    private Backlog(int rows, BenchStore.Db db, HikariDataSource dataSource, long fillMillis) {
        this.rows = rows;
        this.db = db;
        this.dataSource = dataSource;
        this.fillMillis = fillMillis;
    }

    static Backlog create(BenchStore store, int rows) {
        long start = System.nanoTime();
        BenchStore.Db db = store.freshSource();
        HikariDataSource ds = BenchStore.pool(db, "bench-source", 4);
        try (Connection c = ds.getConnection()) {
            try (Statement s = c.createStatement()) {
                s.execute(
                        "CREATE TABLE source_rows (id BIGINT PRIMARY KEY, revision INT NOT NULL, payload VARCHAR(400) NOT NULL, "
                                + "updated_at TIMESTAMP WITH TIME ZONE NOT NULL)");
            }
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO source_rows VALUES (?, 1, ?, ?)")) {
                for (int id = 1; id <= rows; id++) {
                    ps.setLong(1, id);
                    ps.setString(2, payload(id));
                    ps.setObject(3, FIRST_CHANGE.plusMillis(id).atOffset(ZoneOffset.UTC));
                    ps.addBatch();
                    if (id % BATCH == 0 || id == rows) {
                        ps.executeBatch();
                    }
                }
            }
            c.commit();
            c.setAutoCommit(true);
            try (Statement s = c.createStatement()) {
                s.execute("CREATE INDEX source_rows_keyset ON source_rows (updated_at, id)");
                boolean postgres = c.getMetaData().getDatabaseProductName().equalsIgnoreCase("postgresql");
                // PostgreSQL: set hint bits and statistics now, so no variant pays for the first read of fresh rows
                s.execute(postgres ? "VACUUM ANALYZE source_rows" : "ANALYZE TABLE source_rows");
            }
        } catch (SQLException e) {
            ds.close();
            throw new IllegalStateException("cannot build a backlog of " + rows + " rows", e);
        }
        return new Backlog(rows, db, ds, (System.nanoTime() - start) / 1_000_000);
    }

    /** ~200 bytes of realistic text for row {@code id}: an hours entry's free fields. */
    static String payload(int id) {
        String s = "{\"employee\":\"E" + (100_000 + id % 4_000) + "\",\"project\":\"PRJ-" + (id % 250)
                + "-2026\",\"hours\":"
                + (id % 9) + "." + (id % 4) * 25 + ",\"work_date\":\"2026-01-" + (1 + id % 28 < 10 ? "0" : "")
                + (1 + id % 28)
                + "\",\"activity\":\"Implementation and review of integration work package " + id + "\",\"comment\":\"";
        StringBuilder b = new StringBuilder(s);
        while (b.length() < 198) {
            b.append((char) ('a' + (id + b.length()) % 26));
        }
        return b.append("\"}").toString();
    }

    @Override
    public void close() {
        dataSource.close();
        db.drop().run();
    }
}
