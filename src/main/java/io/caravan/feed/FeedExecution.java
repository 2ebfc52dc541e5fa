package io.caravan.feed;

import io.caravan.store.ExecutionStatus;
import io.caravan.store.RereadCursor;
import io.caravan.store.Watermark;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One scheduled execution of a feed: the pass and keyset cursor it reads, the watermark as it advances, the budget
 * used, the counts for execution_log, and the outcome of every row of the current cycle. Split sub-exchanges share it
 * by reference, so outcome recording is synchronized.
 */
public final class FeedExecution {
    private final long id;
    private final long startedNanos = System.nanoTime();
    private final Watermark watermarkAtStart;
    private final Horizon horizon;
    private final Instant lapStartedAt;
    private ReadPass pass;
    private Watermark cursor;
    private Watermark watermark;
    private boolean more = true;
    private int cycles;
    private int freePages;
    private int passPages;
    private int read;
    private int delivered;
    private int duplicate;
    private int deadLettered;
    private int held;
    private int late;
    private int missing;
    private int redriven;
    /** The first row of the forward pass left unhandled: the watermark stays before it for the rest of the execution. */
    private SourceRow firstUnhandled;
    /** The first row the commit horizon held back. */
    private SourceRow beyondHorizon;
    /** The forward pass read everything up to the horizon. */
    private boolean caughtUp;
    /** The re-read pass reached the watermark in this page. */
    private boolean lapDone;

    private ExecutionStatus status = ExecutionStatus.COMPLETE;
    private final List<String> details = new ArrayList<>();
    private List<SourceRow> page = List.of();
    /** Rows of the page from this index on are after the watermark (forward); rows before it are behind it. */
    private int forwardFrom;

    private RowOutcome[] outcomes = new RowOutcome[0];
    private String[] keys = new String[0];
    private String[] resultRefs = new String[0];

    /** Starts reading {@code pass} at {@code from}'s position; {@code from}'s lap start is the re-read lap's. */
    FeedExecution(long id, Watermark watermark, Horizon horizon, ReadPass pass, RereadCursor from) {
        this.id = id;
        this.watermarkAtStart = watermark;
        this.watermark = watermark;
        this.horizon = horizon;
        this.pass = pass;
        this.cursor = from.position().orElse(watermark);
        this.lapStartedAt = from.lapStartedAt();
    }

    Instant lapStartedAt() {
        return lapStartedAt;
    }

    public long id() {
        return id;
    }

    /** Read by the route's loop: whether another cycle should run. */
    public boolean isMore() {
        return more;
    }

    ReadPass pass() {
        return pass;
    }

    Horizon horizon() {
        return horizon;
    }

    Watermark cursor() {
        return cursor;
    }

    Watermark watermark() {
        return watermark;
    }

    Watermark watermarkAtStart() {
        return watermarkAtStart;
    }

    void advanced(Watermark to) {
        watermark = to;
    }

    /** Continues with another pass from {@code from}. */
    void switchTo(ReadPass next, Watermark from) {
        pass = next;
        cursor = from;
        passPages = 0;
        lapDone = false;
    }

    /**
     * Takes the rows read for this cycle, the forward ones from {@code forwardFrom} on; {@code next} is where the pass
     * continues (the last row read, including rows set aside, so nothing is read twice in one execution).
     */
    void startPage(List<SourceRow> rows, int forwardFrom, int rowsRead, Watermark next) {
        page = rows;
        this.forwardFrom = forwardFrom;
        outcomes = new RowOutcome[rows.size()];
        keys = new String[rows.size()];
        resultRefs = new String[rows.size()];
        read += rowsRead;
        passPages++;
        cursor = next;
    }

    int forwardFrom() {
        return forwardFrom;
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
        } else if (pass == ReadPass.FORWARD) {
            freePages++;
        }
    }

    int cycles() {
        return cycles;
    }

    int freePages() {
        return freePages;
    }

    int passPages() {
        return passPages;
    }

    void late() {
        late++;
    }

    void missing() {
        missing++;
    }

    void redriven(int n) {
        redriven += n;
    }

    int lateRows() {
        return late;
    }

    int missingRows() {
        return missing;
    }

    int redrivenRows() {
        return redriven;
    }

    void unhandled(SourceRow row) {
        if (firstUnhandled == null) {
            firstUnhandled = row;
        }
    }

    SourceRow firstUnhandled() {
        return firstUnhandled;
    }

    void beyondHorizon(SourceRow row) {
        if (beyondHorizon == null) {
            beyondHorizon = row;
        }
    }

    SourceRow firstBeyondHorizon() {
        return beyondHorizon;
    }

    void caughtUp() {
        caughtUp = true;
    }

    boolean isCaughtUp() {
        return caughtUp;
    }

    void lapDone() {
        lapDone = true;
    }

    boolean isLapDone() {
        return lapDone;
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
        if (!details.contains(detail)) {
            details.add(detail);
        }
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
