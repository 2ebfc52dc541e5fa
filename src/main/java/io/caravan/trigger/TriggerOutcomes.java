package io.caravan.trigger;

import org.apache.camel.AggregationStrategy;
import org.apache.camel.Exchange;
import org.apache.camel.support.DefaultExchange;

/**
 * The aggregation of a trigger route's split. Each trigger's outcome is already on the shared TriggerMessage; a
 * sub-exchange whose failure the error handler handled would carry that state onto the message's exchange and end
 * the route before the acknowledgement, so the result is a neutral exchange.
 */
public final class TriggerOutcomes implements AggregationStrategy {
    public static final String BEAN_NAME = "caravanTriggerOutcomes";

    @Override
    public Exchange aggregate(Exchange previous, Exchange trigger) {
        return previous != null ? previous : new DefaultExchange(trigger.getContext());
    }
}
