package io.caravan.drain;

import io.caravan.errors.CaravanExchange;
import io.caravan.errors.ErrorCategory;
import io.caravan.feed.RowOutcome;
import io.caravan.store.ExecutionStatus;
import org.apache.camel.AggregationStrategy;
import org.apache.camel.Exchange;
import org.apache.camel.support.DefaultExchange;

/**
 * Observes each delivery sub-exchange of a drain's split and records its outcome on the shared
 * {@link DrainExecution}: delivered, dead-lettered by the shared error configuration, or, after a SYSTEM failure,
 * left pending so its offset is not committed and the event comes back.
 */
public final class DrainOutcomes implements AggregationStrategy {
    /** The registry name routes/queue-drain.yaml refers to. */
    public static final String BEAN_NAME = "caravanDrainOutcomes";

    @Override
    public Exchange aggregate(Exchange previous, Exchange delivery) {
        DrainExecution execution = delivery.getProperty(QueueDrain.EXECUTION, DrainExecution.class);
        InboxEvent event = delivery.getProperty(QueueDrain.EVENT, InboxEvent.class);
        if (execution != null && event != null) {
            Long deadLetterId = delivery.getProperty(CaravanExchange.DEAD_LETTER_ID, Long.class);
            ErrorCategory category = delivery.getProperty(CaravanExchange.ERROR_CATEGORY, ErrorCategory.class);
            if (category != null && category.marksExecutionIncomplete()) {
                execution.fail(
                        ExecutionStatus.INCOMPLETE,
                        "unexpected failure delivering " + event.key() + " (dead letter " + deadLetterId
                                + "); its offset stays uncommitted");
            } else if (deadLetterId != null || category != null) {
                execution.outcome(event.index(), RowOutcome.DEAD_LETTERED, "dead_letter:" + deadLetterId);
            } else if (delivery.getException() == null
                    && Boolean.TRUE.equals(delivery.getProperty(QueueDrain.DELIVERED, Boolean.class))) {
                Integer code = delivery.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
                execution.outcome(event.index(), RowOutcome.DELIVERED, code == null ? "delivered" : "HTTP " + code);
            }
        }
        // the split copies its result onto the execution's exchange; a delivery sub-exchange would carry its
        // handled-error state there and end the route, so the result is a neutral exchange
        return previous != null ? previous : new DefaultExchange(delivery.getContext());
    }
}
