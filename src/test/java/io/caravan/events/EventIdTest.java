package io.caravan.events;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EventIdTest {

    @Test
    void the_same_route_object_and_revision_always_give_the_same_id() {
        assertThat(EventId.of("hours-feed", "42", "2026-11-23T10:00:00Z"))
                .isEqualTo(EventId.of("hours-feed", "42", "2026-11-23T10:00:00Z"))
                .hasSize(32)
                .matches("[0-9a-f]{32}");
    }

    @Test
    void another_revision_object_or_route_gives_another_id() {
        String id = EventId.of("hours-feed", "42", "2026-11-23T10:00:00Z");
        assertThat(EventId.of("hours-feed", "42", "2026-11-23T10:00:01Z")).isNotEqualTo(id);
        assertThat(EventId.of("hours-feed", "43", "2026-11-23T10:00:00Z")).isNotEqualTo(id);
        assertThat(EventId.of("other-feed", "42", "2026-11-23T10:00:00Z")).isNotEqualTo(id);
    }

    /** Guards against parts running into each other: ("a", "bc") is not ("ab", "c"). */
    @Test
    void parts_do_not_run_into_each_other() {
        assertThat(EventId.of("r", "a", "bc")).isNotEqualTo(EventId.of("r", "ab", "c"));
    }
}
