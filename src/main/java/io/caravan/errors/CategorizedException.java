package io.caravan.errors;

import java.util.Objects;

/**
 * A failure that already knows its category, so rooms that talk to Kafka, S3 or SQS can classify their own
 * failures without the classifier knowing those clients.
 */
public class CategorizedException extends RuntimeException {

    private final ErrorCategory category;
    private final Integer statusCode;

    public CategorizedException(ErrorCategory category, Integer statusCode, String message) {
        this(category, statusCode, message, null);
    }

    public CategorizedException(ErrorCategory category, Integer statusCode, String message, Throwable cause) {
        super(message, cause);
        this.category = Objects.requireNonNull(category, "category");
        this.statusCode = statusCode;
    }

    public ErrorCategory category() {
        return category;
    }

    public Integer statusCode() {
        return statusCode;
    }
}
