package io.caravan.saga;

import io.caravan.execution.ExecutionItem;

/** One saga a cycle runs: its plan and business key, and its place in the cycle. */
public record SagaWork(String plan, String businessKey, int index) implements ExecutionItem {
    @Override
    public String key() {
        return SagaRunner.lockKey(plan, businessKey);
    }
}
