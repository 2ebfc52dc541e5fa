package io.caravan.feed;

import io.caravan.store.DeadLetter;
import io.caravan.template.Replayer;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.support.DefaultExchange;

/**
 * Sends a feed's dead-lettered row again through the feed's sink: the HTTP POST with Idempotency-Key = the row's
 * key, or the Kafka event re-published with its record key and event id. The row's key is its ledger key.
 */
final class FeedReplayer implements Replayer {
    private final CamelContext camel;
    private final FeedSink sink;

    FeedReplayer(CamelContext camel, FeedSink sink) {
        this.camel = camel;
        this.sink = sink;
    }

    @Override
    public String ledgerKey(DeadLetter letter) {
        if (letter.idempotencyKey() == null) {
            throw new IllegalArgumentException("dead letter " + letter.id()
                    + " has no key (the key template gave none for its row): fix the row at the source instead");
        }
        return letter.idempotencyKey();
    }

    @Override
    public void resend(DeadLetter letter) throws Exception {
        Exchange exchange = new DefaultExchange(camel);
        sink.prepareReplay(exchange, letter);
        try (ProducerTemplate producer = camel.createProducerTemplate()) {
            Exchange sent = producer.send(sink.endpointUri(), exchange);
            if (sent.getException() != null) {
                throw sent.getException();
            }
        }
    }
}
