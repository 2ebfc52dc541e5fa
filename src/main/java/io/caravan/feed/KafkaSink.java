package io.caravan.feed;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import java.time.Clock;
import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.KafkaConstants;

/**
 * The Kafka sink: each row becomes an event {event_id, event_type, route, timestamp, source_timestamp, data}
 * (seed 002), keyed by the row's id so one object's events stay in order within a partition. The producer is
 * idempotent and waits for all in-sync replicas; the event id also travels as the record header {@code event_id}.
 */
final class KafkaSink implements FeedSink {
    /** The record header carrying the event id (the payload carries it too). */
    static final String EVENT_ID_HEADER = "event_id";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String routeId;
    private final String topic;
    private final String eventType;
    private final Clock clock;

    KafkaSink(String routeId, String topic, String eventType, Clock clock) {
        this.routeId = routeId;
        this.topic = topic;
        this.eventType = eventType;
        this.clock = clock;
    }

    @Override
    public String endpointUri() {
        return "kafka:" + topic + "?enableIdempotence=true&requestRequiredAcks=all";
    }

    @Override
    public void prepare(Exchange exchange, Delivery d) {
        String objectKey = d.row().position().id();
        String sourceTimestamp = d.row().position().updatedAt().toString();
        String eventId = EventId.of(routeId, objectKey, sourceTimestamp);
        ObjectNode event = JSON.createObjectNode()
                .put("event_id", eventId)
                .put("event_type", eventType)
                .put("route", routeId)
                .put("timestamp", clock.instant().toString())
                .put("source_timestamp", sourceTimestamp);
        event.putRawValue("data", new RawValue(d.json()));
        try {
            exchange.getMessage().setBody(JSON.writeValueAsString(event));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("event of row " + objectKey + " could not be written", e);
        }
        exchange.getMessage().setHeader(KafkaConstants.KEY, objectKey);
        exchange.getMessage().setHeader(EVENT_ID_HEADER, eventId);
    }
}
