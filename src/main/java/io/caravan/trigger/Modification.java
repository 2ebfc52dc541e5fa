package io.caravan.trigger;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One entry of an archive's modifications[]: what happened to the change for which customer, when, with what
 * outcome. {@code idempotencyKey} makes an append idempotent: an entry of the same type and key is written once.
 */
public record Modification(
        String type, String customer, Instant timestamp, String outcome, String idempotencyKey, String detail) {

    /** This customer's processing of the change succeeded. */
    public static final String PROCESSED = "processed";
    /** The side effect shared by every customer of the change (one meeting per change) was made. */
    public static final String SHARED_PROCESSED = "shared_processed";
    /** The change failed for good for this customer (permanent or data-quality); the trigger is quarantined. */
    public static final String FAILED = "failed";

    public Modification {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(customer, "customer");
        Objects.requireNonNull(timestamp, "timestamp");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    }

    Map<String, Object> asMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", type);
        m.put("customer", customer);
        m.put("timestamp", timestamp.toString());
        m.put("outcome", outcome);
        m.put("idempotencyKey", idempotencyKey);
        if (detail != null) {
            m.put("detail", detail);
        }
        return m;
    }
}
