package io.caravan.delivery;

import io.caravan.errors.CaravanExchange;
import java.util.List;
import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.consumer.KafkaManualCommit;
import org.apache.camel.support.SynchronizationAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens to a delivery window's offsets when its exchange completes, on the consumer's thread before it takes
 * the next window (see {@link DeliveryWindow}). Every outcome recorded (the subscriber's 2xx, the dead letter written by
 * the shared error handling, or debug mode's record): the window commits, for each partition, past its last record.
 * An outcome not recorded (the window broke off, or its exchange failed): nothing is committed; after a pause the
 * subscription reads again from the last committed offset ({@link Subscription#reRead}).
 */
final class OffsetCommit extends SynchronizationAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(OffsetCommit.class);
    /** How long the consumer waits before it reads an unrecorded window again, so a store outage is no busy loop. */
    static final long REREAD_PAUSE_MS = 1000;

    private final String routeId;
    private final List<KafkaManualCommit> commits;
    private final DeliveryWindow window;
    private final Subscription subscription;

    OffsetCommit(String routeId, List<KafkaManualCommit> commits, DeliveryWindow window, Subscription subscription) {
        this.routeId = routeId;
        this.commits = commits;
        this.window = window;
        this.subscription = subscription;
    }

    @Override
    public void onComplete(Exchange exchange) {
        if (window.broken()) {
            readAgain(exchange);
            return;
        }
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
                "webhook {}: outcome of {} not recorded ({}); the offset stays uncommitted and the window is read again",
                routeId,
                exchange.getProperty(CaravanExchange.CORRELATION_ID),
                exchange.getException() == null
                        ? "failed"
                        : exchange.getException().toString());
        window.breakOff();
        readAgain(exchange);
    }

    private void readAgain(Exchange exchange) {
        try {
            Thread.sleep(REREAD_PAUSE_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        subscription.reRead(exchange.getContext());
    }
}
