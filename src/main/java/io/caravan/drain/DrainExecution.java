package io.caravan.drain;

import io.caravan.execution.BudgetedExecution;
import java.util.List;

/**
 * One scheduled execution of a queue drain: the shared budgeted execution plus the batch of events of the current
 * poll.
 */
public final class DrainExecution extends BudgetedExecution {
    private List<InboxEvent> batch = List.of();

    DrainExecution(long id) {
        super(id);
    }

    synchronized void startBatch(List<InboxEvent> events) {
        batch = events;
        startOutcomes(events.size());
        countRead(events.size());
        countCycle();
    }

    /** An empty poll, or a poll whose events were put back: nothing for recordOutcomes to record. */
    synchronized void clearBatch() {
        batch = List.of();
        startOutcomes(0);
    }

    synchronized List<InboxEvent> batch() {
        return batch;
    }
}
