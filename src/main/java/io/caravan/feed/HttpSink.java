package io.caravan.feed;

import java.nio.charset.StandardCharsets;
import org.apache.camel.Exchange;
import org.apache.camel.component.http.HttpMethods;

/** The HTTP sink: each row's JSON POSTed to the target with its ledger key as Idempotency-Key. */
final class HttpSink implements FeedSink {
    private final String target;

    HttpSink(String target) {
        this.target = target;
    }

    @Override
    public String endpointUri() {
        return target;
    }

    @Override
    public void prepare(Exchange exchange, Delivery d) {
        exchange.getMessage().setHeader("Idempotency-Key", d.key());
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
        // the enum, not the text: camel-http would otherwise look up a type converter for every row
        exchange.getMessage().setHeader(Exchange.HTTP_METHOD, HttpMethods.POST);
        exchange.getMessage().setBody(d.json().getBytes(StandardCharsets.UTF_8));
    }
}
