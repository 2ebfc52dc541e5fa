package io.caravan.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ScheduleAndDurationsTest {

    @Test
    void durations_are_read_in_short_and_iso_forms() {
        assertThat(Durations.parse("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(Durations.parse("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(Durations.parse(" 5m ")).isEqualTo(Duration.ofMinutes(5));
        assertThat(Durations.parse("2h")).isEqualTo(Duration.ofHours(2));
        assertThat(Durations.parse("1d")).isEqualTo(Duration.ofDays(1));
        assertThat(Durations.parse("PT5M")).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void a_bad_duration_names_the_value_and_the_accepted_forms() {
        assertThatThrownBy(() -> Durations.parse("soon")).hasMessage("'soon' is not a duration (like 30s, 5m or PT5M)");
        assertThatThrownBy(() -> Durations.parse(" ")).hasMessage("a duration is required (like 30s, 5m or PT5M)");
    }

    @Test
    void an_interval_schedule_becomes_a_repeating_quartz_trigger_that_fires_on_misfire() {
        assertThat(Schedule.parse("every 30s").quartzQuery())
                .isEqualTo("trigger.repeatInterval=30000&trigger.repeatCount=-1&trigger.misfireInstruction=1");
        assertThat(Schedule.parse("5m")).isEqualTo(new Schedule.Every(Duration.ofMinutes(5)));
    }

    @Test
    void a_cron_schedule_is_validated_by_quartz_and_encoded_for_the_uri() {
        assertThat(Schedule.parse("cron:0 0/5 * * * ?").quartzQuery()).isEqualTo("cron=0+0/5+*+*+*+?");
        assertThatThrownBy(() -> Schedule.parse("cron:every friday"))
                .hasMessage("'every friday' is not a valid Quartz cron expression");
    }

    @Test
    void intervals_under_100_ms_are_refused() {
        assertThatThrownBy(() -> Schedule.parse("every 10ms")).hasMessageContaining("at least 100ms");
    }

    @Test
    void secret_references_point_at_env_or_files_and_never_hold_the_value() {
        assertThat(SecretRef.parse("env:SAP_TOKEN")).hasToString("env:SAP_TOKEN");
        assertThat(SecretRef.parse("file:/var/run/secrets/sap/token").name()).isEqualTo("/var/run/secrets/sap/token");
        assertThatThrownBy(() -> SecretRef.parse("hunter2"))
                .hasMessage("must be a secret reference env:NAME or file:path, not a value");
        assertThat(SecretRef.parse("file:./data/secrets/dev-secret").name()).isEqualTo("./data/secrets/dev-secret");
    }
}
