package io.caravan.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class LocalDemoOutageTest {
    /** Guards against the demo's SAP outage never happening (nothing to see) or never ending (never CONNECTED again). */
    @Test
    void the_demo_target_is_down_for_a_minute_after_one_minute_and_then_every_twenty() {
        Instant start = Instant.parse("2026-01-05T08:00:00Z");
        assertThat(LocalDemo.down(start, start.plusSeconds(30))).isFalse();
        assertThat(LocalDemo.down(start, start.plusSeconds(61))).isTrue();
        assertThat(LocalDemo.down(start, start.plusSeconds(119))).isTrue();
        assertThat(LocalDemo.down(start, start.plusSeconds(121))).isFalse();
        assertThat(LocalDemo.down(start, start.plusSeconds(60 + 20 * 60 + 5))).isTrue();
    }
}
