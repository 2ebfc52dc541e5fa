package io.caravan.execution;

/** What became of a row read in a cycle; every outcome but HELD and PENDING lets the watermark pass the row. */
public enum RowOutcome {
    /** Not (yet) recorded: the watermark must stop before it. */
    PENDING(false),
    /** Posted to the target and acknowledged. */
    DELIVERED(true),
    /** Failed for good and recorded in dead_letter. */
    DEAD_LETTERED(true),
    /** Its key was already done (or dead-lettered) in the ledger; nothing sent. */
    DUPLICATE(true),
    /** Another owner holds its key under a live lease; a later execution takes it. */
    HELD(false);

    private final boolean handled;

    RowOutcome(boolean handled) {
        this.handled = handled;
    }

    public boolean handled() {
        return handled;
    }
}
