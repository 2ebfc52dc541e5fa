package io.caravan.errors;

import java.util.Objects;
import java.util.Optional;

/**
 * What the classifier decided about one failure.
 *
 * @param statusCode the HTTP (or HTTP-like) status, null when the failure had none
 * @param reason short, secret-free text for the dead letter and the log
 * @param retryAfter the raw Retry-After value the server sent, null when it sent none
 */
public record Classification(ErrorCategory category, Integer statusCode, String reason, String retryAfter) {

    public Classification {
        Objects.requireNonNull(category, "category");
        Objects.requireNonNull(reason, "reason");
    }

    public static Classification of(ErrorCategory category, Integer statusCode, String reason) {
        return new Classification(category, statusCode, reason, null);
    }

    public Optional<String> retryAfterHeader() {
        return Optional.ofNullable(retryAfter);
    }
}
