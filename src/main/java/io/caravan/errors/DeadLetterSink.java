package io.caravan.errors;

import java.util.Map;

/** Where dead letters go; the wiring adapts it to the dead-letter store. Returns the stored id. */
@FunctionalInterface
public interface DeadLetterSink {

    long record(
            String routeId,
            String correlationId,
            String idempotencyKey,
            ErrorCategory category,
            Integer statusCode,
            String reason,
            int attempts,
            String payload,
            Map<String, String> redactedHeaders);
}
