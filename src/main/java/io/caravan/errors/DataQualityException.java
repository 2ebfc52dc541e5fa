package io.caravan.errors;

/**
 * The payload is wrong, not the peer or caravan: quarantined, never retried. {@link #field()} is null when the
 * problem is the payload as a whole (not JSON, wrong shape).
 */
public class DataQualityException extends RuntimeException {

    private final String field;
    private final String problem;

    public DataQualityException(String problem) {
        super(problem);
        this.field = null;
        this.problem = problem;
    }

    public DataQualityException(String field, String problem) {
        this(field, problem, null);
    }

    public DataQualityException(String field, String problem, Throwable cause) {
        super(field + ": " + problem, cause);
        this.field = field;
        this.problem = problem;
    }

    public String field() {
        return field;
    }

    public String problem() {
        return problem;
    }
}
