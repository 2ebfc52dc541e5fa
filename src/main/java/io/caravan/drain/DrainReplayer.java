package io.caravan.drain;

import io.caravan.outbound.OutboundHttp;
import io.caravan.store.DeadLetter;
import io.caravan.template.Replayer;
import io.caravan.webhook.WebhookHeaders;
import org.apache.camel.CamelContext;
import org.apache.camel.support.CamelContextHelper;

/**
 * Sends a drain's dead-lettered event again: the same POST the drain makes (its body, Idempotency-Key = the event's
 * ledger key, the original webhook-id) to the drain's target, by caravan's one outbound client.
 */
final class DrainReplayer implements Replayer {
    private final QueueDrain drain;
    private final CamelContext camel;

    DrainReplayer(QueueDrain drain, CamelContext camel) {
        this.drain = drain;
        this.camel = camel;
    }

    @Override
    public String ledgerKey(DeadLetter letter) {
        if (letter.idempotencyKey() == null) {
            throw new IllegalArgumentException("dead letter " + letter.id() + " has no event key");
        }
        return letter.idempotencyKey();
    }

    @Override
    public void resend(DeadLetter letter) throws Exception {
        OutboundHttp outbound = CamelContextHelper.mandatoryLookup(camel, OutboundHttp.BEAN, OutboundHttp.class);
        outbound.execute(drain.request(
                letter.idempotencyKey(), letter.header(WebhookHeaders.ID), letter.payload(), letter.correlationId()));
    }
}
