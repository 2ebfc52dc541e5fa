package io.caravan.saga;

import io.caravan.execution.BudgetedExecution;
import java.util.List;

/** One scheduled execution of a saga row: the shared budgeted execution plus the sagas of the current cycle. */
public final class SagaExecution extends BudgetedExecution {
    private List<SagaWork> batch = List.of();

    SagaExecution(long id) {
        super(id);
    }

    synchronized void startBatch(List<SagaWork> work) {
        batch = work;
        startOutcomes(work.size());
        countRead(work.size());
        countCycle();
    }

    synchronized List<SagaWork> batch() {
        return batch;
    }
}
