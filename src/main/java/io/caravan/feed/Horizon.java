package io.caravan.feed;

import java.time.Duration;
import java.time.Instant;

/**
 * How far a feed may read this execution: rows with {@code updated_at} strictly before {@code before} can no longer
 * be joined by a late commit. {@code before} null means the source gives no horizon; then {@code overlapNeeded} says
 * the overlap re-check must look behind the watermark for rows that committed late. {@code hold} is the age of the
 * oldest open transaction holding the horizon back (zero when none).
 */
record Horizon(Instant before, boolean overlapNeeded, Duration hold, String note) {

    /** No horizon: everything visible may be read, late commits are the overlap re-check's. */
    static Horizon none(String note) {
        return new Horizon(null, true, Duration.ZERO, note);
    }

    /** A sound horizon: rows before it are final, no overlap re-check needed. */
    static Horizon before(Instant before, Duration hold) {
        return new Horizon(before, false, hold, null);
    }

    /** Read up to {@code before} although a transaction older than the maximum wait may still commit behind it. */
    static Horizon pastHold(Instant before, Duration hold, String note) {
        return new Horizon(before, true, hold, note);
    }

    boolean admits(Instant updatedAt) {
        return before == null || updatedAt.isBefore(before);
    }
}
