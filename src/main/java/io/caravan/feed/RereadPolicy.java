package io.caravan.feed;

import java.time.Duration;

/**
 * How a feed looks behind its watermark: {@code overlap} re-checked (in laps of at most one budget's pages per
 * execution) when the source gives no commit horizon; the backstop every {@code reconcileEvery} (zero: off) over
 * {@code reconcileWindow}; and how long an open transaction may hold the commit horizon back.
 */
record RereadPolicy(Duration overlap, Duration maxHorizonWait, Duration reconcileEvery, Duration reconcileWindow) {

    boolean reconciles() {
        return !reconcileEvery.isZero() && !reconcileWindow.isZero();
    }
}
