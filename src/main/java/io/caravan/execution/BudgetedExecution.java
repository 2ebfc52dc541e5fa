package io.caravan.execution;

import io.caravan.store.ExecutionStatus;
import java.util.ArrayList;
import java.util.List;

/**
 * One scheduled execution of a family within its drain budget: the cycles used, the counts for execution_log, the
 * status and details, and the outcome of every item of the current cycle. Split sub-exchanges share it by reference,
 * so outcome recording is synchronized. A family extends it with what only it reads (a feed's passes and watermark,
 * a drain's batch of events).
 */
public abstract class BudgetedExecution {
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
    private RowOutcome[] outcomes = new RowOutcome[0];
    private String[] keys = new String[0];
    private String[] resultRefs = new String[0];

    protected BudgetedExecution(long id) {
        this.id = id;
    }

    public long id() {
        return id;
    }

    /** Read by the route's loop: whether another cycle should run. */
    public boolean isMore() {
        return more;
    }

    /** Starts recording outcomes for a cycle of {@code size} items, none recorded yet. */
    protected synchronized void startOutcomes(int size) {
        outcomes = new RowOutcome[size];
        keys = new String[size];
        resultRefs = new String[size];
    }

    protected synchronized void countRead(int n) {
        read += n;
    }

    protected synchronized void countCycle() {
        cycles++;
    }

    public synchronized void outcome(int index, String key, RowOutcome outcome, String resultRef) {
        outcomes[index] = outcome;
        keys[index] = key;
        resultRefs[index] = resultRef;
        switch (outcome) {
            case DELIVERED -> delivered++;
            case DEAD_LETTERED -> deadLettered++;
            case DUPLICATE -> duplicate++;
            case HELD -> held++;
            default -> {}
        }
    }

    public synchronized RowOutcome outcome(int index) {
        return outcomes[index] == null ? RowOutcome.PENDING : outcomes[index];
    }

    public synchronized String key(int index) {
        return keys[index];
    }

    public synchronized String resultRef(int index) {
        return resultRefs[index];
    }

    public void stop() {
        more = false;
    }

    /** Ends the execution early; SYSTEM trouble makes it INCOMPLETE (the seed's incomplete-execution signal). */
    public synchronized void fail(ExecutionStatus worst, String detail) {
        if (worst.ordinal() > status.ordinal()) {
            status = worst;
        }
        details.add(detail);
        more = false;
    }

    /** Adds a detail for execution_log and the summary line, once however often it is noted. */
    public synchronized void note(String detail) {
        if (!details.contains(detail)) {
            details.add(detail);
        }
    }

    public synchronized ExecutionStatus status() {
        return status;
    }

    public synchronized String detail() {
        return details.isEmpty() ? null : String.join("; ", details);
    }

    public synchronized int cycles() {
        return cycles;
    }

    public synchronized int read() {
        return read;
    }

    public synchronized int delivered() {
        return delivered;
    }

    public synchronized int duplicate() {
        return duplicate;
    }

    public synchronized int deadLettered() {
        return deadLettered;
    }

    public synchronized int held() {
        return held;
    }

    public long elapsedMillis() {
        return (System.nanoTime() - startedNanos) / 1_000_000;
    }
}
