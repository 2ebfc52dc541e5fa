package io.caravan.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caravan.template.Durations;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class LedgerTimingsTest {

    /** Guards against a ledger setting that application.properties does not show, or shows with another default. */
    @Test
    void every_setting_is_in_application_properties_with_its_default_and_has_a_doc() throws Exception {
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(Path.of("application.properties"))) {
            properties.load(in);
        }
        for (LedgerTimings.Setting setting : LedgerTimings.Setting.values()) {
            assertThat(properties.getProperty(setting.key())).as(setting.key()).isNotNull();
            assertThat(Durations.parse(properties.getProperty(setting.key())))
                    .as(setting.key())
                    .isEqualTo(setting.defaultValue());
            assertThat(setting.doc()).as(setting.key()).isNotBlank();
        }
        assertThat(LedgerTimings.DEFAULTS)
                .isEqualTo(new LedgerTimings(Duration.ofMinutes(2), Duration.ofSeconds(2), Duration.ofSeconds(10)));
    }

    /** Guards against an owner timeout so short that one late heartbeat makes a live process's keys orphans. */
    @Test
    void an_owner_timeout_shorter_than_two_heartbeats_is_rejected() {
        assertThatThrownBy(
                        () -> new LedgerTimings(Duration.ofMinutes(2), Duration.ofSeconds(6), Duration.ofSeconds(10)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(
                        "caravan.ledger.owner-timeout (PT10S) must be at least twice caravan.ledger.heartbeat");
        assertThatThrownBy(() -> new LedgerTimings(Duration.ZERO, Duration.ofSeconds(2), Duration.ofSeconds(10)))
                .hasMessageContaining("caravan.ledger.lease must be positive");
    }

    @Test
    void stale_owner_rows_outlive_every_key_their_owner_could_have_claimed() {
        assertThat(LedgerTimings.DEFAULTS.staleOwnerRow()).isEqualTo(Duration.ofMinutes(2));
        assertThat(new LedgerTimings(Duration.ofSeconds(15), Duration.ofSeconds(2), Duration.ofSeconds(10))
                        .staleOwnerRow())
                .isEqualTo(Duration.ofSeconds(20));
    }
}
