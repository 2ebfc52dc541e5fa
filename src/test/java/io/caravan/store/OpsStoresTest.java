package io.caravan.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.caravan.testing.Databases.Backend;
import java.time.Instant;
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The operators' stores of migration V8: ops_audit and route_pause, on both databases. */
class OpsStoresTest {
    private final MutableClock clock = MutableClock.at("2026-11-29T10:00:00Z");

    @ParameterizedTest
    @EnumSource(Backend.class)
    void an_operation_is_audited_with_principal_time_arguments_outcome_and_result(Backend backend) {
        OpsAudit audit = new OpsAudit(backend.fresh(), clock);

        audit.record(
                "jolokia:ops", "io.caravan:type=Routes", "pause", "{\"route\":\"a\"}", OpsAudit.Outcome.OK, "a paused");
        audit.record(
                "jmx:local",
                "io.caravan:type=Routes",
                "pause",
                "{\"route\":\"x\"}",
                OpsAudit.Outcome.REFUSED,
                "no row");

        assertThat(audit.recent(10))
                .extracting(
                        OpsAudit.Entry::principal,
                        OpsAudit.Entry::at,
                        OpsAudit.Entry::operation,
                        OpsAudit.Entry::arguments,
                        OpsAudit.Entry::outcome,
                        OpsAudit.Entry::result)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(
                                "jmx:local",
                                Instant.parse("2026-11-29T10:00:00Z"),
                                "pause",
                                "{\"route\":\"x\"}",
                                OpsAudit.Outcome.REFUSED,
                                "no row"),
                        org.assertj.core.groups.Tuple.tuple(
                                "jolokia:ops",
                                Instant.parse("2026-11-29T10:00:00Z"),
                                "pause",
                                "{\"route\":\"a\"}",
                                OpsAudit.Outcome.OK,
                                "a paused"));
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void a_pause_is_stored_once_and_ended_by_resume(Backend backend) {
        DataSource store = backend.fresh();
        RoutePauses pauses = new RoutePauses(store, clock);

        assertThat(pauses.pause("feed-a", "jolokia:ops")).isTrue();
        assertThat(pauses.pause("feed-a", "jolokia:other")).isFalse();
        assertThat(new RoutePauses(store, clock).paused()).containsExactly("feed-a");
        assertThat(pauses.resume("feed-a")).isTrue();
        assertThat(pauses.resume("feed-a")).isFalse();
        assertThat(pauses.paused()).isEmpty();
    }
}
