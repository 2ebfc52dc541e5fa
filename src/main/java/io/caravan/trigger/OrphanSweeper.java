package io.caravan.trigger;

import io.caravan.errors.ErrorCategory;
import io.caravan.store.TriggerRedrives;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backstop of one customer's trigger route: triggers older than the orphan age lost their event or their
 * processing died. Each is re-driven by sending the customer's queue the notification S3 would have sent, up to
 * maxRedrives times per trigger version (counted in trigger_redrive); then it is dead-lettered and quarantined.
 * Each sweep also reads the queue's depth for the metrics.
 */
public final class OrphanSweeper {
    private static final Logger LOG = LoggerFactory.getLogger(OrphanSweeper.class);

    /** What one sweep did. */
    public record Sweep(int triggers, int orphaned, int redriven, int gaveUp) {}

    private final String routeId;
    private final String customer;
    private final String region;
    private final String quarantinePrefix;
    private final Duration orphanAge;
    private final int maxRedrives;
    private final TriggerBucket bucket;
    private final TransientTrigger trigger;
    private final TriggerRedrives redrives;
    private final TriggerMetrics metrics;
    private final Clock clock;
    private final software.amazon.awssdk.services.sqs.SqsClient sqs;

    OrphanSweeper(
            String routeId,
            String customer,
            String region,
            String quarantinePrefix,
            Duration orphanAge,
            int maxRedrives,
            TriggerBucket bucket,
            TransientTrigger trigger,
            software.amazon.awssdk.services.sqs.SqsClient sqs,
            TriggerRedrives redrives,
            TriggerMetrics metrics,
            Clock clock) {
        this.routeId = routeId;
        this.customer = customer;
        this.region = region;
        this.quarantinePrefix = quarantinePrefix;
        this.orphanAge = orphanAge;
        this.maxRedrives = maxRedrives;
        this.bucket = bucket;
        this.trigger = trigger;
        this.sqs = sqs;
        this.redrives = redrives;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** One sweep; never throws (a failed sweep is logged and the next one tries again). */
    public Sweep sweep() {
        try {
            return sweepOnce();
        } catch (RuntimeException e) {
            LOG.warn("trigger {}: orphan sweep failed: {}", routeId, e.getMessage());
            return new Sweep(0, 0, 0, 0);
        } finally {
            readQueueDepth();
        }
    }

    private Sweep sweepOnce() {
        Instant now = clock.instant();
        List<TriggerBucket.StoredObject> triggers = bucket.list(TriggerKey.PREFIX + customer + "/");
        int orphaned = 0;
        int redriven = 0;
        int gaveUp = 0;
        Duration oldest = Duration.ZERO;
        for (TriggerBucket.StoredObject t : triggers) {
            Duration age = Duration.between(t.lastModified(), now);
            oldest = age.compareTo(oldest) > 0 ? age : oldest;
            if (age.compareTo(orphanAge) < 0) {
                continue;
            }
            orphaned++;
            TriggerKey key;
            try {
                key = TriggerKey.parse(t.key(), customer);
            } catch (TriggerKey.InvalidTriggerKey e) {
                LOG.warn("trigger {}: orphan sweep skips {}", routeId, e.getMessage());
                continue;
            }
            String ref = t.key() + "@" + t.eTag();
            int done = redrives.count(ref);
            if (done >= maxRedrives) {
                trigger.deadLetter(
                        null,
                        key,
                        ErrorCategory.SYSTEM,
                        null,
                        key + " still there " + age.toSeconds() + "s after its write and " + done
                                + " re-drives; quarantined to " + key.quarantineKey(quarantinePrefix));
                bucket.quarantine(t.key(), key.quarantineKey(quarantinePrefix));
                gaveUp++;
                continue;
            }
            trigger.send(
                    S3Notification.objectCreated(region, bucket.name(), t.key(), t.size(), t.eTag(), t.lastModified()));
            int count = redrives.record(routeId, ref);
            metrics.redriven();
            redriven++;
            LOG.warn(
                    "trigger {}: re-drove orphaned {} (age {}s, re-drive {} of {})",
                    routeId,
                    t.key(),
                    age.toSeconds(),
                    count,
                    maxRedrives);
        }
        metrics.orphaned.set(orphaned);
        metrics.oldestTriggerAgeSeconds.set(oldest.toSeconds());
        return new Sweep(triggers.size(), orphaned, redriven, gaveUp);
    }

    private void readQueueDepth() {
        try {
            Map<String, String> attributes = sqs.getQueueAttributes(b -> b.queueUrl(trigger.queueUrl())
                            .attributeNamesWithStrings(
                                    "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"))
                    .attributesAsStrings();
            metrics.queueDepth.set(Long.parseLong(attributes.getOrDefault("ApproximateNumberOfMessages", "0")));
            metrics.queueInFlight.set(
                    Long.parseLong(attributes.getOrDefault("ApproximateNumberOfMessagesNotVisible", "0")));
        } catch (RuntimeException e) {
            LOG.debug("trigger {}: queue depth not read: {}", routeId, e.getMessage());
        }
    }
}
