package io.caravan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.caravan.testing.CaravanApp;
import io.caravan.testing.Databases;
import io.caravan.testing.PrometheusScrape;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** The application's ledger heartbeat: started with the application, visible in metrics, gone after a clean stop. */
class LedgerOwnerLifecycleTest {

    /**
     * Guards against a process that never beats (its live keys would be taken over after the owner timeout) and a clean
     * stop that leaves its owner row behind.
     */
    @Test
    void a_running_app_beats_in_ledger_owner_and_a_clean_stop_removes_its_row() {
        String url = "jdbc:h2:mem:ledger_owner_lifecycle;DB_CLOSE_DELAY=-1";
        Map<String, String> settings = CaravanApp.settings(url, "sa", "");
        settings.put("caravan.ledger.heartbeat", "200ms");
        settings.put("caravan.ledger.owner-timeout", "1s");
        DataSource db = Databases.pool(url, "sa", "");
        String owner;
        try (CaravanApp app = CaravanApp.start(settings)) {
            owner = app.ledger().owner();
            OffsetDateTime first = heartbeat(db, owner).orElseThrow();
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> heartbeat(db, owner).orElseThrow().isAfter(first));

            PrometheusScrape metrics = PrometheusScrape.of(app);
            assertThat(metrics.value("caravan_ledger_takeovers_total", Map.of("reason", "owner_gone")))
                    .contains(0.0);
            assertThat(metrics.value("caravan_ledger_takeovers_total", Map.of("reason", "lease")))
                    .contains(0.0);
            assertThat(metrics.value("caravan_ledger_heartbeat_failures_total", Map.of()))
                    .contains(0.0);
            assertThat(metrics.value("caravan_ledger_heartbeat_age_seconds", Map.of()))
                    .hasValueSatisfying(age -> assertThat(age).isLessThan(1.0));
        }
        assertThat(heartbeat(db, owner)).isEmpty();
    }

    private static Optional<OffsetDateTime> heartbeat(DataSource db, String owner) {
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT heartbeat_at FROM ledger_owner WHERE owner = ?")) {
            ps.setString(1, owner);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getObject(1, OffsetDateTime.class)) : Optional.empty();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
