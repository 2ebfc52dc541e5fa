package io.caravan.errors;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * How a route retries TRANSIENT failures.
 *
 * @param maxAttempts deliveries including the first; 1 means no retry
 * @param initialDelay the delay before the first retry
 * @param maxDelay the cap of the backoff (a server's Retry-After may exceed it, see {@link #RETRY_AFTER_CAP})
 * @param multiplier growth per retry, at least 1
 * @param jitter the fraction by which a delay is spread either way, in [0, 1)
 */
public record RetryPolicy(int maxAttempts, Duration initialDelay, Duration maxDelay, double multiplier, double jitter) {

    public static final RetryPolicy DEFAULT =
            new RetryPolicy(5, Duration.ofMillis(500), Duration.ofSeconds(30), 2.0, 0.2);

    /**
     * The longest wait a Retry-After can impose. A server asking for longer gets this; the attempt budget then
     * decides, so one peer cannot park a route's thread for hours.
     */
    public static final Duration RETRY_AFTER_CAP = Duration.ofMinutes(10);

    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1 (1 means no retry), was " + maxAttempts);
        }
        Objects.requireNonNull(initialDelay, "initialDelay must not be null");
        Objects.requireNonNull(maxDelay, "maxDelay must not be null");
        if (initialDelay.isNegative()) {
            throw new IllegalArgumentException("initialDelay must not be negative, was " + initialDelay);
        }
        if (maxDelay.compareTo(initialDelay) < 0) {
            throw new IllegalArgumentException(
                    "maxDelay must be at least initialDelay (" + initialDelay + "), was " + maxDelay);
        }
        if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
            throw new IllegalArgumentException("multiplier must be a finite number of at least 1.0, was " + multiplier);
        }
        if (!(jitter >= 0.0 && jitter < 1.0)) {
            throw new IllegalArgumentException("jitter must be in [0, 1), was " + jitter);
        }
    }

    public boolean allowsAnotherAttempt(int attemptsMade) {
        return attemptsMade < maxAttempts;
    }

    /**
     * The wait before retry number {@code retryNumber} (1 = the first retry): initialDelay × multiplier^(n-1),
     * capped at maxDelay, spread by ±jitter and never above maxDelay; then raised to the server's Retry-After
     * (itself capped at {@link #RETRY_AFTER_CAP}) when that is longer.
     */
    public Duration delayBefore(int retryNumber, Optional<Duration> retryAfter, RandomGenerator random) {
        if (retryNumber < 1) {
            throw new IllegalArgumentException("retryNumber must be at least 1, was " + retryNumber);
        }
        double maxMillis = maxDelay.toMillis();
        double grown = initialDelay.toMillis() * Math.pow(multiplier, retryNumber - 1);
        double capped = Math.min(grown, maxMillis);
        double spread = capped * jitter * (2 * random.nextDouble() - 1);
        Duration backoff = Duration.ofMillis(Math.round(Math.min(capped + spread, maxMillis)));
        return retryAfter
                .map(serverWait -> serverWait.compareTo(RETRY_AFTER_CAP) > 0 ? RETRY_AFTER_CAP : serverWait)
                .filter(serverWait -> serverWait.compareTo(backoff) > 0)
                .orElse(backoff);
    }
}
