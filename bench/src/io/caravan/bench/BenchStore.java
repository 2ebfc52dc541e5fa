package io.caravan.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Where a store kind keeps its databases: fresh ones per run for caravan's store, the plain route's message-id
 * table and the source. H2 as files in a temp dir (production local mode); PostgreSQL as databases on one embedded
 * server with production durability, not the test harness's fsync-off settings.
 */
abstract sealed class BenchStore implements AutoCloseable {
    private static final AtomicInteger COUNTER = new AtomicInteger();

    /** A JDBC database: where to connect, and how to throw it away once every pool on it is closed. */
    record Db(String url, String user, String password, Runnable drop) {}

    abstract String name();

    /** One line saying how durable commits are on this store. */
    abstract String durability();

    /** A new, empty database; {@code purpose} only names it. */
    abstract Db fresh(String purpose);

    /** A new, empty database for a source table: identifiers come back lower-case on both kinds. */
    Db freshSource() {
        return fresh("source");
    }

    static BenchStore open(String kind) throws IOException {
        return switch (kind) {
            case "h2" -> new H2(Files.createTempDirectory("caravan-bench-h2"));
            case "postgresql" -> new Postgres();
            default -> throw new IllegalArgumentException("store must be h2 or postgresql, was " + kind);
        };
    }

    static HikariDataSource pool(Db db, String name, int size) {
        HikariConfig config = new HikariConfig();
        config.setPoolName(name);
        config.setJdbcUrl(db.url());
        config.setUsername(db.user());
        config.setPassword(db.password());
        config.setMaximumPoolSize(size);
        return new HikariDataSource(config);
    }

    static int next() {
        return COUNTER.incrementAndGet();
    }

    static final class H2 extends BenchStore {
        private final Path dir;

        H2(Path dir) {
            this.dir = dir;
        }

        @Override
        String name() {
            return "h2";
        }

        @Override
        String durability() {
            return "H2 2.x file databases in " + dir + " (WRITE_DELAY=0 for caravan's stores, as in local mode)";
        }

        @Override
        Db fresh(String purpose) {
            return file(purpose, ";WRITE_DELAY=0");
        }

        @Override
        Db freshSource() {
            // unquoted identifiers in lower case, as PostgreSQL reports them, so the plain route's ${body[id]} works on
            // both
            return file("source", ";DATABASE_TO_LOWER=TRUE");
        }

        private Db file(String purpose, String options) {
            Path base = dir.resolve(purpose + "-" + next());
            return new Db("jdbc:h2:file:" + base + ";AUTO_SERVER=FALSE" + options, "sa", "", () -> {
                try (Stream<Path> files = Files.list(dir)) {
                    files.filter(f -> f.getFileName().toString().startsWith(base.getFileName() + "."))
                            .forEach(BenchStore::delete);
                } catch (IOException e) {
                    // a temp file left behind is removed with the directory at the end
                }
            });
        }

        @Override
        public void close() {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(BenchStore::delete);
            } catch (IOException e) {
                // temp dir; the OS cleans it eventually
            }
        }
    }

    static final class Postgres extends BenchStore {
        private final EmbeddedPostgres server;
        private final String settings;

        Postgres() throws IOException {
            // zonky's builder defaults synchronous_commit to off; production runs with PostgreSQL's defaults
            server = EmbeddedPostgres.builder()
                    .setServerConfig("fsync", "on")
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("full_page_writes", "on")
                    .setServerConfig("max_connections", "300")
                    .start();
            settings = show(
                    "fsync",
                    "synchronous_commit",
                    "full_page_writes",
                    "wal_sync_method",
                    "shared_buffers",
                    "server_version");
        }

        @Override
        String name() {
            return "postgresql";
        }

        @Override
        String durability() {
            return "embedded PostgreSQL (zonky) with production durability: " + settings;
        }

        @Override
        Db fresh(String purpose) {
            String name = purpose.replace('-', '_') + "_" + next(); // never outside input
            admin("CREATE DATABASE " + name);
            return new Db(
                    server.getJdbcUrl("postgres", name),
                    "postgres",
                    "",
                    () -> admin("DROP DATABASE IF EXISTS " + name));
        }

        private void admin(String sql) {
            try (Connection c = server.getPostgresDatabase().getConnection();
                    Statement s = c.createStatement()) {
                s.execute(sql);
            } catch (SQLException e) {
                throw new IllegalStateException(sql + " failed", e);
            }
        }

        private String show(String... names) {
            StringBuilder out = new StringBuilder();
            try (Connection c = server.getPostgresDatabase().getConnection();
                    Statement s = c.createStatement()) {
                for (String n : names) {
                    try (ResultSet rs = s.executeQuery("SHOW " + n)) {
                        rs.next();
                        out.append(out.length() == 0 ? "" : ", ")
                                .append(n)
                                .append('=')
                                .append(rs.getString(1));
                    }
                }
            } catch (SQLException e) {
                throw new IllegalStateException("cannot read server settings", e);
            }
            return out.toString();
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    private static void delete(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // best effort
        }
    }
}
