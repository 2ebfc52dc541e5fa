package io.caravan.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * How caravan publishes an event to Kafka, for every route that does (a feed's Kafka sink, a trigger's Kafka
 * processing step): the event {event_id, event_type, route, timestamp, source_timestamp, data} of seed 002, a record
 * key that keeps one object's events in order within a partition, the event id also as the record header
 * {@code event_id}, and an idempotent producer that waits for all in-sync replicas, so the route's {@code to}
 * completes only once the broker acknowledged the record. Every endpoint built here takes its producer client from
 * {@link SharedKafkaProducers} (bound by caravan's entry point): the routes with the same producer settings share one
 * client whatever their topics.
 */
public final class KafkaEvents {
    /** The record header carrying the event id (the payload carries it too). */
    public static final String EVENT_ID_HEADER = "event_id";

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The producer's own default for request.timeout.ms. */
    private static final long DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

    private KafkaEvents() {}

    /**
     * The producer endpoint for {@code topic} (brokers: camel.component.kafka.brokers), on a client shared through
     * {@link SharedKafkaProducers#BEAN}, continuing each exchange after the broker's ack on the shared
     * {@link SharedKafkaProducers#WORKERS} pool. recordMetadata is spelled out: the component documents it as on by
     * default, but an endpoint built from a URI leaves it off.
     */
    public static String producerUri(String topic) {
        return "kafka:" + topic + "?kafkaClientFactory=#" + SharedKafkaProducers.BEAN
                + "&workerPool=#" + SharedKafkaProducers.WORKERS
                + "&enableIdempotence=true&requestRequiredAcks=all&recordMetadata=true";
    }

    /**
     * As {@link #producerUri(String)}, with a send failing after {@code timeout}: waiting for the topic's metadata
     * (max.block.ms) and for the acknowledgement (delivery.timeout.ms, retries included) are each bounded by it.
     */
    public static String producerUri(String topic, Duration timeout) {
        long ms = Math.max(1, timeout.toMillis());
        return producerUri(topic) + "&maxBlockMs=" + ms + "&deliveryTimeoutMs=" + ms + "&requestTimeoutMs="
                + Math.min(ms, DEFAULT_REQUEST_TIMEOUT_MS);
    }

    /** The event as JSON text; {@code dataJson} is embedded as it is (already JSON). */
    public static String event(
            String eventId,
            String eventType,
            String route,
            Instant timestamp,
            String sourceTimestamp,
            String dataJson) {
        ObjectNode event = JSON.createObjectNode()
                .put("event_id", eventId)
                .put("event_type", eventType)
                .put("route", route)
                .put("timestamp", timestamp.toString())
                .put("source_timestamp", sourceTimestamp);
        event.putRawValue("data", new RawValue(dataJson));
        try {
            return JSON.writeValueAsString(event);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("event " + eventId + " could not be written", e);
        }
    }

    /** Makes the exchange's message the record: the event as value, {@code key} as key, the event id as header. */
    public static void toRecord(Exchange exchange, String key, String eventId, String event) {
        Message m = exchange.getMessage();
        m.setBody(event);
        m.setHeader(KafkaConstants.KEY, key);
        m.setHeader(EVENT_ID_HEADER, eventId);
    }

    /** Where the broker stored the record just sent: {@code kafka <topic>-<partition>@<offset>}. */
    public static String acknowledged(Exchange exchange) {
        Object meta = exchange.getMessage().getHeader(KafkaConstants.KAFKA_RECORD_META);
        if (meta instanceof List<?> list && !list.isEmpty() && list.get(0) instanceof RecordMetadata r) {
            return "kafka " + r.topic() + "-" + r.partition() + "@" + r.offset();
        }
        return "kafka acknowledged";
    }
}
