/**
 * The budgeted scheduled execution shared by the families that run one (feed, drain, saga): its counts, status and
 * details ({@link io.caravan.execution.BudgetedExecution}), the outcome of every item of the current cycle
 * ({@link io.caravan.execution.RowOutcome}), the split's outcome aggregator with the SYSTEM rule each family names
 * ({@link io.caravan.execution.ExecutionOutcomes}), and the finish: the execution_log row closed and one summary line
 * ({@link io.caravan.execution.ExecutionFinish}). It sits below the families and imports only errors and store.
 */
package io.caravan.execution;
