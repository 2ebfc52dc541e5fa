package io.caravan.store;

import java.time.Instant;

/** One row of the idempotency ledger. {@code owner} and {@code leaseUntil} describe the last claim. */
public record LedgerEntry(
        String key,
        String routeId,
        LedgerStatus status,
        int attempts,
        String owner,
        Instant leaseUntil,
        Instant createdAt,
        Instant updatedAt,
        String resultRef) {

    /** An IN_PROGRESS entry whose lease has not run out at {@code now}: its owner may still be working on it. */
    public boolean isHeldAt(Instant now) {
        return status == LedgerStatus.IN_PROGRESS && leaseUntil != null && !leaseUntil.isBefore(now);
    }
}
