package io.caravan.store;

/** What {@link IdempotencyLedger#claim} found for a key, and so whether the caller must process it. */
public enum ClaimOutcome {
    /** A new key, now IN_PROGRESS for us with attempts 1. */
    CLAIMED(true),
    /**
     * Was IN_PROGRESS for an owner whose heartbeat stopped (it crashed) or with an expired lease (its owner stalled);
     * now ours, attempts + 1.
     */
    TAKEN_OVER(true),
    /** Already delivered: a duplicate. */
    DONE(false),
    /** Already given up on and dead-lettered. */
    FAILED(false),
    /** IN_PROGRESS with a live lease, for a live owner (another one, or an earlier claim of ours still in flight). */
    HELD(false);

    private final boolean mustProcess;

    ClaimOutcome(boolean mustProcess) {
        this.mustProcess = mustProcess;
    }

    /** True when the key is now ours to process (CLAIMED or TAKEN_OVER). */
    public boolean mustProcess() {
        return mustProcess;
    }
}
