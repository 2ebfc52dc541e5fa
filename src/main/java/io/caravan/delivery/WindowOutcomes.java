package io.caravan.delivery;

import io.caravan.errors.CaravanExchange;
import org.apache.camel.AggregationStrategy;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Collects the outcomes of a delivery window's split parts (see {@link DeliveryWindow}). An event whose exchange ends
 * failed had no outcome recorded (its dead letter could not be written): the window is broken off, and the failure is
 * not passed up, because the window's own exchange must not go through the error handling (it would retry or
 * dead-letter the whole window); the window's {@link OffsetCommit} sees the break instead. Dead-lettered events are
 * counted here.
 */
final class WindowOutcomes implements AggregationStrategy {
    private static final Logger LOG = LoggerFactory.getLogger(WindowOutcomes.class);

    private final String routeId;
    private final SubscriptionMetrics metrics;
    /** true for the events of a lane, false for the lanes of a window (which only pass their parts on). */
    private final boolean events;

    private WindowOutcomes(String routeId, SubscriptionMetrics metrics, boolean events) {
        this.routeId = routeId;
        this.metrics = metrics;
        this.events = events;
    }

    static WindowOutcomes ofEvents(String routeId, SubscriptionMetrics metrics) {
        return new WindowOutcomes(routeId, metrics, true);
    }

    static WindowOutcomes ofLanes(String routeId) {
        return new WindowOutcomes(routeId, null, false);
    }

    @Override
    public Exchange aggregate(Exchange done, Exchange part) {
        if (part.getException() != null) {
            DeliveryWindow window = DeliveryWindow.of(part);
            if (window != null && !window.broken()) {
                LOG.error(
                        "webhook {}: outcome of {} not recorded ({}); nothing more of this window is sent or committed",
                        routeId,
                        part.getProperty(CaravanExchange.CORRELATION_ID),
                        part.getException().toString());
                window.breakOff();
            } else if (window == null) {
                LOG.error("webhook {}: delivery failed outside a window", routeId, part.getException());
            }
            part.setException(null);
        } else if (events && part.getProperty(CaravanExchange.DEAD_LETTER_ID) != null) {
            OutgoingWebhook outgoing = part.getProperty(Subscription.OUTGOING, OutgoingWebhook.class);
            metrics.deadLettered.increment(outgoing == null ? 1 : outgoing.events());
        }
        return done == null ? part : done;
    }
}
