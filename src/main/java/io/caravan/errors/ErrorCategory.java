package io.caravan.errors;

/**
 * The four kinds of failure caravan distinguishes, each carrying its handling. Every category ends in a
 * dead letter once it is not (or no longer) retried.
 */
public enum ErrorCategory {
    /** Timeouts, 408, 429, 5xx: back off and retry, then dead letter. */
    TRANSIENT(true, false, false),
    /** Other 4xx (401/403 are configuration errors): dead letter at once and alert. */
    PERMANENT(false, true, false),
    /** The payload fails validation or parsing: quarantine as a dead letter, no retry. */
    DATA_QUALITY(false, false, false),
    /** Anything unexpected: dead letter, alert, and the execution is not complete. */
    SYSTEM(false, true, true);

    private final boolean retryable;
    private final boolean alerts;
    private final boolean marksExecutionIncomplete;

    ErrorCategory(boolean retryable, boolean alerts, boolean marksExecutionIncomplete) {
        this.retryable = retryable;
        this.alerts = alerts;
        this.marksExecutionIncomplete = marksExecutionIncomplete;
    }

    public boolean retryable() {
        return retryable;
    }

    public boolean alerts() {
        return alerts;
    }

    public boolean marksExecutionIncomplete() {
        return marksExecutionIncomplete;
    }
}
