package io.caravan.delivery;

import io.caravan.errors.CaravanExchange;
import org.apache.camel.Exchange;
import org.apache.camel.support.SynchronizationAdapter;

/** Counts dead-lettered events when a delivery's exchange completes (delivered ones are counted as they succeed). */
final class OutcomeCount extends SynchronizationAdapter {
    private final SubscriptionMetrics metrics;

    OutcomeCount(SubscriptionMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void onComplete(Exchange exchange) {
        if (exchange.getProperty(CaravanExchange.DEAD_LETTER_ID) != null) {
            OutgoingWebhook outgoing = exchange.getProperty(Subscription.OUTGOING, OutgoingWebhook.class);
            metrics.deadLettered.increment(outgoing == null ? 1 : outgoing.events());
        }
    }
}
