package io.caravan.feed;

import io.caravan.store.ExecutionStatus;
import io.caravan.store.Watermark;
import java.util.ArrayList;
import java.util.List;

/**
 * One scheduled execution of a feed: the keyset cursor, the budget used, the counts for execution_log, and the
 * outcome of every row of the current cycle. Split sub-exchanges share it by reference, so outcome recording is
 * synchronized.
 */
public final class FeedExecution {
    private final long id;
    private final long startedNanos = System.nanoTime();
    private Watermark cursor;
    private boolean more = true;
    private int cycles;
    private int freePages;
    private int read;
    private int delivered;
    private int duplicate;
    private int deadLettered;
    private int held;
    private ExecutionStatus status = ExecutionStatus.COMPLETE;
    private final List<String> details = new ArrayList<>();
    private List<SourceRow> page = List.of();
    private RowOutcome[] outcomes = new RowOutcome[0];
    private String[] keys = new String[0];
    private String[] resultRefs = new String[0];

    FeedExecution(long id, Watermark cursor) {
        this.id = id;
        this.cursor = cursor;
    }

    public long id() {
        return id;
    }

    /** Read by the route's loop: whether another cycle should run. */
    public boolean isMore() {
        return more;
    }

    Watermark cursor() {
        return cursor;
    }

    void startPage(List<SourceRow> rows) {
        page = rows;
        outcomes = new RowOutcome[rows.size()];
        keys = new String[rows.size()];
        resultRefs = new String[rows.size()];
        read += rows.size();
        if (!rows.isEmpty()) {
            cursor = rows.get(rows.size() - 1).position();
        }
    }

    List<SourceRow> page() {
        return page;
    }

    synchronized void outcome(int index, String key, RowOutcome outcome, String resultRef) {
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

    synchronized RowOutcome outcome(int index) {
        return outcomes[index] == null ? RowOutcome.PENDING : outcomes[index];
    }

    synchronized String key(int index) {
        return keys[index];
    }

    synchronized String resultRef(int index) {
        return resultRefs[index];
    }

    void countCycle(boolean hadWork) {
        if (hadWork) {
            cycles++;
        } else {
            freePages++;
        }
    }

    int cycles() {
        return cycles;
    }

    int freePages() {
        return freePages;
    }

    void stop() {
        more = false;
    }

    /** Ends the execution early; SYSTEM trouble makes it INCOMPLETE (the seed's incomplete-execution signal). */
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

    ExecutionStatus status() {
        return status;
    }

    String detail() {
        return details.isEmpty() ? null : String.join("; ", details);
    }

    int read() {
        return read;
    }

    int delivered() {
        return delivered;
    }

    int duplicate() {
        return duplicate;
    }

    int deadLettered() {
        return deadLettered;
    }

    int held() {
        return held;
    }

    long elapsedMillis() {
        return (System.nanoTime() - startedNanos) / 1_000_000;
    }
}
