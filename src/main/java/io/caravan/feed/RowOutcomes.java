package io.caravan.feed;

import io.caravan.errors.CaravanExchange;
import io.caravan.errors.ErrorCategory;
import io.caravan.store.ExecutionStatus;
import org.apache.camel.AggregationStrategy;
import org.apache.camel.Exchange;
import org.apache.camel.support.DefaultExchange;

/**
 * Observes each delivery sub-exchange of a feed's split and records its outcome on the shared
 * {@link FeedExecution}: delivered, or dead-lettered by the shared error configuration.
 */
public final class RowOutcomes implements AggregationStrategy {

    @Override
    public Exchange aggregate(Exchange previous, Exchange delivery) {
        FeedExecution execution = delivery.getProperty(WatermarkFeed.EXECUTION, FeedExecution.class);
        Delivery d = delivery.getProperty(WatermarkFeed.DELIVERY, Delivery.class);
        if (execution != null && d != null) {
            Long deadLetterId = delivery.getProperty(CaravanExchange.DEAD_LETTER_ID, Long.class);
            ErrorCategory category = delivery.getProperty(CaravanExchange.ERROR_CATEGORY, ErrorCategory.class);
            if (deadLetterId != null || category != null) {
                execution.outcome(d.index(), d.key(), RowOutcome.DEAD_LETTERED, "dead_letter:" + deadLetterId);
                if (category != null && category.marksExecutionIncomplete()) {
                    execution.fail(
                            ExecutionStatus.INCOMPLETE,
                            "unexpected failure delivering " + d.key() + " (dead letter " + deadLetterId + ")");
                }
            } else if (delivery.getException() == null
                    && Boolean.TRUE.equals(delivery.getProperty(WatermarkFeed.DELIVERED, Boolean.class))) {
                Integer code = delivery.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
                execution.outcome(
                        d.index(), d.key(), RowOutcome.DELIVERED, code == null ? "delivered" : "HTTP " + code);
            }
        }
        // the split copies its result onto the execution's exchange; a delivery sub-exchange would carry its
        // handled-error state there and end the route, so the result is a neutral exchange
        return previous != null ? previous : new DefaultExchange(delivery.getContext());
    }
}
