package io.caravan.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * Which dead letters a replay takes: one by id, or every one matching the route, category, creation window
 * [{@code from}, {@code until}) and reason substring given (null = any). A filter takes only entries that wait for a
 * replay (PENDING, FAILED_AGAIN); one asked for by id may also be one replayed before (it is then found DONE in the
 * ledger and recorded ALREADY_DELIVERED). QUARANTINED and DISCARDED entries are never taken.
 */
public record ReplayFilter(
        Long deadLetterId, String routeId, String category, Instant from, Instant until, String reasonContains) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public ReplayFilter {
        routeId = blankToNull(routeId);
        category = blankToNull(category);
        reasonContains = blankToNull(reasonContains);
        if (from != null && until != null && !from.isBefore(until)) {
            throw new IllegalArgumentException("from " + from + " must be before until " + until);
        }
    }

    /** Exactly the dead letter {@code id}. */
    public static ReplayFilter one(long id) {
        return new ReplayFilter(id, null, null, null, null, null);
    }

    /**
     * A filter from an operator's text arguments: empty means any; times are ISO-8601 instants
     * (2026-11-20T10:00:00Z).
     */
    public static ReplayFilter of(String routeId, String category, String from, String until, String reasonContains) {
        return new ReplayFilter(
                null, routeId, category, instant("from", from), instant("until", until), reasonContains);
    }

    public boolean single() {
        return deadLetterId != null;
    }

    /** The stored form (replay_request.filter_json). */
    public String toJson() {
        ObjectNode node = JSON.createObjectNode();
        if (deadLetterId != null) {
            node.put("deadLetterId", deadLetterId);
        }
        putIfSet(node, "routeId", routeId);
        putIfSet(node, "category", category);
        putIfSet(node, "from", from == null ? null : from.toString());
        putIfSet(node, "until", until == null ? null : until.toString());
        putIfSet(node, "reasonContains", reasonContains);
        return node.toString();
    }

    public static ReplayFilter parse(String json) {
        try {
            JsonNode node = JSON.readTree(json);
            return new ReplayFilter(
                    node.hasNonNull("deadLetterId") ? node.get("deadLetterId").asLong() : null,
                    text(node, "routeId"),
                    text(node, "category"),
                    instant("from", text(node, "from")),
                    instant("until", text(node, "until")),
                    text(node, "reasonContains"));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("replay filter is not JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** What the filter takes, for people. */
    public String describe() {
        if (single()) {
            return "dead letter " + deadLetterId;
        }
        StringBuilder s = new StringBuilder("dead letters waiting for a replay");
        if (routeId != null) {
            s.append(" of route ").append(routeId);
        }
        if (category != null) {
            s.append(", category ").append(category);
        }
        if (from != null) {
            s.append(", created from ").append(from);
        }
        if (until != null) {
            s.append(", created before ").append(until);
        }
        if (reasonContains != null) {
            s.append(", reason containing '").append(reasonContains).append('\'');
        }
        return s.toString();
    }

    private static String text(JsonNode node, String field) {
        return node.hasNonNull(field) ? node.get(field).asText() : null;
    }

    private static void putIfSet(ObjectNode node, String field, String value) {
        if (value != null) {
            node.put(field, value);
        }
    }

    private static String blankToNull(String text) {
        return text == null || text.isBlank() ? null : text.trim();
    }

    private static Instant instant(String name, String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return Instant.parse(text.trim());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(
                    name + " '" + text + "' is not an ISO-8601 instant such as 2026-11-20T10:00:00Z");
        }
    }
}
