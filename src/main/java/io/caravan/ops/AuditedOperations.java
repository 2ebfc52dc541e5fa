package io.caravan.ops;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.caravan.store.OpsAudit;
import io.caravan.store.StoreException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an MBean operation as the current {@link Operator} and writes it to ops_audit: arguments as JSON with
 * secret-looking values redacted, the result text, or why it was refused (an operator's mistake: unknown route,
 * bad watermark) or failed. A refusal or failure reaches the JMX client as an IllegalArgumentException or
 * IllegalStateException carrying only the message, so a remote client needs none of caravan's classes.
 */
final class AuditedOperations {
    private static final Logger LOG = LoggerFactory.getLogger(AuditedOperations.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET_WORDS = "secret|password|passwd|token|credential|apikey|api_key|authorization";
    private static final Pattern SECRET_NAME = Pattern.compile("(?i).*(" + SECRET_WORDS + ").*");
    /** key: value or "key": "value" inside a text argument (a candidate row as YAML or JSON). */
    private static final Pattern SECRET_FIELD = Pattern.compile("(?i)(\"?[A-Za-z0-9_.-]*(?:" + SECRET_WORDS
            + ")[A-Za-z0-9_.-]*\"?\\s*[:=]\\s*)(\"(?:[^\"\\\\]|\\\\.)*\"|'[^']*'|[^,}\\s]+)");

    static final String REDACTED = "***";

    private final OpsAudit audit;
    private final String mbean;

    AuditedOperations(OpsAudit audit, String mbean) {
        this.audit = audit;
        this.mbean = mbean;
    }

    /** Arguments in the order the operation declares them. */
    static Map<String, Object> args(Object... namesAndValues) {
        Map<String, Object> args = new LinkedHashMap<>();
        for (int i = 0; i + 1 < namesAndValues.length; i += 2) {
            args.put(String.valueOf(namesAndValues[i]), namesAndValues[i + 1]);
        }
        return args;
    }

    <T> T run(String operation, Map<String, Object> arguments, Supplier<T> work) {
        String principal = Operator.current();
        String argumentsJson = redacted(arguments);
        T result;
        try {
            result = work.get();
        } catch (IllegalArgumentException e) {
            record(principal, operation, argumentsJson, OpsAudit.Outcome.REFUSED, e.getMessage());
            throw new IllegalArgumentException(e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("{}.{} by {} failed", mbean, operation, principal, e);
            String message = e instanceof StoreException ? "the store failed: " + e.getMessage() : e.getMessage();
            record(principal, operation, argumentsJson, OpsAudit.Outcome.FAILED, message);
            throw new IllegalStateException(message);
        }
        record(principal, operation, argumentsJson, OpsAudit.Outcome.OK, text(result));
        return result;
    }

    private void record(String principal, String operation, String arguments, OpsAudit.Outcome outcome, String text) {
        audit.record(principal, mbean, operation, arguments, outcome, text);
        LOG.info("{}.{} by {}: {} {}", mbean, operation, principal, outcome, text);
    }

    static String redacted(Map<String, Object> arguments) {
        Map<String, Object> safe = new LinkedHashMap<>();
        arguments.forEach((name, value) -> {
            if (value != null && SECRET_NAME.matcher(name).matches()) {
                safe.put(name, REDACTED);
            } else if (value instanceof String text) {
                safe.put(name, SECRET_FIELD.matcher(text).replaceAll("$1\"" + REDACTED + "\""));
            } else {
                safe.put(name, value);
            }
        });
        try {
            return JSON.writeValueAsString(safe);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("arguments cannot be written as JSON", e);
        }
    }

    private static String text(Object result) {
        if (result instanceof String[] lines) {
            return String.join("\n", lines);
        }
        return String.valueOf(result);
    }
}
