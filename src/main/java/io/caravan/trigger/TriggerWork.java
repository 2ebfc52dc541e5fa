package io.caravan.trigger;

import io.caravan.store.ClaimOutcome;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** One trigger of a message on its way through the route: the body of the split's sub-exchange. */
public final class TriggerWork {
    final TriggerKey key;
    final TriggerMessage message;
    ArchiveDocument archive;
    Instant triggerModified;
    ClaimOutcome processingClaim;
    ClaimOutcome sharedClaim;
    String processingOutcome;
    String sharedOutcome;
    final List<String> claimedByUs = new ArrayList<>();

    TriggerWork(TriggerKey key, TriggerMessage message) {
        this.key = key;
        this.message = message;
    }

    public TriggerKey key() {
        return key;
    }

    @Override
    public String toString() {
        return key.key();
    }
}
