package io.caravan.trigger;

import io.caravan.events.EventId;
import io.caravan.events.KafkaEvents;
import java.time.Clock;
import java.time.Duration;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

/**
 * The change published to a Kafka topic as an event ({@link KafkaEvents}: {event_id, event_type, route, timestamp,
 * source_timestamp, data = the archive document}), keyed by the change id so one change's events stay in order
 * within a partition. The record headers carry Idempotency-Key &lt;changeId&gt;:&lt;customer&gt;, event_id,
 * Caravan-Customer and Caravan-Change-Id. The event id hashes route, change and customer: a redelivered trigger
 * publishes the same id, so consumers can drop the copy a crash between the broker's ack and the ledger left behind.
 * The source timestamp is the trigger's Last-Modified. The outcome is where the broker stored the record.
 */
final class KafkaTarget implements ProcessingTarget {
    private final String routeId;
    private final String topic;
    private final String eventType;
    private final Duration timeout;
    private final Clock clock;

    KafkaTarget(String routeId, String topic, String eventType, Duration timeout, Clock clock) {
        this.routeId = routeId;
        this.topic = topic;
        this.eventType = eventType;
        this.timeout = timeout;
        this.clock = clock;
    }

    @Override
    public String endpointUri() {
        return KafkaEvents.producerUri(topic, timeout);
    }

    @Override
    public void prepare(Exchange exchange, TriggerWork work, String customer, String idempotencyKey) {
        String changeId = work.key.changeId();
        String eventId = EventId.of(routeId, changeId, customer);
        String sourceTimestamp = work.triggerModified == null ? null : work.triggerModified.toString();
        String event =
                KafkaEvents.event(eventId, eventType, routeId, clock.instant(), sourceTimestamp, work.archive.json());
        Message m = exchange.getMessage();
        m.getHeaders().clear();
        KafkaEvents.toRecord(exchange, changeId, eventId, event);
        m.setHeader(TransientTrigger.IDEMPOTENCY_KEY_HEADER, idempotencyKey);
        m.setHeader(TransientTrigger.CUSTOMER_HEADER, customer);
        m.setHeader(TransientTrigger.CHANGE_ID_HEADER, changeId);
    }

    @Override
    public String outcome(Exchange exchange) {
        return KafkaEvents.acknowledged(exchange);
    }
}
