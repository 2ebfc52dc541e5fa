package io.caravan.feed;

/** Which part of the source an execution's page comes from. */
enum ReadPass {
    /** Rows after the watermark, up to the commit horizon: the feed's progress; the watermark follows it. */
    FORWARD,
    /** The overlap window behind the watermark, re-checked for rows that committed late (sources without a horizon). */
    OVERLAP,
    /** The backstop's window behind the watermark: rows missing from the ledger are delivered again. */
    RECONCILE;

    boolean behindWatermark() {
        return this != FORWARD;
    }
}
