package io.caravan.store;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a feed's re-read pass behind the watermark stands: {@code position} is the last row re-read in the current lap
 * (empty between laps), {@code lapStartedAt} when the current or last lap began.
 */
public record RereadCursor(Optional<Watermark> position, Instant lapStartedAt) {
    public RereadCursor {
        Objects.requireNonNull(position, "position (use Optional.empty() between laps)");
        Objects.requireNonNull(lapStartedAt, "lapStartedAt");
        lapStartedAt = Timestamps.micros(lapStartedAt);
    }

    /** No lap in progress; the last one began at {@code lapStartedAt}. */
    public static RereadCursor between(Instant lapStartedAt) {
        return new RereadCursor(Optional.empty(), lapStartedAt);
    }

    /** The same lap, standing at {@code at}. */
    public RereadCursor withPosition(Watermark at) {
        return new RereadCursor(Optional.of(at), lapStartedAt);
    }

    public boolean lapInProgress() {
        return position.isPresent();
    }
}
