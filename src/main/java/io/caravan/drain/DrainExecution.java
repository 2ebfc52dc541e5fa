package io.caravan.drain;

import io.caravan.feed.RowOutcome;
import io.caravan.store.ExecutionStatus;
import java.util.ArrayList;
import java.util.List;

/**
 * One scheduled execution of a queue drain: the polls used, the counts for execution_log, and the outcome of every
 * event of the current poll. Split sub-exchanges share it by reference, so outcome recording is synchronized.
 */
public final class DrainExecution {
    private final long id;
    private final long startedNanos = System.nanoTime();
    private boolean more = true;
    private int cycles;
    private int read;
    private int delivered;
    private int duplicate;
    private int deadLettered;
    private int held;
    private ExecutionStatus status = ExecutionStatus.COMPLETE;
    private final List<String> details = new ArrayList<>();
    private List<InboxEvent> batch = List.of();
    private RowOutcome[] outcomes = new RowOutcome[0];
    private String[] resultRefs = new String[0];

    DrainExecution(long id) {
        this.id = id;
    }

    public long id() {
        return id;
    }

    /** Read by the route's loop: whether another poll should run. */
    public boolean isMore() {
        return more;
    }

    synchronized void startBatch(List<InboxEvent> events) {
        batch = events;
        outcomes = new RowOutcome[events.size()];
        resultRefs = new String[events.size()];
        read += events.size();
        cycles++;
    }

    /** An empty poll, or a poll whose events were put back: nothing for recordOutcomes to record. */
    synchronized void clearBatch() {
        batch = List.of();
        outcomes = new RowOutcome[0];
        resultRefs = new String[0];
    }

    List<InboxEvent> batch() {
        return batch;
    }

    synchronized void outcome(int index, RowOutcome outcome, String resultRef) {
        outcomes[index] = outcome;
        resultRefs[index] = resultRef;
        switch (outcome) {
            case DELIVERED -> delivered++;
            case DEAD_LETTERED -> deadLettered++;
            case DUPLICATE -> duplicate++;
            case HELD -> held++;
            default -> {}
        }
    }

    synchronized RowOutcome outcome(int index) {
        return outcomes[index] == null ? RowOutcome.PENDING : outcomes[index];
    }

    synchronized String resultRef(int index) {
        return resultRefs[index];
    }

    int cycles() {
        return cycles;
    }

    void stop() {
        more = false;
    }

    /** Ends the execution early; an INCOMPLETE execution leaves the rest of its events in the inbox. */
    synchronized void fail(ExecutionStatus worst, String detail) {
        if (worst.ordinal() > status.ordinal()) {
            status = worst;
        }
        details.add(detail);
        more = false;
    }

    synchronized void note(String detail) {
        details.add(detail);
    }

    synchronized ExecutionStatus status() {
        return status;
    }

    synchronized String detail() {
        return details.isEmpty() ? null : String.join("; ", details);
    }

    int read() {
        return read;
    }

    synchronized int delivered() {
        return delivered;
    }

    synchronized int duplicate() {
        return duplicate;
    }

    synchronized int deadLettered() {
        return deadLettered;
    }

    synchronized int held() {
        return held;
    }

    long elapsedMillis() {
        return (System.nanoTime() - startedNanos) / 1_000_000;
    }
}
