package io.caravan.trigger;

import io.caravan.outbound.OutboundHttp;
import io.caravan.outbound.OutboundRequest;
import io.caravan.outbound.OutboundUrl;
import org.apache.camel.Exchange;

/**
 * The archive document POSTed as JSON with an Idempotency-Key header by caravan's HTTP client; the outcome is the
 * HTTP status.
 */
final class HttpTarget implements ProcessingTarget {
    private final OutboundUrl url;

    HttpTarget(OutboundUrl url) {
        this.url = url;
    }

    @Override
    public String endpointUri() {
        return OutboundHttp.SEND_ENDPOINT;
    }

    @Override
    public void prepare(Exchange exchange, TriggerWork work, String customer, String idempotencyKey) {
        exchange.getMessage().getHeaders().clear();
        OutboundHttp.prepare(
                exchange,
                OutboundRequest.postJson(url, idempotencyKey, work.archive.bytes())
                        .withHeader(TransientTrigger.CUSTOMER_HEADER, customer)
                        .withHeader(TransientTrigger.CHANGE_ID_HEADER, work.key.changeId()));
    }

    @Override
    public String outcome(Exchange exchange) {
        Integer code = exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        return code == null ? "done" : "HTTP " + code;
    }
}
