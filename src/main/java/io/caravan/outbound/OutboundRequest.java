package io.caravan.outbound;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One outbound HTTP call as a family prepares it: method, {@link OutboundUrl}, the headers caravan sets, a body and an
 * optional per-call timeout. Immutable; the {@code with} methods return a copy. Nothing a row wrote becomes a header
 * name: families add headers caravan defines ({@link #IDEMPOTENCY_KEY}, webhook-*, X-Correlation-Id).
 */
public final class OutboundRequest {
    /** The header that carries the delivery's ledger key, set only here. */
    public static final String IDEMPOTENCY_KEY = "Idempotency-Key";

    public static final String JSON = "application/json";

    private final String method;
    private final OutboundUrl url;
    private final Map<String, String> headers;
    private final byte[] body;
    private final Duration timeout;

    private OutboundRequest(
            String method, OutboundUrl url, Map<String, String> headers, byte[] body, Duration timeout) {
        this.method = method;
        this.url = Objects.requireNonNull(url, "url");
        this.headers = Collections.unmodifiableMap(headers);
        this.body = body;
        this.timeout = timeout;
    }

    /** A JSON POST carrying {@code idempotencyKey} as its Idempotency-Key header (none when null). */
    public static OutboundRequest postJson(OutboundUrl url, String idempotencyKey, byte[] json) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", JSON);
        if (idempotencyKey != null) {
            headers.put(IDEMPOTENCY_KEY, idempotencyKey);
        }
        return new OutboundRequest("POST", url, headers, json == null ? new byte[0] : json, null);
    }

    /** A GET asking for JSON. */
    public static OutboundRequest getJson(OutboundUrl url) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Accept", JSON);
        return new OutboundRequest("GET", url, headers, null, null);
    }

    /** This request with one more header (or {@code name} replaced); a null value leaves it unchanged. */
    public OutboundRequest withHeader(String name, String value) {
        if (value == null) {
            return this;
        }
        Map<String, String> copy = new LinkedHashMap<>(headers);
        copy.put(name, value);
        return new OutboundRequest(method, url, copy, body, timeout);
    }

    /** This request with its own timeout for connecting and for the answer, instead of caravan's default. */
    public OutboundRequest withTimeout(Duration timeout) {
        return new OutboundRequest(method, url, headers, body, timeout);
    }

    public String method() {
        return method;
    }

    public OutboundUrl url() {
        return url;
    }

    public Map<String, String> headers() {
        return headers;
    }

    /** The body to send; null for a GET. */
    public byte[] body() {
        return body;
    }

    /** The call's own timeout, or null for caravan's defaults. */
    public Duration timeout() {
        return timeout;
    }

    @Override
    public String toString() {
        return method + " " + url.withoutQuery();
    }
}
