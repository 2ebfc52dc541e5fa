package io.caravan.errors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import java.util.Optional;
import java.util.Random;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

    private static final RetryPolicy NO_JITTER =
            new RetryPolicy(10, Duration.ofMillis(500), Duration.ofSeconds(30), 2.0, 0.0);

    @Test
    void delay_grows_by_the_multiplier_per_retry() {
        RandomGenerator random = new Random(1);

        assertThat(NO_JITTER.delayBefore(1, Optional.empty(), random)).isEqualTo(Duration.ofMillis(500));
        assertThat(NO_JITTER.delayBefore(2, Optional.empty(), random)).isEqualTo(Duration.ofMillis(1000));
        assertThat(NO_JITTER.delayBefore(4, Optional.empty(), random)).isEqualTo(Duration.ofMillis(4000));
    }

    @Test
    void delay_is_capped_at_max_delay_even_for_huge_retry_numbers() {
        assertThat(NO_JITTER.delayBefore(7, Optional.empty(), new Random(1))).isEqualTo(Duration.ofSeconds(30));
        assertThat(NO_JITTER.delayBefore(5_000, Optional.empty(), new Random(1)))
                .isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void jitter_spreads_the_delay_within_its_fraction_and_never_above_the_cap() {
        RetryPolicy policy = RetryPolicy.DEFAULT;
        RandomGenerator random = new Random(42);

        for (int i = 0; i < 1_000; i++) {
            assertThat(policy.delayBefore(2, Optional.empty(), random))
                    .isBetween(Duration.ofMillis(800), Duration.ofMillis(1200));
            assertThat(policy.delayBefore(20, Optional.empty(), random))
                    .isBetween(Duration.ofSeconds(24), Duration.ofSeconds(30));
        }
    }

    @Test
    void jitter_actually_varies_the_delay() {
        RandomGenerator random = new Random(7);

        assertThat(java.util.stream.IntStream.range(0, 50)
                        .mapToObj(i -> RetryPolicy.DEFAULT.delayBefore(3, Optional.empty(), random))
                        .distinct()
                        .count())
                .isGreaterThan(10);
    }

    @Test
    void retry_after_wins_when_longer_than_the_backoff_even_above_max_delay() {
        assertThat(NO_JITTER.delayBefore(1, Optional.of(Duration.ofSeconds(3)), new Random(1)))
                .isEqualTo(Duration.ofSeconds(3));
        assertThat(NO_JITTER.delayBefore(1, Optional.of(Duration.ofSeconds(90)), new Random(1)))
                .isEqualTo(Duration.ofSeconds(90));
    }

    @Test
    void retry_after_shorter_than_the_backoff_does_not_shorten_it() {
        assertThat(NO_JITTER.delayBefore(4, Optional.of(Duration.ofSeconds(1)), new Random(1)))
                .isEqualTo(Duration.ofSeconds(4));
    }

    @Test
    void retry_after_is_capped_at_ten_minutes() {
        assertThat(NO_JITTER.delayBefore(1, Optional.of(Duration.ofHours(5)), new Random(1)))
                .isEqualTo(RetryPolicy.RETRY_AFTER_CAP);
    }

    @Test
    void max_attempts_counts_the_first_delivery() {
        RetryPolicy once = new RetryPolicy(1, Duration.ZERO, Duration.ZERO, 1.0, 0.0);

        assertThat(once.allowsAnotherAttempt(1)).isFalse();
        assertThat(RetryPolicy.DEFAULT.allowsAnotherAttempt(4)).isTrue();
        assertThat(RetryPolicy.DEFAULT.allowsAnotherAttempt(5)).isFalse();
    }

    @Test
    void default_policy_is_five_attempts_from_half_a_second_to_thirty() {
        assertThat(RetryPolicy.DEFAULT)
                .isEqualTo(new RetryPolicy(5, Duration.ofMillis(500), Duration.ofSeconds(30), 2.0, 0.2));
    }

    @Test
    void invalid_policies_are_rejected_with_precise_messages() {
        Duration s = Duration.ofSeconds(1);
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new RetryPolicy(0, s, s, 2.0, 0.2))
                .withMessage("maxAttempts must be at least 1 (1 means no retry), was 0");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new RetryPolicy(3, Duration.ofSeconds(-1), s, 2.0, 0.2))
                .withMessage("initialDelay must not be negative, was PT-1S");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new RetryPolicy(3, Duration.ofSeconds(5), s, 2.0, 0.2))
                .withMessage("maxDelay must be at least initialDelay (PT5S), was PT1S");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new RetryPolicy(3, s, s, 0.5, 0.2))
                .withMessage("multiplier must be a finite number of at least 1.0, was 0.5");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new RetryPolicy(3, s, s, Double.NaN, 0.2))
                .withMessage("multiplier must be a finite number of at least 1.0, was NaN");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new RetryPolicy(3, s, s, 2.0, 1.0))
                .withMessage("jitter must be in [0, 1), was 1.0");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new RetryPolicy(3, s, s, 2.0, -0.1))
                .withMessage("jitter must be in [0, 1), was -0.1");
        org.assertj.core.api.Assertions.assertThatNullPointerException()
                .isThrownBy(() -> new RetryPolicy(3, null, s, 2.0, 0.2))
                .withMessage("initialDelay must not be null");
    }

    @Test
    void retry_number_starts_at_one() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> RetryPolicy.DEFAULT.delayBefore(0, Optional.empty(), new Random(1)))
                .withMessage("retryNumber must be at least 1, was 0");
    }
}
