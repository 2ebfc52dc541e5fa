package io.caravan.trigger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.caravan.errors.DataQualityException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * archive/&lt;changeId&gt;.json as read at one ETag: the change's single source of truth, with the
 * {@code modifications[]} every customer appends to. Immutable: an append gives a new document that is written
 * with If-Match on this one's ETag.
 */
public final class ArchiveDocument {
    public static final String MODIFICATIONS = "modifications";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String key;
    private final String eTag;
    private final ObjectNode content;

    private ArchiveDocument(String key, String eTag, ObjectNode content) {
        this.key = Objects.requireNonNull(key, "key");
        this.eTag = eTag;
        this.content = content;
    }

    /**
     * Parses the stored bytes.
     *
     * @throws DataQualityException if the document is over {@code maxBytes}, not JSON, not an object, or its
     *     modifications is not an array
     */
    public static ArchiveDocument parse(String key, byte[] bytes, String eTag, long maxBytes) {
        if (bytes.length > maxBytes) {
            throw tooLarge(key, bytes.length, maxBytes);
        }
        JsonNode tree;
        try {
            tree = JSON.readTree(bytes);
        } catch (Exception e) {
            throw new DataQualityException(key + " is not JSON: " + firstLine(e.getMessage()));
        }
        if (tree == null || !tree.isObject()) {
            throw new DataQualityException(key + " is not a JSON object");
        }
        JsonNode modifications = tree.get(MODIFICATIONS);
        if (modifications != null && !modifications.isArray() && !modifications.isNull()) {
            throw new DataQualityException(key + ": " + MODIFICATIONS + " is not an array");
        }
        return new ArchiveDocument(key, eTag, (ObjectNode) tree);
    }

    static DataQualityException tooLarge(String key, long size, long maxBytes) {
        return new DataQualityException(
                key + " is " + size + " bytes, over the archive size limit of " + maxBytes + " bytes");
    }

    public String key() {
        return key;
    }

    public String eTag() {
        return eTag;
    }

    /** The document as JSON text (what the processing target receives). */
    public String json() {
        return content.toString();
    }

    public byte[] bytes() {
        return json().getBytes(StandardCharsets.UTF_8);
    }

    /** The modification entries, oldest first, as maps. */
    @SuppressWarnings("unchecked")
    public List<Map<String, Object>> modifications() {
        JsonNode m = content.get(MODIFICATIONS);
        List<Map<String, Object>> list = new ArrayList<>();
        if (m != null && m.isArray()) {
            m.forEach(entry -> list.add(JSON.convertValue(entry, Map.class)));
        }
        return list;
    }

    /** Whether an entry of this type for this idempotency key is already recorded (an append is then a no-op). */
    public boolean records(Modification modification) {
        JsonNode m = content.get(MODIFICATIONS);
        if (m == null || !m.isArray()) {
            return false;
        }
        for (JsonNode entry : m) {
            if (modification.type().equals(entry.path("type").asText())
                    && modification
                            .idempotencyKey()
                            .equals(entry.path("idempotencyKey").asText())) {
                return true;
            }
        }
        return false;
    }

    /** A copy with the entries appended to modifications[], for a conditional write on this document's ETag. */
    public ArchiveDocument with(List<Modification> entries) {
        ObjectNode copy = content.deepCopy();
        JsonNode existing = copy.get(MODIFICATIONS);
        ArrayNode array = existing != null && existing.isArray() ? (ArrayNode) existing : copy.putArray(MODIFICATIONS);
        entries.forEach(e -> array.add(JSON.valueToTree(e.asMap())));
        return new ArchiveDocument(key, eTag, copy);
    }

    private static String firstLine(String message) {
        String m = String.valueOf(message).strip();
        int nl = m.indexOf('\n');
        m = nl < 0 ? m : m.substring(0, nl);
        return m.length() > 200 ? m.substring(0, 200) + "…" : m;
    }
}
