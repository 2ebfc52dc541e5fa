package io.caravan.errors;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RetryAfterTest {

    private final Clock clock = Clock.fixed(Instant.parse("2015-10-21T07:28:00Z"), ZoneOffset.UTC);

    @Test
    void delta_seconds() {
        assertThat(RetryAfter.parse("120", clock)).contains(Duration.ofSeconds(120));
        assertThat(RetryAfter.parse(" 0 ", clock)).contains(Duration.ZERO);
    }

    @Test
    void http_date_is_the_wait_until_then() {
        assertThat(RetryAfter.parse("Wed, 21 Oct 2015 07:28:30 GMT", clock)).contains(Duration.ofSeconds(30));
    }

    @Test
    void http_date_in_the_past_means_no_wait() {
        assertThat(RetryAfter.parse("Wed, 21 Oct 2015 07:00:00 GMT", clock)).contains(Duration.ZERO);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "  ", "-5", "1.5", "soon", "99999999999999999999999", "2015-10-21T07:28:30Z"})
    void negative_or_unreadable_values_are_ignored(String value) {
        assertThat(RetryAfter.parse(value, clock)).isEmpty();
    }

    @Test
    void missing_header_is_ignored() {
        assertThat(RetryAfter.parse(null, clock)).isEmpty();
    }
}
