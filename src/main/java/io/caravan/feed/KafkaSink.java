package io.caravan.feed;

import io.caravan.events.EventId;
import io.caravan.events.KafkaEvents;
import io.caravan.store.DeadLetter;
import java.time.Clock;
import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.KafkaConstants;

/**
 * The Kafka sink: each row becomes an event (seed 002, {@link KafkaEvents}) keyed by the row's id so one object's
 * events stay in order within a partition; idempotent producer, acks=all, the event id also as record header. The
 * producer client is shared with the other Kafka-sink feeds ({@link io.caravan.events.SharedKafkaProducers}).
 */
final class KafkaSink implements FeedSink {
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
        return KafkaEvents.producerUri(topic);
    }

    @Override
    public void prepare(Exchange exchange, Delivery d) {
        String objectKey = d.row().position().id();
        String sourceTimestamp = d.row().position().updatedAt().toString();
        String eventId = EventId.of(routeId, objectKey, sourceTimestamp);
        String event = KafkaEvents.event(eventId, eventType, routeId, clock.instant(), sourceTimestamp, d.json());
        KafkaEvents.toRecord(exchange, objectKey, eventId, event);
    }

    /** The event as it was published (its payload), with its record key and event id from the dead letter. */
    @Override
    public void prepareReplay(Exchange exchange, DeadLetter letter) {
        KafkaEvents.toRecord(
                exchange,
                letter.header(KafkaConstants.KEY),
                letter.header(KafkaEvents.EVENT_ID_HEADER),
                letter.payload());
    }
}
