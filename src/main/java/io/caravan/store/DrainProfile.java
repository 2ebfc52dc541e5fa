package io.caravan.store;

import java.time.Duration;
import java.util.Objects;

/**
 * A workload profile: how often a drain or feed runs and how much it may take per execution. The budget per
 * execution is {@code maxReturnedEvents x maxCycles}. The interval is stored in whole seconds.
 */
public record DrainProfile(
        String name, Duration scheduleInterval, int maxReturnedEvents, int maxCycles, String description) {

    public DrainProfile {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(scheduleInterval, "scheduleInterval of profile " + name);
        if (scheduleInterval.toSeconds() < 1 || scheduleInterval.toNanosPart() != 0) {
            throw new IllegalArgumentException("profile " + name
                    + ": schedule interval must be a positive whole number of seconds, was " + scheduleInterval);
        }
        if (maxReturnedEvents < 1) {
            throw new IllegalArgumentException(
                    "profile " + name + ": max returned events must be at least 1, was " + maxReturnedEvents);
        }
        if (maxCycles < 1) {
            throw new IllegalArgumentException("profile " + name + ": max cycles must be at least 1, was " + maxCycles);
        }
    }

    /** Rows (or events) one execution may take: max returned events per cycle x max cycles. */
    public int budget() {
        return Math.multiplyExact(maxReturnedEvents, maxCycles);
    }
}
