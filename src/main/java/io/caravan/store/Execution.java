package io.caravan.store;

import java.time.Instant;

/** One row of the execution log; {@code endedAt} is null while RUNNING. */
public record Execution(
        long id,
        String routeId,
        Instant startedAt,
        Instant endedAt,
        int cycles,
        int rowsRead,
        int rowsDelivered,
        int rowsDuplicate,
        int rowsDeadLettered,
        ExecutionStatus status,
        String detail) {}
