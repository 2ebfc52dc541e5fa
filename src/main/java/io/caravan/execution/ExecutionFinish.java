package io.caravan.execution;

import io.caravan.store.ExecutionLog;
import io.caravan.store.ExecutionStatus;
import org.slf4j.Logger;

/**
 * The end of a budgeted execution: its execution_log row closed with the counts, status and details, and one
 * summary line, WARN unless it completed.
 */
public final class ExecutionFinish {
    private final ExecutionLog executionLog;
    private final Logger log;
    private final String family;
    private final String routeId;
    private final boolean idleAtDebug;

    /**
     * @param family the word the summary line starts with (feed, drain, saga)
     * @param idleAtDebug a complete execution that read nothing is logged at DEBUG, not INFO
     */
    public ExecutionFinish(ExecutionLog executionLog, Logger log, String family, String routeId, boolean idleAtDebug) {
        this.executionLog = executionLog;
        this.log = log;
        this.family = family;
        this.routeId = routeId;
        this.idleAtDebug = idleAtDebug;
    }

    public void finish(BudgetedExecution e) {
        executionLog.finish(
                e.id(), e.cycles(), e.read(), e.delivered(), e.duplicate(), e.deadLettered(), e.status(), e.detail());
        String line = family
                + " {}: execution {} {} in {} ms: cycles={} read={} delivered={} duplicate={} deadLettered={} held={}{}";
        Object[] args = {
            routeId,
            e.id(),
            e.status(),
            e.elapsedMillis(),
            e.cycles(),
            e.read(),
            e.delivered(),
            e.duplicate(),
            e.deadLettered(),
            e.held(),
            e.detail() == null ? "" : " (" + e.detail() + ")"
        };
        if (e.status() != ExecutionStatus.COMPLETE) {
            log.warn(line, args);
        } else if (idleAtDebug && e.read() == 0) {
            log.debug(line, args);
        } else {
            log.info(line, args);
        }
    }
}
