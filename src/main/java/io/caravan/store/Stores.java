package io.caravan.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/** Opens the stores' database: a Hikari pool, and the Flyway migrations in {@code classpath:db/migration}. */
public final class Stores {

    public static final String MIGRATIONS = "classpath:db/migration";

    private Stores() {}

    /** A connection pool of at most {@code maxPoolSize} connections; close it on shutdown. */
    public static HikariDataSource dataSource(String jdbcUrl, String user, String password, int maxPoolSize) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("caravan-store");
        config.setJdbcUrl(jdbcUrl);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(maxPoolSize);
        return new HikariDataSource(config);
    }

    /** Brings the schema to the latest migration; safe to call at every start. */
    public static void migrate(DataSource dataSource) {
        Flyway.configure().dataSource(dataSource).locations(MIGRATIONS).load().migrate();
    }
}
