package io.caravan.delivery;

import io.caravan.errors.CaravanExchange;
import java.util.List;
import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.consumer.KafkaManualCommit;
import org.apache.camel.support.SynchronizationAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits a delivery's Kafka offsets when its exchange completes, i.e. after the outcome was recorded (the
 * subscriber's 2xx, or the dead letter written by the shared error handling). Runs on the consumer's thread
 * before it takes the next record, because the route is synchronous. A failed exchange commits nothing: the
 * consumer (breakOnFirstError) seeks back and reads the record again.
 */
final class OffsetCommit extends SynchronizationAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(OffsetCommit.class);
    private final String routeId;
    private final List<KafkaManualCommit> commits;

    OffsetCommit(String routeId, List<KafkaManualCommit> commits) {
        this.routeId = routeId;
        this.commits = commits;
    }

    @Override
    public void onComplete(Exchange exchange) {
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
    }
}
