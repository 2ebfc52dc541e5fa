package io.caravan.delivery;

import io.caravan.errors.CaravanExchange;
import java.util.List;
import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.consumer.KafkaManualCommit;
import org.apache.camel.support.SynchronizationAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens to a delivery's offsets when its exchange completes, on the consumer's thread before it takes the
 * next record (the route is synchronous). Completed, i.e. outcome recorded (the subscriber's 2xx, or the dead
 * letter written by the shared error handling): a batch commits its offsets (single records are committed by the
 * consumer after each poll). Failed, i.e. no outcome recorded: nothing is committed; after a pause the record comes
 * again (breakOnFirstError seeks back to it), a batch through {@link Subscription#reRead}.
 */
final class OffsetCommit extends SynchronizationAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(OffsetCommit.class);
    private final String routeId;
    /** How long the consumer waits before it reads an unrecorded record again, so a store outage is no busy loop. */
    static final long REREAD_PAUSE_MS = 1000;

    private final List<KafkaManualCommit> commits;
    private final boolean batch;
    private final Subscription subscription;

    OffsetCommit(String routeId, List<KafkaManualCommit> commits, boolean batch, Subscription subscription) {
        this.routeId = routeId;
        this.commits = commits;
        this.batch = batch;
        this.subscription = subscription;
    }

    @Override
    public void onComplete(Exchange exchange) {
        if (!subscription.committing()) {
            return;
        }
        for (KafkaManualCommit commit : commits) {
            try {
                commit.commit();
            } catch (RuntimeException e) {
                // the outcome is recorded; an uncommitted offset only means the record may be sent again
                LOG.warn(
                        "webhook {}: offset commit failed; the record may be delivered again: {}",
                        routeId,
                        e.toString());
            }
        }
    }

    @Override
    public void onFailure(Exchange exchange) {
        LOG.error(
                "webhook {}: outcome of {} not recorded ({}); the offset stays uncommitted and the record is read again",
                routeId,
                exchange.getProperty(CaravanExchange.CORRELATION_ID),
                exchange.getException() == null
                        ? "failed"
                        : exchange.getException().toString());
        try {
            Thread.sleep(REREAD_PAUSE_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (batch) {
            subscription.reRead(exchange.getContext());
        }
    }
}
