package io.caravan.execution;

import io.caravan.errors.CaravanExchange;
import io.caravan.errors.ErrorCategory;
import io.caravan.store.ExecutionStatus;
import org.apache.camel.AggregationStrategy;
import org.apache.camel.Exchange;
import org.apache.camel.support.DefaultExchange;

/**
 * Observes each delivery sub-exchange of a family's split and records its outcome on the shared
 * {@link BudgetedExecution}: delivered, dead-lettered by the shared error configuration, or a SYSTEM failure, which
 * ends the execution INCOMPLETE and is then handled by the family's {@link SystemFailure} rule.
 */
public final class ExecutionOutcomes implements AggregationStrategy {

    /** What a family does with an item whose delivery failed with a SYSTEM category. */
    public enum SystemFailure {
        /** The item counts as dead-lettered (its dead letter holds it), so the family's position passes it. */
        DEAD_LETTERED(""),
        /** The item stays pending: its position is not committed and it comes back in a later execution. */
        LEFT_PENDING("; its offset stays uncommitted");

        private final String detailSuffix;

        SystemFailure(String detailSuffix) {
            this.detailSuffix = detailSuffix;
        }
    }

    private final String executionProperty;
    private final String itemProperty;
    private final String deliveredProperty;
    private final SystemFailure systemFailure;

    /**
     * @param executionProperty the exchange property holding the {@link BudgetedExecution}
     * @param itemProperty the sub-exchange property holding its {@link ExecutionItem}
     * @param deliveredProperty the sub-exchange property set TRUE when the target acknowledged it
     */
    public ExecutionOutcomes(
            String executionProperty, String itemProperty, String deliveredProperty, SystemFailure systemFailure) {
        this.executionProperty = executionProperty;
        this.itemProperty = itemProperty;
        this.deliveredProperty = deliveredProperty;
        this.systemFailure = systemFailure;
    }

    @Override
    public Exchange aggregate(Exchange previous, Exchange delivery) {
        BudgetedExecution execution = delivery.getProperty(executionProperty, BudgetedExecution.class);
        ExecutionItem item = delivery.getProperty(itemProperty, ExecutionItem.class);
        if (execution != null && item != null) {
            Long deadLetterId = delivery.getProperty(CaravanExchange.DEAD_LETTER_ID, Long.class);
            ErrorCategory category = delivery.getProperty(CaravanExchange.ERROR_CATEGORY, ErrorCategory.class);
            boolean system = category != null && category.marksExecutionIncomplete();
            if (system) {
                execution.fail(
                        ExecutionStatus.INCOMPLETE,
                        "unexpected failure delivering " + item.key() + " (dead letter " + deadLetterId + ")"
                                + systemFailure.detailSuffix);
            }
            if ((deadLetterId != null || category != null)
                    && !(system && systemFailure == SystemFailure.LEFT_PENDING)) {
                execution.outcome(item.index(), item.key(), RowOutcome.DEAD_LETTERED, "dead_letter:" + deadLetterId);
            } else if (!system
                    && delivery.getException() == null
                    && Boolean.TRUE.equals(delivery.getProperty(deliveredProperty, Boolean.class))) {
                Integer code = delivery.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
                execution.outcome(
                        item.index(), item.key(), RowOutcome.DELIVERED, code == null ? "delivered" : "HTTP " + code);
            }
        }
        // the split copies its result onto the execution's exchange; a delivery sub-exchange would carry its
        // handled-error state there and end the route, so the result is a neutral exchange
        return previous != null ? previous : new DefaultExchange(delivery.getContext());
    }
}
