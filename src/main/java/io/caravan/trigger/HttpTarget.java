package io.caravan.trigger;

import org.apache.camel.Exchange;
import org.apache.camel.Message;

/** The archive document POSTed as JSON with an Idempotency-Key header; the outcome is the HTTP status. */
final class HttpTarget implements ProcessingTarget {
    private final String url;

    HttpTarget(String url) {
        this.url = url;
    }

    @Override
    public String endpointUri() {
        return url;
    }

    @Override
    public void prepare(Exchange exchange, TriggerWork work, String customer, String idempotencyKey) {
        Message m = exchange.getMessage();
        m.getHeaders().clear();
        m.setHeader(Exchange.HTTP_METHOD, "POST");
        m.setHeader(Exchange.CONTENT_TYPE, "application/json");
        m.setHeader(TransientTrigger.IDEMPOTENCY_KEY_HEADER, idempotencyKey);
        m.setHeader(TransientTrigger.CUSTOMER_HEADER, customer);
        m.setHeader(TransientTrigger.CHANGE_ID_HEADER, work.key.changeId());
        m.setBody(work.archive.json());
    }

    @Override
    public String outcome(Exchange exchange) {
        Integer code = exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        return code == null ? "done" : "HTTP " + code;
    }
}
