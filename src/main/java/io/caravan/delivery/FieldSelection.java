package io.caravan.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.List;

/**
 * Which fields of an event's {@code data} a subscriber receives (seed 002's field selection); the envelope
 * (event_id, event_type, route, timestamps) always goes. Empty means all fields.
 */
record FieldSelection(List<String> fields) {

    static final FieldSelection ALL = new FieldSelection(List.of());

    static FieldSelection parse(String commaSeparated) {
        return new FieldSelection(Arrays.stream(commaSeparated.split(","))
                .map(String::trim)
                .filter(f -> !f.isEmpty())
                .toList());
    }

    boolean all() {
        return fields.isEmpty();
    }

    /** Narrows the event's data object in place to the selected fields (those it has). */
    void apply(ObjectNode event) {
        if (fields.isEmpty()) {
            return;
        }
        JsonNode data = event.get("data");
        if (data instanceof ObjectNode object) {
            object.retain(fields);
        }
    }
}
