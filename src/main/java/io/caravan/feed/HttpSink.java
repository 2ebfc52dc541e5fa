package io.caravan.feed;

import io.caravan.errors.CaravanExchange;
import io.caravan.outbound.OutboundHttp;
import io.caravan.outbound.OutboundRequest;
import io.caravan.outbound.OutboundUrl;
import io.caravan.store.DeadLetter;
import java.nio.charset.StandardCharsets;
import org.apache.camel.Exchange;

/** The HTTP sink: each row's JSON POSTed to the target with its ledger key as Idempotency-Key, by caravan's client. */
final class HttpSink implements FeedSink {
    private final OutboundUrl target;

    HttpSink(OutboundUrl target) {
        this.target = target;
    }

    @Override
    public String endpointUri() {
        return OutboundHttp.SEND_ENDPOINT;
    }

    @Override
    public void prepare(Exchange exchange, Delivery d) {
        OutboundHttp.prepare(
                exchange,
                OutboundRequest.postJson(target, d.key(), d.json().getBytes(StandardCharsets.UTF_8))
                        .withHeader(
                                "X-Correlation-Id",
                                exchange.getProperty(CaravanExchange.CORRELATION_ID, String.class)));
    }

    @Override
    public void prepareReplay(Exchange exchange, DeadLetter letter) {
        OutboundHttp.prepare(
                exchange,
                OutboundRequest.postJson(
                                target,
                                letter.idempotencyKey(),
                                letter.payload().getBytes(StandardCharsets.UTF_8))
                        .withHeader("X-Correlation-Id", letter.correlationId()));
    }
}
