package io.caravan.store;

/** How a scheduled execution ended (or that it is still running). */
public enum ExecutionStatus {
    RUNNING,
    /** Every row of the budget was handled (delivered, duplicate or dead-lettered). */
    COMPLETE,
    /** Stopped early (a SYSTEM error, shutdown); the watermark stays before the first unhandled row. */
    INCOMPLETE,
    /** Did not run: the execution failed before reading, or its config row was rejected. */
    FAILED
}
