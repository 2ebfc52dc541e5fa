package io.caravan.delivery;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.kafka.KafkaConstants;

/**
 * One poll's records on their way to the subscriber: the unit of concurrent, ordered delivery.
 *
 * <p>The design, the simplest one that keeps every promise: the Kafka consumer hands over a window of records (camel-kafka
 * batching, up to the window size or whatever arrived within the batching interval). The window is cut into <b>lanes,
 * one per record key</b> (records without a key: one lane per partition), each lane in offset order. The route splits
 * the lanes over the subscription's pool of {@code maxInFlight} threads, and each lane sends its events one after the
 * other through the shared error handling, so:
 * <ul>
 *   <li>events with the same key are attempted in order, a later one only after the earlier one's outcome (delivered or
 *       dead-lettered) is recorded; retries and Retry-After hold up only that key's lane;
 *   <li>at most {@code maxInFlight} POSTs of the subscription are in flight; the rate limit spaces all of them;
 *   <li>offsets are committed only when the whole window's outcomes are recorded, for each partition past its last
 *       record: never past an unfinished event. A crash in the middle of a window sends the window again from its
 *       first record, every event with the same webhook-id (duplicates, never a loss).
 * </ul>
 * If an outcome cannot be recorded (its dead letter could not be written), the window is {@link #broken}: no further
 * event of it is sent, nothing is committed, and the subscription re-reads from the last committed offset, so each
 * key's events come again in their order. The cost of the simplicity: a slow event holds the next window back until
 * it finishes (its own lane's later events wait anyway).
 */
final class DeliveryWindow {
    static final String PROPERTY = "caravan.webhook.window";

    private final List<List<Object>> lanes;
    private final AtomicBoolean broken = new AtomicBoolean();

    private DeliveryWindow(List<List<Object>> lanes) {
        this.lanes = lanes;
    }

    /** Each record its own event, in lanes by key (or partition when it has no key), offset order kept in a lane. */
    static DeliveryWindow byKey(List<Exchange> records) {
        Map<String, List<Object>> lanes = new LinkedHashMap<>();
        for (Exchange record : records) {
            Message m = record.getMessage();
            Object key = m.getHeader(KafkaConstants.KEY);
            String lane = key != null
                    ? "k:" + key
                    : "p:" + m.getHeader(KafkaConstants.TOPIC) + "-" + m.getHeader(KafkaConstants.PARTITION);
            lanes.computeIfAbsent(lane, k -> new ArrayList<>()).add(record);
        }
        return new DeliveryWindow(List.copyOf(lanes.values()));
    }

    /** The whole poll as one event (a JSON array POST, batchSize &gt; 1): one lane of one item. */
    static DeliveryWindow asOneBatch(List<Exchange> records) {
        return new DeliveryWindow(List.of(List.of(records)));
    }

    /** What the route splits: the lanes, each a list of items (a record exchange, or a poll's list of them). */
    List<List<Object>> lanes() {
        return lanes;
    }

    /** An outcome could not be recorded: nothing more is sent, nothing is committed. */
    void breakOff() {
        broken.set(true);
    }

    boolean broken() {
        return broken.get();
    }

    /** The window the exchange (or one of its split parts, which share the property's value) belongs to, if any. */
    static DeliveryWindow of(Exchange exchange) {
        return exchange.getProperty(PROPERTY, DeliveryWindow.class);
    }
}
