package io.caravan.feed;

import io.caravan.store.DeadLetter;
import org.apache.camel.Exchange;

/**
 * Where a feed's rows go, one strategy per {@link SinkKind}: the endpoint the route sends to and how a claimed row
 * becomes the message sent there. The route's {@code to} completes only when the sink acknowledged the message
 * (a 2xx answer, or the broker's ack), so the watermark never passes an unacknowledged row.
 */
interface FeedSink {

    /** The Camel endpoint the template's delivery step sends to. */
    String endpointUri();

    /** Turns the exchange (its headers already cleared) into the message for this sink. */
    void prepare(Exchange exchange, Delivery delivery);

    /** Turns a dead letter of this sink (its payload as sent, its key) into the same message, for a replay. */
    void prepareReplay(Exchange exchange, DeadLetter letter);
}
