package io.caravan.feed;

import io.caravan.execution.BudgetedExecution;
import io.caravan.store.RereadCursor;
import io.caravan.store.Watermark;
import java.time.Instant;
import java.util.List;

/**
 * One scheduled execution of a feed: the pass and keyset cursor it reads, the watermark as it advances, and the
 * feed's own counts (late, missing, re-driven rows) on top of the shared budgeted execution.
 */
public final class FeedExecution extends BudgetedExecution {
    private final Watermark watermarkAtStart;
    private final Horizon horizon;
    private final Instant lapStartedAt;
    private ReadPass pass;
    private Watermark cursor;
    private Watermark watermark;
    private int freePages;
    private int passPages;
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

    private List<SourceRow> page = List.of();
    /** Rows of the page from this index on are after the watermark (forward); rows before it are behind it. */
    private int forwardFrom;

    /** Starts reading {@code pass} at {@code from}'s position; {@code from}'s lap start is the re-read lap's. */
    FeedExecution(long id, Watermark watermark, Horizon horizon, ReadPass pass, RereadCursor from) {
        super(id);
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
        startOutcomes(rows.size());
        countRead(rowsRead);
        passPages++;
        cursor = next;
    }

    int forwardFrom() {
        return forwardFrom;
    }

    List<SourceRow> page() {
        return page;
    }

    void countCycle(boolean hadWork) {
        if (hadWork) {
            countCycle();
        } else if (pass == ReadPass.FORWARD) {
            freePages++;
        }
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
}
