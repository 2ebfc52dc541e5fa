package io.caravan.errors;

import java.time.temporal.TemporalAccessor;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Turns a message's headers into what a dead letter may store: scalar values only, secrets masked, and
 * Camel's internal headers dropped except the few that explain an HTTP failure.
 */
public final class HeaderRedaction {

    public static final String REDACTED = "***redacted***";

    private static final Set<String> SECRET_NAMES =
            Set.of("authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key");
    private static final Set<String> SECRET_PARTS = Set.of("secret", "token", "password", "signature", "apikey");
    private static final Set<String> KEPT_CAMEL_HEADERS =
            Set.of("CamelHttpMethod", "CamelHttpPath", "CamelHttpResponseCode", "CamelHttpResponseText");
    private static final int MAX_VALUE_CHARS = 1000;

    public Map<String, String> redact(Map<String, Object> headers) {
        Map<String, String> kept = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        if (headers == null) {
            return kept;
        }
        headers.forEach((name, value) -> {
            if (name == null || !isScalar(value) || isInternal(name)) {
                return;
            }
            kept.put(name, isSecret(name) ? REDACTED : truncate(String.valueOf(value)));
        });
        return kept;
    }

    static boolean isSecret(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        if (SECRET_NAMES.contains(lower)) {
            return true;
        }
        String squashed = lower.replace("-", "").replace("_", "");
        return SECRET_PARTS.stream().anyMatch(squashed::contains);
    }

    private static boolean isInternal(String name) {
        return name.startsWith("Camel") && !KEPT_CAMEL_HEADERS.contains(name);
    }

    private static boolean isScalar(Object value) {
        return value instanceof CharSequence
                || value instanceof Number
                || value instanceof Boolean
                || value instanceof Character
                || value instanceof Enum<?>
                || value instanceof TemporalAccessor;
    }

    private static String truncate(String value) {
        return value.length() > MAX_VALUE_CHARS ? value.substring(0, MAX_VALUE_CHARS) + "…" : value;
    }
}
