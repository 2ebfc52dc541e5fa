package io.caravan.inbound;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.caravan.store.ClaimOutcome;
import io.caravan.store.Completion;
import io.caravan.store.IdempotencyLedger;
import io.caravan.webhook.WebhookHeaders;
import io.caravan.webhook.WebhookRejection;
import io.caravan.webhook.WebhookVerifier;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.KafkaConstants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Java side of routes/inbound-webhook.yaml, one instance per source: checks an inbound Standard Webhooks
 * request, claims its webhook-id in the ledger, shapes the inbox record, and answers the sender. The answer is
 * 202 only after the broker acknowledged the record; a failed write releases the claim, so the sender's retry is
 * queued.
 */
public final class InboundWebhook {
    /** Exchange property the route branches on: what {@link #receive} decided. */
    public static final String VERDICT = "caravanInboundVerdict";
    /** Record headers besides webhook-id and webhook-timestamp: where the event came from. */
    public static final String SOURCE_HEADER = "caravan-source";

    /** Requests answered, tagged route and status (caravan_inbound_requests_total in Prometheus). */
    static final String METRIC = "caravan.inbound.requests";

    private static final Logger LOG = LoggerFactory.getLogger(InboundWebhook.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RETRY_AFTER_SECONDS = "5";

    /** What becomes of one request. */
    public enum Verdict {
        /** Refused: answered 400 or 401 already. */
        REJECTED,
        /** The webhook-id was queued before: answered 200, nothing written. */
        DUPLICATE,
        /** Another request with this webhook-id is being queued right now: answered 409. */
        IN_FLIGHT,
        /** Authentic and new: to be written to the inbox. */
        NEW
    }

    private final String routeId;
    private final String source;
    private final WebhookVerifier verifier;
    private final IdempotencyLedger ledger;
    private final int maxBodyBytes;
    private final MeterRegistry meters;

    InboundWebhook(
            String routeId,
            String source,
            WebhookVerifier verifier,
            IdempotencyLedger ledger,
            int maxBodyBytes,
            MeterRegistry meters) {
        this.routeId = routeId;
        this.source = source;
        this.verifier = verifier;
        this.ledger = ledger;
        this.maxBodyBytes = maxBodyBytes;
        this.meters = meters;
    }

    /** Size, signature, timestamp and JSON checks, then the claim of source + webhook-id; sets {@link #VERDICT}. */
    public void receive(Exchange exchange) {
        byte[] body = exchange.getMessage().getBody(byte[].class);
        if (body == null) {
            body = new byte[0];
        }
        WebhookHeaders headers = new WebhookHeaders(
                header(exchange, WebhookHeaders.ID),
                header(exchange, WebhookHeaders.TIMESTAMP),
                header(exchange, WebhookHeaders.SIGNATURE));
        try {
            if (body.length > maxBodyBytes) {
                throw new WebhookRejection(
                        WebhookRejection.Kind.MALFORMED,
                        "body is " + body.length + " bytes; at most " + maxBodyBytes + " are accepted");
            }
            String text = new String(body, StandardCharsets.UTF_8);
            verifier.verify(headers, text);
            requireJsonObject(text);
            exchange.getMessage().setBody(text);
        } catch (WebhookRejection r) {
            LOG.warn(
                    "inbound {}: webhook-id {} refused with {}: {}",
                    routeId,
                    printable(headers.id()),
                    r.status(),
                    r.getMessage());
            answer(exchange, Verdict.REJECTED, r.status(), status("rejected", headers.id(), r.getMessage()));
            return;
        }
        String id = headers.id().strip();
        ClaimOutcome claim;
        try {
            claim = ledger.claim(routeId, List.of(key(id))).get(key(id));
        } catch (RuntimeException e) {
            LOG.error("inbound {}: webhook-id {} not queued, answered 503: the ledger is unavailable", routeId, id, e);
            answer(
                    exchange,
                    Verdict.REJECTED,
                    503,
                    status("not-queued", id, "the webhook ledger is unavailable; retry later"));
            exchange.getMessage().setHeader("Retry-After", RETRY_AFTER_SECONDS);
            return;
        }
        switch (claim) {
            case CLAIMED, TAKEN_OVER -> {
                exchange.setProperty(VERDICT, Verdict.NEW.name());
                exchange.setProperty(WebhookHeaders.ID, id);
                exchange.setProperty(
                        WebhookHeaders.TIMESTAMP, headers.timestamp().strip());
            }
            case DONE, FAILED -> {
                LOG.info("inbound {}: webhook-id {} was queued before; acknowledged, not queued again", routeId, id);
                answer(exchange, Verdict.DUPLICATE, 200, status("duplicate", id, "already queued"));
            }
            case HELD -> {
                answer(
                        exchange,
                        Verdict.IN_FLIGHT,
                        409,
                        status("in-flight", id, "another request with this webhook-id is being queued; retry later"));
                exchange.getMessage().setHeader("Retry-After", RETRY_AFTER_SECONDS);
            }
        }
    }

    /** The inbox record: the body as sent, keyed by webhook-id, with the webhook headers and the source. */
    public void toInboxRecord(Exchange exchange) {
        String id = exchange.getProperty(WebhookHeaders.ID, String.class);
        var message = exchange.getMessage();
        message.getHeaders().clear(); // the sender's HTTP headers must not become record headers
        message.setHeader(KafkaConstants.KEY, id);
        message.setHeader(WebhookHeaders.ID, id);
        message.setHeader(WebhookHeaders.TIMESTAMP, exchange.getProperty(WebhookHeaders.TIMESTAMP, String.class));
        message.setHeader(SOURCE_HEADER, source);
    }

    /** The broker acknowledged the record: the webhook-id is done, the sender gets 202. */
    public void queued(Exchange exchange) {
        String id = exchange.getProperty(WebhookHeaders.ID, String.class);
        try {
            ledger.complete(List.of(Completion.done(key(id), "kafka:" + offset(exchange))));
        } catch (RuntimeException e) {
            // the event is in the inbox: still 202; a retry after the lease is queued again and the drain's key
            // keeps the target from receiving it twice
            LOG.error("inbound {}: webhook-id {} queued but not recorded done in the ledger", routeId, id, e);
        }
        LOG.debug("inbound {}: webhook-id {} queued at {}", routeId, id, offset(exchange));
        answer(exchange, Verdict.NEW, 202, status("queued", id, null));
    }

    /**
     * The write failed or timed out: the claim is released (so the sender's retry is queued) and the sender gets
     * 503 with Retry-After.
     */
    public void notQueued(Exchange exchange) {
        String id = exchange.getProperty(WebhookHeaders.ID, String.class);
        Throwable failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        String cause = failure == null ? "unknown" : rootMessage(failure);
        try {
            ledger.remove(key(id));
        } catch (RuntimeException e) {
            LOG.error(
                    "inbound {}: claim of webhook-id {} could not be released; it is retaken after its lease",
                    routeId,
                    id,
                    e);
        }
        LOG.warn(
                "inbound {}: webhook-id {} not queued, answered 503: the inbox did not acknowledge: {}",
                routeId,
                id,
                cause);
        answer(
                exchange,
                Verdict.NEW,
                503,
                status("not-queued", id, "the inbox did not acknowledge the event; retry later"));
        exchange.getMessage().setHeader("Retry-After", RETRY_AFTER_SECONDS);
    }

    /** The ledger key of a webhook-id: the source and the id, so two sources may use the same ids. */
    String key(String webhookId) {
        return "inbound:" + source + ":" + webhookId;
    }

    private static void requireJsonObject(String text) throws WebhookRejection {
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new WebhookRejection(
                    WebhookRejection.Kind.MALFORMED,
                    "body is not JSON: "
                            + e.getOriginalMessage().lines().findFirst().orElse(""));
        }
        if (node == null || !node.isObject()) {
            throw new WebhookRejection(WebhookRejection.Kind.MALFORMED, "body must be a JSON object");
        }
    }

    private void answer(Exchange exchange, Verdict verdict, int status, String body) {
        meters.counter(METRIC, "route", routeId, "status", Integer.toString(status))
                .increment();
        exchange.setProperty(VERDICT, verdict.name());
        var message = exchange.getMessage();
        message.getHeaders().clear();
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        message.setBody(body);
    }

    private static String status(String status, String id, String reason) {
        ObjectNode node = JSON.createObjectNode().put("status", status);
        if (id != null) {
            node.put("webhookId", id);
        }
        if (reason != null) {
            node.put("reason", reason);
        }
        return node.toString();
    }

    private static String header(Exchange exchange, String name) {
        return exchange.getMessage().getHeader(name, String.class);
    }

    private static String offset(Exchange exchange) {
        Object metadata = exchange.getMessage().getHeader(KafkaConstants.KAFKA_RECORD_META);
        if (metadata instanceof List<?> list && !list.isEmpty()) {
            return String.valueOf(list.get(0));
        }
        return "acknowledged";
    }

    private static String printable(String id) {
        if (id == null) {
            return "(none)";
        }
        String cleaned = id.replaceAll("[^\\x20-\\x7E]", "?");
        return cleaned.length() > 64 ? cleaned.substring(0, 64) + "…" : cleaned;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }
}
