package io.caravan.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.caravan.testing.Databases;
import io.caravan.testing.Databases.Backend;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class MigrationsTest {

    private static final Set<String> TABLES = Set.of(
            "route_config",
            "drain_profile",
            "config_audit",
            "watermark",
            "idempotency_ledger",
            "dead_letter",
            "execution_log",
            "route_lock",
            "saga",
            "saga_step",
            "ledger_owner",
            "ops_audit",
            "route_pause",
            "replay_request");

    @ParameterizedTest
    @EnumSource(Backend.class)
    void migrations_create_every_table_and_run_again_as_a_no_op(Backend backend) throws Exception {
        DataSource dataSource = backend.fresh();

        Stores.migrate(dataSource); // second run: nothing pending

        assertThat(tables(dataSource)).containsAll(TABLES);
        assertThat(Dialect.of(dataSource).name()).isEqualTo(backend.name());
    }

    @Test
    void migrations_apply_to_an_empty_postgres_database_through_a_store_pool() {
        String database = Databases.emptyPostgresDatabase();
        try (var pool = Stores.dataSource(Databases.postgresJdbcUrl(database), "postgres", "", 2)) {
            Stores.migrate(pool);

            assertThat(new DrainProfiles(pool).all()).hasSize(5);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void the_seed_drain_profiles_are_there_with_their_budgets(Backend backend) {
        DrainProfiles profiles = new DrainProfiles(backend.fresh());

        assertThat(profiles.all().values())
                .extracting(p -> p.name() + " " + p.scheduleInterval().toSeconds() + "s " + p.maxReturnedEvents() + "x"
                        + p.maxCycles() + "=" + p.budget())
                .containsExactly(
                        "FEED_CATCHUP_5MIN 300s 50x4=200",
                        "FEED_SAFE_5MIN 300s 25x2=50",
                        "FEED_THROUGHPUT_5MIN 300s 50x2=100",
                        "SAGA_BALANCED_5MIN 300s 5x2=10",
                        "SAGA_CONSERVATIVE_5MIN 300s 5x1=5");
        assertThat(profiles.all().values())
                .allSatisfy(p -> assertThat(p.description()).isNotBlank());
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void drain_profile_upsert_inserts_then_replaces(Backend backend) {
        DrainProfiles profiles = new DrainProfiles(backend.fresh());

        profiles.upsert(new DrainProfile("BENCH_1MIN", Duration.ofMinutes(1), 500, 3, "bench"));
        profiles.upsert(new DrainProfile("BENCH_1MIN", Duration.ofSeconds(30), 400, 2, null));

        assertThat(profiles.find("BENCH_1MIN"))
                .contains(new DrainProfile("BENCH_1MIN", Duration.ofSeconds(30), 400, 2, null));
        assertThat(profiles.find("NOPE")).isEmpty();
        assertThat(profiles.all()).hasSize(6);
    }

    private static Set<String> tables(DataSource dataSource) throws Exception {
        Set<String> tables = new TreeSet<>();
        try (Connection c = dataSource.getConnection()) {
            DatabaseMetaData meta = c.getMetaData();
            try (ResultSet rs = meta.getTables(null, null, "%", new String[] {"TABLE"})) {
                while (rs.next()) {
                    tables.add(rs.getString("TABLE_NAME").toLowerCase(Locale.ROOT));
                }
            }
        }
        return tables;
    }
}
