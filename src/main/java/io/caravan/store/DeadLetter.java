package io.caravan.store;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A failed exchange kept for inspection and replay. {@code id} is null until recorded; {@code headers} are the
 * (already redacted) message headers, never null. {@code category} is the error category's name (TRANSIENT,
 * PERMANENT, DATA_QUALITY, SYSTEM); the store does not interpret it.
 */
public record DeadLetter(
        Long id,
        String routeId,
        String correlationId,
        String idempotencyKey,
        String category,
        Integer statusCode,
        String reason,
        int attempts,
        String payload,
        Map<String, String> headers,
        String replayStatus,
        Instant createdAt) {

    /** The replay status of a dead letter nobody has replayed yet. */
    public static final String PENDING = "PENDING";

    public DeadLetter {
        Objects.requireNonNull(routeId, "routeId");
        Objects.requireNonNull(category, "category");
        Objects.requireNonNull(reason, "reason");
        headers = headers == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(headers));
        replayStatus = replayStatus == null ? PENDING : replayStatus;
    }

    /** A new dead letter to {@linkplain DeadLetters#record record}: no id yet, PENDING, created when recorded. */
    public static DeadLetter of(
            String routeId,
            String correlationId,
            String idempotencyKey,
            String category,
            Integer statusCode,
            String reason,
            int attempts,
            String payload,
            Map<String, String> headers) {
        return new DeadLetter(
                null,
                routeId,
                correlationId,
                idempotencyKey,
                category,
                statusCode,
                reason,
                attempts,
                payload,
                headers,
                PENDING,
                null);
    }
}
