package io.caravan.feed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.caravan.errors.DataQualityException;
import io.caravan.outbound.OutboundHttp;
import io.caravan.outbound.OutboundRequest;
import io.caravan.outbound.OutboundUrl;
import io.caravan.store.Watermark;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a page from an HTTP API: GET url?updatedAfter=ISO&afterId=ID&limit=N (appended to the URL's own query
 * string) answering a JSON array (or an object with an "items" array) of objects with id and updated_at, ordered by
 * (updated_at, id).
 */
final class HttpFeedSource implements FeedSource {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final OutboundHttp outbound;
    private final OutboundUrl url;
    private final String idField;
    private final String updatedAtField;

    HttpFeedSource(OutboundHttp outbound, OutboundUrl url, String idField, String updatedAtField) {
        this.outbound = outbound;
        this.url = url;
        this.idField = idField;
        this.updatedAtField = updatedAtField;
    }

    @Override
    public List<SourceRow> page(Watermark after, int limit) throws Exception {
        Map<String, String> keyset = new LinkedHashMap<>();
        keyset.put("updatedAfter", after.updatedAt().toString());
        keyset.put("afterId", after.id());
        keyset.put("limit", String.valueOf(limit));
        String body = outbound.execute(OutboundRequest.getJson(url.withQueryParameters(keyset)))
                .body();
        JsonNode root;
        try {
            root = JSON.readTree(body == null ? "" : body);
        } catch (Exception e) {
            throw new DataQualityException("source " + url.withoutQuery() + " did not answer JSON: " + e.getMessage());
        }
        JsonNode items = root != null && root.isObject() ? root.get("items") : root;
        if (items == null || !items.isArray()) {
            throw new DataQualityException(
                    "source " + url.withoutQuery() + " answered neither a JSON array nor {\"items\": [...]}");
        }
        List<SourceRow> rows = new ArrayList<>(items.size());
        for (JsonNode item : items) {
            JsonNode id = item.get(idField);
            JsonNode ts = item.get(updatedAtField);
            if (id == null || id.isNull() || ts == null || ts.isNull()) {
                throw new DataQualityException("source " + url.withoutQuery() + " returned an item without " + idField
                        + " or " + updatedAtField);
            }
            Instant updatedAt;
            try {
                updatedAt = Instant.parse(ts.asText());
            } catch (Exception e) {
                throw new DataQualityException("source " + url.withoutQuery() + ": " + updatedAtField + " '"
                        + ts.asText() + "' is not an ISO-8601 instant");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> data = JSON.convertValue(item, LinkedHashMap.class);
            rows.add(new SourceRow(new Watermark(updatedAt, id.asText()), data));
        }
        return rows;
    }
}
