package io.caravan.trigger;

import io.caravan.store.DeadLetter;
import io.caravan.template.Replayer;

/**
 * Re-drives a trigger's dead letter the way the orphan sweeper does: the quarantined trigger is moved back under
 * customers/&lt;code&gt;/ (unless it is still there) and the queue gets the S3 notification for it, so the route itself
 * loads the archive, claims the processing key and processes the change again. Dead letters without a trigger key
 * (a malformed or rejected message) have nothing to re-drive.
 */
final class TriggerReplayer implements Replayer {
    private final TransientTrigger trigger;
    private final TriggerBucket bucket;
    private final String customer;
    private final String quarantinePrefix;
    private final String region;

    TriggerReplayer(
            TransientTrigger trigger, TriggerBucket bucket, String customer, String quarantinePrefix, String region) {
        this.trigger = trigger;
        this.bucket = bucket;
        this.customer = customer;
        this.quarantinePrefix = quarantinePrefix;
        this.region = region;
    }

    @Override
    public String ledgerKey(DeadLetter letter) {
        key(letter);
        return letter.idempotencyKey();
    }

    @Override
    public boolean routeClaims() {
        return true;
    }

    @Override
    public void resend(DeadLetter letter) {
        TriggerKey key = key(letter);
        if (bucket.head(key.key()).isEmpty()) {
            String quarantined = key.quarantineKey(quarantinePrefix);
            if (bucket.head(quarantined).isEmpty()) {
                throw new IllegalStateException(
                        "neither " + key.key() + " nor its quarantined copy " + quarantined + " exists");
            }
            bucket.quarantine(quarantined, key.key()); // copy back, then delete the quarantined copy
        }
        TriggerBucket.StoredObject t = bucket.head(key.key()).orElseThrow();
        trigger.send(
                S3Notification.objectCreated(region, bucket.name(), t.key(), t.size(), t.eTag(), t.lastModified()));
    }

    /** The trigger of a dead letter's processing key ({@code <changeId>:<customer>}). */
    private TriggerKey key(DeadLetter letter) {
        String k = letter.idempotencyKey();
        int colon = k == null ? -1 : k.lastIndexOf(':');
        if (colon <= 0 || !k.substring(colon + 1).equals(customer)) {
            throw new IllegalArgumentException("dead letter " + letter.id() + " has no trigger key of customer "
                    + customer + " (a malformed or rejected message): nothing to re-drive");
        }
        try {
            return new TriggerKey(customer, k.substring(0, colon));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "dead letter " + letter.id() + " has no usable trigger key: " + e.getMessage());
        }
    }
}
