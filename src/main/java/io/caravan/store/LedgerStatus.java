package io.caravan.store;

/** Where an idempotency key stands. */
public enum LedgerStatus {
    /** Claimed by an owner whose lease says how long the claim holds. */
    IN_PROGRESS,
    /** Delivered; a later occurrence of the key is a duplicate. */
    DONE,
    /** Given up on and dead-lettered; only a replay processes it again. */
    FAILED
}
