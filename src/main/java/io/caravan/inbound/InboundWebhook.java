package io.caravan.inbound;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.caravan.events.InboxRecord;
import io.caravan.events.InboxSeal;
import io.caravan.store.ClaimOutcome;
import io.caravan.store.Completion;
import io.caravan.store.GroupCommit;
import io.caravan.store.IdempotencyLedger;
import io.caravan.webhook.WebhookHeaders;
import io.caravan.webhook.WebhookRejection;
import io.caravan.webhook.WebhookVerifier;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.platform.http.vertx.HttpMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Java side of routes/inbound-webhook.yaml, one instance per source: checks an inbound Standard Webhooks
 * request, claims its webhook-id in the ledger, shapes and seals the inbox record, and answers the sender. The answer
 * is 202 only after the broker acknowledged the record; a failed write releases the claim, so the sender's retry is
 * queued.
 *
 * <p>The webhook-* values are read from the HTTP request's headers only: platform-http also copies query parameters
 * into the message headers, and a query string must not supply or override them. Every value of a repeated
 * webhook-signature header is tried; a repeated webhook-id or webhook-timestamp is refused. The body limit is
 * enforced while the body is read (the route does not buffer it): a Content-Length over maxBodySize is answered 413
 * without reading the body, and a chunked body is read up to maxBodySize + 1 bytes at most.
 */
public final class InboundWebhook {
    /** Exchange property the route branches on: what {@link #receive} decided. */
    public static final String VERDICT = "caravanInboundVerdict";
    /** The longest webhook-id echoed in an answer (the verifier refuses longer ones). */
    static final int MAX_ECHOED_ID = 256;

    /** Requests answered, tagged route and status (caravan_inbound_requests_total in Prometheus). */
    static final String METRIC = "caravan.inbound.requests";

    private static final Logger LOG = LoggerFactory.getLogger(InboundWebhook.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RETRY_AFTER_SECONDS = "5";
    /** How long the body of a request may take to arrive once its headers are there. */
    static final Duration BODY_READ_TIMEOUT = Duration.ofSeconds(30);
    /** The most claims or completions written in one ledger transaction. */
    static final int MAX_BATCH = 64;

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
    private final String inboxTopic;
    private final WebhookVerifier verifier;
    private final InboxSeal seal;
    private final IdempotencyLedger ledger;
    private final int maxBodyBytes;
    private final MeterRegistry meters;
    /** The request counter per status, looked up once: building a meter id per request costs more than counting. */
    private final Map<Integer, Counter> answered = new ConcurrentHashMap<>();
    /** Claims of concurrent requests share one ledger transaction (a lone request still has its own). */
    private final GroupCommit<String, ClaimOutcome> claims;
    /** So do the completions of concurrent requests whose records the broker acknowledged. */
    private final GroupCommit<Completion, Void> completions;

    InboundWebhook(
            String routeId,
            String source,
            String inboxTopic,
            WebhookVerifier verifier,
            InboxSeal seal,
            IdempotencyLedger ledger,
            int maxBodyBytes,
            MeterRegistry meters) {
        this.routeId = routeId;
        this.source = source;
        this.inboxTopic = inboxTopic;
        this.verifier = verifier;
        this.seal = seal;
        this.ledger = ledger;
        this.maxBodyBytes = maxBodyBytes;
        this.meters = meters;
        this.claims = new GroupCommit<>(MAX_BATCH, this::claimAll);
        this.completions = new GroupCommit<>(MAX_BATCH, done -> {
            ledger.complete(done);
            return Collections.nCopies(done.size(), null);
        });
    }

    /** Size, signature, timestamp and JSON checks, then the claim of source + webhook-id; sets {@link #VERDICT}. */
    public void receive(Exchange exchange) {
        List<String> ids = httpHeader(exchange, WebhookHeaders.ID);
        List<String> timestamps = httpHeader(exchange, WebhookHeaders.TIMESTAMP);
        List<String> signatures = httpHeader(exchange, WebhookHeaders.SIGNATURE);
        WebhookHeaders headers = new WebhookHeaders(
                ids.isEmpty() ? null : ids.get(0),
                timestamps.isEmpty() ? null : timestamps.get(0),
                signatures.isEmpty() ? null : String.join(" ", signatures));
        try {
            if (ids.size() > 1 || timestamps.size() > 1) {
                throw new WebhookRejection(
                        WebhookRejection.Kind.MALFORMED,
                        "header " + (ids.size() > 1 ? WebhookHeaders.ID : WebhookHeaders.TIMESTAMP)
                                + " appears more than once");
            }
            byte[] body = body(exchange);
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
            answer(exchange, Verdict.REJECTED, r.status(), status("rejected", echoed(headers.id()), r.getMessage()));
            if (r.kind() == WebhookRejection.Kind.TOO_LARGE || r.kind() == WebhookRejection.Kind.TOO_SLOW) {
                closeAfterAnswer(exchange); // the rest of the body is never read
            }
            return;
        }
        String id = headers.id().strip();
        ClaimOutcome claim;
        try {
            claim = claims.submit(key(id));
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

    /**
     * The inbox record: the body as sent, keyed by webhook-id, with the webhook headers, the source, and this
     * receiver's seal over all of them (the drain delivers only sealed records).
     */
    public void toInboxRecord(Exchange exchange) {
        String id = exchange.getProperty(WebhookHeaders.ID, String.class);
        String timestamp = exchange.getProperty(WebhookHeaders.TIMESTAMP, String.class);
        var message = exchange.getMessage();
        String value = message.getBody(String.class);
        message.getHeaders().clear(); // the sender's HTTP headers must not become record headers
        message.setHeader(KafkaConstants.KEY, id);
        message.setHeader(WebhookHeaders.ID, id);
        message.setHeader(WebhookHeaders.TIMESTAMP, timestamp);
        message.setHeader(InboxRecord.SOURCE_HEADER, source);
        message.setHeader(
                InboxRecord.SEAL_HEADER, seal.seal(new InboxRecord(inboxTopic, id, value, id, timestamp, source)));
    }

    /** The broker acknowledged the record: the webhook-id is done, the sender gets 202. */
    public void queued(Exchange exchange) {
        String id = exchange.getProperty(WebhookHeaders.ID, String.class);
        try {
            completions.submit(Completion.done(key(id), "kafka:" + offset(exchange)));
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

    /**
     * Claims a batch of keys in one transaction. A key twice in the batch (two requests with one webhook-id at the
     * same moment) is claimed for the first request only; the second finds it held, as it would a moment later.
     */
    List<ClaimOutcome> claimAll(List<String> keys) {
        Map<String, ClaimOutcome> outcomes = ledger.claim(routeId, keys);
        Set<String> given = new HashSet<>();
        return keys.stream()
                .map(k -> given.add(k) ? outcomes.get(k) : ClaimOutcome.HELD)
                .toList();
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
        answered.computeIfAbsent(
                        status, code -> meters.counter(METRIC, "route", routeId, "status", Integer.toString(code)))
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

    /**
     * The request body, read from the HTTP request as it arrives (the route does not buffer it): refused at once
     * when Content-Length is over the limit, and as soon as more than the limit has arrived otherwise, so at most
     * maxBodySize + 1 bytes are ever taken in.
     */
    private byte[] body(Exchange exchange) throws WebhookRejection {
        if (!(exchange.getMessage() instanceof HttpMessage http) || http.getRequest() == null) {
            byte[] body = exchange.getMessage().getBody(byte[].class);
            if (body != null && body.length > maxBodyBytes) {
                throw tooLarge("body is " + body.length + " bytes");
            }
            return body == null ? new byte[0] : body;
        }
        HttpServerRequest request = http.getRequest();
        String length = request.getHeader("Content-Length");
        if (length != null) {
            long announced;
            try {
                announced = Long.parseLong(length.strip());
            } catch (NumberFormatException e) {
                throw new WebhookRejection(WebhookRejection.Kind.MALFORMED, "Content-Length is not a number");
            }
            if (announced > maxBodyBytes) {
                throw tooLarge("body of " + announced + " bytes (Content-Length)");
            }
        }
        if ("100-continue".equalsIgnoreCase(request.getHeader("Expect"))) {
            http.getResponse().writeContinue(); // only now the sender sends the body
        }
        CompletableFuture<byte[]> read = new CompletableFuture<>();
        Buffer received = Buffer.buffer();
        request.exceptionHandler(read::completeExceptionally);
        request.handler(chunk -> {
            synchronized (received) {
                received.appendBuffer(chunk);
                if (received.length() > maxBodyBytes) {
                    request.pause();
                    read.complete(null);
                }
            }
        });
        request.endHandler(end -> {
            synchronized (received) {
                read.complete(received.getBytes());
            }
        });
        request.resume();
        try {
            byte[] body = read.get(BODY_READ_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (body == null) {
                throw tooLarge("body");
            }
            return body;
        } catch (TimeoutException e) {
            request.pause();
            throw new WebhookRejection(
                    WebhookRejection.Kind.TOO_SLOW,
                    "body did not arrive within " + BODY_READ_TIMEOUT.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WebhookRejection(WebhookRejection.Kind.TOO_SLOW, "reading the body was interrupted");
        } catch (ExecutionException e) {
            throw new WebhookRejection(WebhookRejection.Kind.MALFORMED, "the body could not be read");
        }
    }

    private WebhookRejection tooLarge(String what) {
        return new WebhookRejection(
                WebhookRejection.Kind.TOO_LARGE, what + " is larger than the " + maxBodyBytes + " bytes accepted");
    }

    /**
     * Closes an HTTP/1.x connection once the answer is written, instead of keeping it open for a body nobody reads
     * (HTTP/2 streams are flow-controlled: the sender cannot push more than the window).
     */
    private static void closeAfterAnswer(Exchange exchange) {
        if (exchange.getIn() instanceof HttpMessage http
                && http.getResponse() != null
                && http.getRequest().version() != HttpVersion.HTTP_2) {
            http.getResponse().putHeader("Connection", "close");
            http.getResponse()
                    .endHandler(written -> http.getRequest().connection().close());
        }
    }

    /**
     * Every value of an HTTP request header, from the request itself: never from the message headers, where
     * platform-http merges query parameters of the same name. A message that is not an HTTP request has none.
     */
    private static List<String> httpHeader(Exchange exchange, String name) {
        if (exchange.getMessage() instanceof HttpMessage http && http.getRequest() != null) {
            return http.getRequest().headers().getAll(name);
        }
        return List.of();
    }

    /** The webhook-id as echoed in an answer: at most {@link #MAX_ECHOED_ID} characters. */
    static String echoed(String id) {
        if (id == null || id.length() <= MAX_ECHOED_ID) {
            return id;
        }
        return id.substring(0, MAX_ECHOED_ID) + "…";
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
