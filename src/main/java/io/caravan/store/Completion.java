package io.caravan.store;

import java.util.Objects;

/** The final status of a claimed key: DONE (delivered) or FAILED (dead-lettered), with an optional result reference. */
public record Completion(String key, LedgerStatus status, String resultRef) {

    public Completion {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(status, "status");
        if (status == LedgerStatus.IN_PROGRESS) {
            throw new IllegalArgumentException(
                    "completion of key '" + key + "' must be DONE or FAILED, not IN_PROGRESS");
        }
        if (resultRef != null && resultRef.length() > 1000) {
            throw new IllegalArgumentException("result reference of key '" + key + "' is " + resultRef.length()
                    + " characters long; at most 1000 fit the ledger");
        }
    }

    public static Completion done(String key, String resultRef) {
        return new Completion(key, LedgerStatus.DONE, resultRef);
    }

    public static Completion failed(String key, String resultRef) {
        return new Completion(key, LedgerStatus.FAILED, resultRef);
    }
}
