package io.caravan.store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A failed exchange kept for inspection and replay. {@code id} is null until recorded; {@code headers} are the
 * (already redacted) message headers, never null. {@code category} is the error category's name (TRANSIENT,
 * PERMANENT, DATA_QUALITY, SYSTEM); the store does not interpret it.
 *
 * <p>{@code payloadSize} (UTF-8 bytes) and {@code payloadSha256} (hex) describe the payload as it was handed over;
 * when the store keeps only a prefix of it ({@link DeadLetters} caps stored payloads), {@code payloadTruncated} is
 * true and they still describe the original. Both are null without a payload, and for rows older than the columns.
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
        Instant createdAt,
        Long payloadSize,
        String payloadSha256,
        boolean payloadTruncated) {

    /** The replay status of a dead letter nobody has replayed yet. */
    public static final String PENDING = "PENDING";
    /** The replay status of a dead letter kept for inspection only: a replay must never send it (a forged record). */
    public static final String QUARANTINED = "QUARANTINED";
    /** A replay sent it again, under its original key, and the peer accepted it. */
    public static final String REPLAYED = "REPLAYED";
    /** A replay found its key DONE in the ledger (delivered meanwhile, or replayed before) and sent nothing. */
    public static final String ALREADY_DELIVERED = "ALREADY_DELIVERED";
    /** A replay could not deliver it (replay_reason says why); a later replay may take it again. */
    public static final String FAILED_AGAIN = "FAILED_AGAIN";
    /** An operator discarded it (replay_reason says why): never replayed. */
    public static final String DISCARDED = "DISCARDED";

    public DeadLetter {
        Objects.requireNonNull(routeId, "routeId");
        Objects.requireNonNull(category, "category");
        Objects.requireNonNull(reason, "reason");
        headers = headers == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(headers));
        replayStatus = replayStatus == null ? PENDING : replayStatus;
    }

    /** A dead letter whose payload is whole: its size and SHA-256 are the payload's own. */
    public DeadLetter(
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
        this(
                id,
                routeId,
                correlationId,
                idempotencyKey,
                category,
                statusCode,
                reason,
                attempts,
                payload,
                headers,
                replayStatus,
                createdAt,
                payload == null ? null : (long) payload.getBytes(StandardCharsets.UTF_8).length,
                payload == null ? null : sha256(payload),
                false);
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

    /** A stored header's value, its name matched in any case (the store keeps them case-insensitively sorted). */
    public String header(String name) {
        return headers.entrySet().stream()
                .filter(h -> h.getKey().equalsIgnoreCase(name))
                .map(Map.Entry::getValue)
                .findFirst()
                .orElse(null);
    }

    /** The hex SHA-256 of the text's UTF-8 bytes. */
    static String sha256(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
