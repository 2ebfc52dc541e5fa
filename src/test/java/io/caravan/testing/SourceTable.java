package io.caravan.testing;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/**
 * A feed source for tests: table source_rows(id, revision, payload, updated_at) in its own database, H2 in memory or
 * a database on the embedded PostgreSQL.
 */
public final class SourceTable {
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private final String url;
    private final String user;
    private final DataSource dataSource;

    private SourceTable(String url, String user) {
        this.url = url;
        this.user = user;
        this.dataSource = Databases.pool(url, user, "");
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE source_rows (id BIGINT PRIMARY KEY, revision INT NOT NULL, payload VARCHAR(200), "
                    + "updated_at TIMESTAMP WITH TIME ZONE NOT NULL)");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public static SourceTable create() {
        return new SourceTable("jdbc:h2:mem:source_" + COUNTER.incrementAndGet() + ";DB_CLOSE_DELAY=-1", "sa");
    }

    /** A source table in a new database of {@code backend}. */
    public static SourceTable create(Databases.Backend backend) {
        return backend == Databases.Backend.H2
                ? create()
                : new SourceTable(Databases.postgresJdbcUrl(Databases.emptyPostgresDatabase()), "postgres");
    }

    public String url() {
        return url;
    }

    public String user() {
        return user;
    }

    public DataSource dataSource() {
        return dataSource;
    }

    /** Inserts rows first..last (inclusive) with revision 1, all at {@code at} plus id microseconds. */
    public void insert(long first, long last, Instant at) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("INSERT INTO source_rows VALUES (?, 1, ?, ?)")) {
            for (long id = first; id <= last; id++) {
                ps.setLong(1, id);
                ps.setString(2, "row-" + id);
                ps.setObject(3, at.plusNanos(id * 1000).atOffset(ZoneOffset.UTC));
                ps.addBatch();
            }
            ps.executeBatch();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public void insert(long id, int revision, String payload, Instant updatedAt) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("INSERT INTO source_rows VALUES (?, ?, ?, ?)")) {
            ps.setLong(1, id);
            ps.setInt(2, revision);
            ps.setString(3, payload);
            ps.setObject(4, updatedAt.atOffset(ZoneOffset.UTC));
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A touch: only updated_at moves to {@code at}; the content stays the same. */
    public void touch(long id, Instant at) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("UPDATE source_rows SET updated_at = ? WHERE id = ?")) {
            ps.setObject(1, at.atOffset(ZoneOffset.UTC));
            ps.setLong(2, id);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An edit: new revision and payload, updated_at moved to {@code at}. */
    public void edit(long id, String payload, Instant at) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "UPDATE source_rows SET revision = revision + 1, payload = ?, updated_at = ? WHERE id = ?")) {
            ps.setString(1, payload);
            ps.setObject(2, at.atOffset(ZoneOffset.UTC));
            ps.setLong(3, id);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
