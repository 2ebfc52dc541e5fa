package io.caravan.store;

import java.util.Locale;

/** Why {@link IdempotencyLedger#claim} took over another owner's IN_PROGRESS key. */
public enum TakeoverReason {
    /** The claim's lease ran out: its owner may be alive but stuck, or a crash was noticed no sooner. */
    LEASE,
    /** The owner's heartbeat is older than the owner timeout (or it has no owner row): the process is gone. */
    OWNER_GONE;

    /** The metric tag value: {@code lease}, {@code owner_gone}. */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
