package io.caravan.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caravan.testing.Databases.Backend;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class RouteConfigStoreTest {

    private final MutableClock clock = MutableClock.at("2024-06-01T00:00:00Z");

    private static RouteConfigRow desired(String routeId, String params) {
        return new RouteConfigRow(
                routeId,
                "watermark-feed",
                true,
                "T3",
                "FEED_SAFE_5MIN",
                null,
                params,
                10,
                5,
                500L,
                30_000L,
                "team-orders",
                0,
                null,
                null);
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void a_new_row_is_inserted_at_version_1_and_audited(Backend backend) {
        DataSource dataSource = backend.fresh();
        RouteConfigStore store = new RouteConfigStore(dataSource, clock);

        RouteConfigRow created = store.upsert(desired("orders-feed", "{\"table\":\"orders\"}"), "seed");

        assertThat(created.version()).isEqualTo(1);
        assertThat(created.updatedAt()).isEqualTo(clock.instant());
        assertThat(created.updatedBy()).isEqualTo("seed");
        assertThat(store.find("orders-feed")).contains(created);
        assertThat(new ConfigAudit(dataSource, clock).forRoute("orders-feed"))
                .singleElement()
                .satisfies(a -> {
                    assertThat(a.action()).isEqualTo("CREATED");
                    assertThat(a.oldValue()).isNull();
                    assertThat(a.newValue()).contains("\"params\":{\"table\":\"orders\"}", "\"version\":1");
                    assertThat(a.changedBy()).isEqualTo("seed");
                });
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void upserting_the_same_content_changes_nothing(Backend backend) {
        DataSource dataSource = backend.fresh();
        RouteConfigStore store = new RouteConfigStore(dataSource, clock);
        RouteConfigRow created = store.upsert(desired("orders-feed", "{\"table\":\"orders\",\"batch\":5}"), "seed");
        clock.advance(Duration.ofMinutes(1));

        RouteConfigRow again = store.upsert(desired("orders-feed", "{ \"batch\": 5, \"table\": \"orders\" }"), "seed");

        assertThat(again).isEqualTo(created);
        assertThat(new ConfigAudit(dataSource, clock).forRoute("orders-feed")).hasSize(1);
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void a_changed_row_gets_the_next_version_and_an_audit_with_old_and_new(Backend backend) {
        DataSource dataSource = backend.fresh();
        RouteConfigStore store = new RouteConfigStore(dataSource, clock);
        store.upsert(desired("orders-feed", "{}"), "seed");
        clock.advance(Duration.ofMinutes(1));

        RouteConfigRow updated = store.upsert(desired("orders-feed", "{\"table\":\"orders_v2\"}"), "alice");

        assertThat(updated.version()).isEqualTo(2);
        assertThat(updated.updatedBy()).isEqualTo("alice");
        assertThat(updated.updatedAt()).isEqualTo(clock.instant());
        assertThat(store.find("orders-feed")).contains(updated);
        AuditEntry audit =
                new ConfigAudit(dataSource, clock).forRoute("orders-feed").get(1);
        assertThat(audit.action()).isEqualTo("UPDATED");
        assertThat(audit.oldValue()).contains("\"params\":{}", "\"version\":1");
        assertThat(audit.newValue()).contains("orders_v2", "\"version\":2");
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void enabling_and_disabling_bump_the_version_only_on_change(Backend backend) {
        DataSource dataSource = backend.fresh();
        RouteConfigStore store = new RouteConfigStore(dataSource, clock);
        store.upsert(desired("orders-feed", "{}"), "seed");

        RouteConfigRow disabled = store.setEnabled("orders-feed", false, "ops");
        RouteConfigRow unchanged = store.setEnabled("orders-feed", false, "ops");
        RouteConfigRow enabled = store.setEnabled("orders-feed", true, "ops");

        assertThat(disabled.enabled()).isFalse();
        assertThat(disabled.version()).isEqualTo(2);
        assertThat(unchanged).isEqualTo(disabled);
        assertThat(enabled.version()).isEqualTo(3);
        assertThat(new ConfigAudit(dataSource, clock).forRoute("orders-feed"))
                .extracting(AuditEntry::action)
                .containsExactly("CREATED", "DISABLED", "ENABLED");
        assertThatThrownBy(() -> store.setEnabled("nope", true, "ops"))
                .hasMessage("no route_config row for route 'nope'");
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void delete_removes_the_row_and_audits_it(Backend backend) {
        DataSource dataSource = backend.fresh();
        RouteConfigStore store = new RouteConfigStore(dataSource, clock);
        store.upsert(desired("b-feed", "{}"), "seed");
        store.upsert(desired("a-feed", "{}"), "seed");

        store.delete("b-feed", "bob");
        store.delete("never-there", "bob");

        assertThat(store.all()).extracting(RouteConfigRow::routeId).containsExactly("a-feed");
        AuditEntry audit = new ConfigAudit(dataSource, clock).forRoute("b-feed").get(1);
        assertThat(audit.action()).isEqualTo("DELETED");
        assertThat(audit.newValue()).isNull();
        assertThat(audit.changedBy()).isEqualTo("bob");
        assertThat(new ConfigAudit(dataSource, clock).forRoute("never-there")).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void nullable_columns_round_trip_as_null(Backend backend) {
        RouteConfigStore store = new RouteConfigStore(backend.fresh(), clock);
        RouteConfigRow bare = new RouteConfigRow(
                "bare", "queue-drain", false, "T1", null, null, null, null, null, null, null, null, 0, null, null);

        RouteConfigRow stored = store.upsert(bare, "seed");

        assertThat(store.find("bare")).contains(stored);
        assertThat(stored.params()).isEqualTo("{}");
        assertThat(stored.throttlePerSecond()).isNull();
        assertThat(stored.retryInitialDelayMs()).isNull();
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void the_reconciler_can_audit_its_own_actions(Backend backend) {
        ConfigAudit audit = new ConfigAudit(backend.fresh(), clock);

        audit.record("orders-feed", ConfigAudit.REJECTED, null, "profile: NOPE is not a drain profile", "reconciler");

        assertThat(audit.forRoute("orders-feed"))
                .singleElement()
                .isEqualTo(new AuditEntry(
                        audit.forRoute("orders-feed").get(0).id(),
                        "orders-feed",
                        "REJECTED",
                        null,
                        "profile: NOPE is not a drain profile",
                        "reconciler",
                        Instant.parse("2024-06-01T00:00:00Z"),
                        backend == Backend.H2 ? "SA" : "postgres"));
    }

    /**
     * Guards against the audit trusting what a writer types: a route_config change made by another database login
     * (an engineer with only the grants the README names) is audited with that login as db_user, while changed_by
     * keeps what the engineer wrote into updated_by; the engineer cannot write audit rows directly.
     */
    @Test
    void a_row_changed_by_another_database_user_is_audited_with_that_user() throws Exception {
        DataSource caravan = Backend.POSTGRESQL.fresh();
        new RouteConfigStore(caravan, clock).upsert(desired("orders-feed", "{\"table\":\"orders\"}"), "seed");
        String engineer = "engineer_" + ENGINEERS.incrementAndGet() + "_"
                + ProcessHandle.current().pid();
        String url;
        try (Connection c = caravan.getConnection();
                Statement s = c.createStatement()) {
            url = c.getMetaData().getURL().replaceAll("\\?.*", ""); // without the owner's user=
            s.execute("CREATE ROLE " + engineer + " LOGIN PASSWORD 'engineer'");
            s.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON route_config TO " + engineer);
        }

        try (Connection c = DriverManager.getConnection(url, engineer, "engineer")) {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE route_config SET params = ?, version = version + 1, updated_by = ? WHERE route_id = ?")) {
                ps.setString(1, "{\"table\":\"orders_v2\"}");
                ps.setString(2, "the-boss");
                ps.setString(3, "orders-feed");
                assertThat(ps.executeUpdate()).isEqualTo(1);
            }
            assertThatThrownBy(() -> c.createStatement()
                            .executeUpdate("INSERT INTO config_audit (route_id, action, changed_by, changed_at) "
                                    + "VALUES ('orders-feed', 'UPDATED', 'forged', now())"))
                    .hasMessageContaining("permission denied");
        }

        assertThat(new ConfigAudit(caravan, clock).forRoute("orders-feed"))
                .extracting(a -> a.action() + " by " + a.changedBy() + " as " + a.dbUser())
                .containsExactly("CREATED by seed as postgres", "UPDATED by the-boss as " + engineer);
        assertThat(new ConfigAudit(caravan, clock)
                        .forRoute("orders-feed")
                        .get(1)
                        .newValue())
                .contains("orders_v2");
    }

    private static final java.util.concurrent.atomic.AtomicInteger ENGINEERS =
            new java.util.concurrent.atomic.AtomicInteger();
}
