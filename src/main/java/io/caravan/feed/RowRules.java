package io.caravan.feed;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.caravan.store.IdempotencyLedger;
import io.caravan.template.KeyTemplate;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** How a feed judges a row before delivery: its idempotency key, and whether it may be sent at all. */
final class RowRules {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String routeId;
    private final KeyTemplate keyTemplate;
    private final boolean keyUsesPayloadHash;
    private final List<String> requiredFields;
    private final String updatedAtField;

    /**
     * The verdict on one row. {@code ledgerKey} always records its outcome in the ledger; {@code deliveryKey} is
     * the Idempotency-Key (null when the key template gave none); a non-null {@code problem} means quarantine.
     */
    record Judgement(String ledgerKey, String deliveryKey, String problem) {}

    RowRules(String routeId, KeyTemplate keyTemplate, List<String> requiredFields, String updatedAtField) {
        this.routeId = routeId;
        this.keyTemplate = keyTemplate;
        this.keyUsesPayloadHash = keyTemplate.uses(KeyTemplate.PAYLOAD_HASH);
        this.requiredFields = List.copyOf(requiredFields);
        this.updatedAtField = updatedAtField;
    }

    Judgement judge(SourceRow row, String json) throws Exception {
        String id = row.position().id();
        String key = key(row);
        if (key == null) {
            // a key of caravan's own records the quarantine, so a re-read does not quarantine the row again
            String ledgerKey = "caravan:keyless:" + routeId + ":" + (id.length() > 200 ? id.substring(0, 200) : id)
                    + ":" + hash(json);
            return new Judgement(
                    ledgerKey,
                    null,
                    "key template gave no usable key (a placeholder's value is missing or empty, or the key is over "
                            + IdempotencyLedger.MAX_KEY_LENGTH + " characters) for row id " + id);
        }
        for (String field : requiredFields) {
            Object v = row.data().get(field);
            if (v == null || (v instanceof String text && text.isBlank())) {
                return new Judgement(key, key, "row id " + id + " has no value for required field '" + field + "'");
            }
        }
        return new Judgement(key, key, null);
    }

    /** The row's idempotency key, or null when the key template gives no usable key for it. */
    private String key(SourceRow row) throws Exception {
        Map<String, String> headers =
                keyUsesPayloadHash ? Map.of(KeyTemplate.PAYLOAD_HASH, contentHash(row)) : Map.of();
        return keyTemplate
                .render(row.data(), headers)
                .filter(key -> key.length() <= IdempotencyLedger.MAX_KEY_LENGTH)
                .orElse(null);
    }

    /** A hash of the row's content without its change time, so touching a row without changing it keeps its key. */
    private String contentHash(SourceRow row) throws Exception {
        Map<String, Object> content = new LinkedHashMap<>(row.data());
        content.remove(updatedAtField);
        return hash(JSON.writeValueAsString(content));
    }

    static String hash(String text) throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        return java.util.HexFormat.of().formatHex(digest, 0, 12);
    }
}
