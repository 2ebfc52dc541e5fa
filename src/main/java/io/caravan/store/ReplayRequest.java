package io.caravan.store;

import java.time.Instant;

/** One replay_request row: what an operator asked to replay, how far the worker got and what came of it. */
public record ReplayRequest(
        long id,
        ReplayFilter filter,
        String requestedBy,
        Instant requestedAt,
        Status status,
        int maxPerSecond,
        long cursorId,
        int resent,
        int alreadyDelivered,
        int failedAgain,
        String owner,
        Instant leaseUntil,
        Instant finishedAt,
        String detail) {

    /** Where a replay stands; DONE and CANCELLED are final. */
    public enum Status {
        PENDING,
        RUNNING,
        DONE,
        CANCELLED;

        public boolean finished() {
            return this == DONE || this == CANCELLED;
        }
    }

    /** One line for an operator. */
    public String describe() {
        return "replay " + id + " " + status + ": " + filter.describe() + "; requested by " + requestedBy + " at "
                + requestedAt + ", at most " + maxPerSecond + "/s; resent " + resent + ", already delivered "
                + alreadyDelivered + ", failed again " + failedAgain + ", last dead letter " + cursorId
                + (finishedAt == null ? "" : ", finished " + finishedAt)
                + (detail == null ? "" : " (" + detail + ")");
    }
}
