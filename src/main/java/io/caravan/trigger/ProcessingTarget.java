package io.caravan.trigger;

import org.apache.camel.Exchange;

/**
 * Where a trigger's processing step goes, one strategy per kind of the route's {@code sink} parameter: the endpoint the
 * route sends to, how the change becomes the message sent there, and what the archive records as the outcome. The
 * route's {@code to} completes only when the target acknowledged (a 2xx answer, or the broker's ack), so the ledger
 * records DONE only after that.
 */
interface ProcessingTarget {

    /** The Camel endpoint the template's processing step sends to. */
    String endpointUri();

    /** Turns the exchange into the message for this target, carrying {@code idempotencyKey}. */
    void prepare(Exchange exchange, TriggerWork work, String customer, String idempotencyKey);

    /** The outcome recorded in the ledger and the archive, read after the target acknowledged. */
    String outcome(Exchange exchange);
}
