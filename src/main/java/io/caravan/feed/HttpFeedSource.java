package io.caravan.feed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.caravan.errors.DataQualityException;
import io.caravan.store.Watermark;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;

/**
 * Reads a page from an HTTP API: GET url?updatedAfter=ISO&afterId=ID&limit=N answering a JSON array (or an
 * object with an "items" array) of objects with id and updated_at, ordered by (updated_at, id).
 */
final class HttpFeedSource implements FeedSource {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ProducerTemplate producer;
    private final String endpointUri;
    private final String idField;
    private final String updatedAtField;

    HttpFeedSource(ProducerTemplate producer, String endpointUri, String idField, String updatedAtField) {
        this.producer = producer;
        this.endpointUri = endpointUri;
        this.idField = idField;
        this.updatedAtField = updatedAtField;
    }

    @Override
    public List<SourceRow> page(Watermark after, int limit) throws Exception {
        String query =
                "updatedAfter=" + enc(after.updatedAt().toString()) + "&afterId=" + enc(after.id()) + "&limit=" + limit;
        Exchange reply = producer.request(endpointUri, ex -> {
            ex.getIn().setHeader(Exchange.HTTP_METHOD, "GET");
            ex.getIn().setHeader(Exchange.HTTP_QUERY, query);
        });
        if (reply.getException() != null) {
            throw reply.getException();
        }
        String body = reply.getMessage().getBody(String.class);
        JsonNode root;
        try {
            root = JSON.readTree(body == null ? "" : body);
        } catch (Exception e) {
            throw new DataQualityException("source " + endpointUri + " did not answer JSON: " + e.getMessage());
        }
        JsonNode items = root != null && root.isObject() ? root.get("items") : root;
        if (items == null || !items.isArray()) {
            throw new DataQualityException(
                    "source " + endpointUri + " answered neither a JSON array nor {\"items\": [...]}");
        }
        List<SourceRow> rows = new ArrayList<>(items.size());
        for (JsonNode item : items) {
            JsonNode id = item.get(idField);
            JsonNode ts = item.get(updatedAtField);
            if (id == null || id.isNull() || ts == null || ts.isNull()) {
                throw new DataQualityException(
                        "source " + endpointUri + " returned an item without " + idField + " or " + updatedAtField);
            }
            Instant updatedAt;
            try {
                updatedAt = Instant.parse(ts.asText());
            } catch (Exception e) {
                throw new DataQualityException("source " + endpointUri + ": " + updatedAtField + " '" + ts.asText()
                        + "' is not an ISO-8601 instant");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> data = JSON.convertValue(item, LinkedHashMap.class);
            rows.add(new SourceRow(new Watermark(updatedAt, id.asText()), data));
        }
        return rows;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
