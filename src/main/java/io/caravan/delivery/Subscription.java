package io.caravan.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.caravan.errors.CaravanExchange;
import io.caravan.errors.DataQualityException;
import io.caravan.outbound.OutboundHttp;
import io.caravan.outbound.OutboundRequest;
import io.caravan.outbound.OutboundResponse;
import io.caravan.outbound.OutboundUrl;
import io.caravan.store.DeadLetter;
import io.caravan.template.Replayer;
import io.caravan.webhook.WebhookHeaders;
import io.caravan.webhook.WebhookSigner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.kafka.consumer.KafkaManualCommit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Java side of routes/webhook-delivery.yaml, one instance per subscription row; each public method is one step.
 *
 * <p>{@link #receiveWindow} turns a poll's records into a {@link DeliveryWindow} (lanes by key, sent concurrently up to
 * maxInFlight, in order within a key; or, with batchSize &gt; 1, the poll as one JSON array). {@link #receive} turns
 * one event (or batch) into the POST it becomes. Offsets are committed only after every outcome of the window is
 * recorded: delivered, dead-lettered, or recorded by debug mode (see {@link OffsetCommit}). A window with an outcome
 * that could not be recorded (its dead letter failed) sends nothing more, commits nothing, and is read again.
 * {@link #post} signs at each attempt, so a retry after a long Retry-After still carries a fresh webhook-timestamp,
 * and always the same webhook-id.
 */
public final class Subscription implements Replayer {
    static final String OUTGOING = "caravan.webhook.outgoing";
    static final String ATTEMPTS = "caravan.webhook.attempts";
    private static final Logger LOG = LoggerFactory.getLogger(Subscription.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_LOGGED_BODY = 2000;

    private final String routeId;
    private final OutboundUrl url;
    private final WebhookSigner signer;
    private final OutboundHttp outbound;
    private final Duration timeout;
    private final FieldSelection fields;
    private final RateLimit rateLimit;
    private final SubscriptionMetrics metrics;
    private final Clock clock;
    private final int batchSize;
    /** Set while the route restarts after a window whose outcome could not be recorded (see {@link #reRead}). */
    private final AtomicBoolean reReading = new AtomicBoolean();

    Subscription(
            String routeId,
            OutboundUrl url,
            WebhookSigner signer,
            OutboundHttp outbound,
            Duration timeout,
            FieldSelection fields,
            RateLimit rateLimit,
            SubscriptionMetrics metrics,
            Clock clock,
            int batchSize) {
        this.routeId = routeId;
        this.url = url;
        this.signer = signer;
        this.outbound = outbound;
        this.timeout = timeout;
        this.fields = fields;
        this.rateLimit = rateLimit;
        this.metrics = metrics;
        this.clock = clock;
        this.batchSize = batchSize;
    }

    /**
     * A poll's records (the batching consumer's list) → the window's lanes as the body, split by the route; the
     * window's offsets are committed once its exchange completes with every outcome recorded.
     */
    public void receiveWindow(Exchange exchange) {
        Message message = exchange.getMessage();
        @SuppressWarnings("unchecked")
        List<Exchange> records = message.getBody() instanceof List<?> list ? (List<Exchange>) list : List.of(exchange);
        DeliveryWindow window = batchSize > 1 ? DeliveryWindow.asOneBatch(records) : DeliveryWindow.byKey(records);
        exchange.setProperty(CaravanExchange.ROUTE_ID, routeId);
        exchange.setProperty(
                CaravanExchange.CORRELATION_ID,
                routeId + "/"
                        + (records.isEmpty() ? "-" : position(records.get(0).getMessage())));
        exchange.setProperty(DeliveryWindow.PROPERTY, window);
        exchange.getExchangeExtension().addOnCompletion(new OffsetCommit(routeId, commitsAfter(records), window, this));
        if (reReading.get()) {
            window.breakOff(); // the route restarts to read an unrecorded window again; this one comes again too
        }
        message.setBody(window.lanes());
    }

    /** One event of a lane (a record, or with batchSize &gt; 1 a poll's records) → the webhook to send. */
    public void receive(Exchange exchange) {
        Message message = exchange.getMessage();
        List<Message> records = records(message);
        exchange.setProperty(CaravanExchange.ROUTE_ID, routeId);
        exchange.setProperty(CaravanExchange.CORRELATION_ID, routeId + "/" + position(records.get(0)));

        boolean batch = message.getBody() instanceof List<?>;
        List<ObjectNode> events = new ArrayList<>(records.size());
        List<String> ids = new ArrayList<>(records.size());
        Instant producedAt = Instant.MAX;
        boolean asReceived = !batch && fields.all();
        for (Message record : records) {
            ObjectNode event = parse(record, message);
            asReceived &= !ensureEventId(event, record);
            fields.apply(event);
            events.add(event);
            ids.add(event.get("event_id").asText());
            Long ts = record.getHeader(KafkaConstants.TIMESTAMP, Long.class);
            Instant at = ts == null ? clock.instant() : Instant.ofEpochMilli(ts);
            producedAt = at.isBefore(producedAt) ? at : producedAt;
        }
        String body;
        String id;
        if (batch) {
            ArrayNode array = JSON.createArrayNode();
            events.forEach(array::add);
            body = array.toString();
            id = "batch_" + hash(String.join(",", ids));
        } else {
            // an event sent whole and unchanged goes out as the text it arrived as
            body = asReceived
                    ? records.get(0).getBody(String.class)
                    : events.get(0).toString();
            id = ids.get(0);
        }
        OutgoingWebhook outgoing = new OutgoingWebhook(id, body, ids, producedAt);
        exchange.setProperty(OUTGOING, outgoing);
        exchange.setProperty(CaravanExchange.IDEMPOTENCY_KEY, id);
        // the Kafka headers are not the subscriber's business; a dead letter shows what the POST carried
        message.getHeaders().clear();
        message.setHeader(WebhookHeaders.ID, id);
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        message.setBody(body);
    }

    /** Waits for the subscription's rate limit (throttle_per_second), if it has one. */
    public void rateLimit(Exchange exchange) throws InterruptedException {
        if (!sending(exchange)) {
            return;
        }
        rateLimit.await();
    }

    /** POSTs the webhook, signed now; a non-2xx answer or a network failure throws for the error taxonomy. */
    public void post(Exchange exchange) throws Exception {
        if (!sending(exchange)) {
            return;
        }
        OutgoingWebhook outgoing = exchange.getProperty(OUTGOING, OutgoingWebhook.class);
        int attempt = exchange.getProperty(ATTEMPTS, 0, Integer.class) + 1;
        exchange.setProperty(ATTEMPTS, attempt);
        if (attempt > 1) {
            metrics.retries.increment();
        }
        OutboundRequest request = signedRequest(outgoing.id(), outgoing.body());
        OutboundResponse response;
        try {
            response = outbound.execute(request);
        } catch (Exception e) {
            metrics.failedAttempts.increment();
            throw e; // a non-2xx answer or a network failure, as the classifier knows them
        }
        metrics.delivered.increment(outgoing.events());
        metrics.latency.record(Duration.between(outgoing.producedAt(), clock.instant()));
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, response.status());
    }

    /** The POST of one webhook, signed now with the subscription's current secrets. */
    private OutboundRequest signedRequest(String webhookId, String body) {
        WebhookHeaders signed = signer.sign(webhookId, clock.instant(), body);
        return OutboundRequest.postJson(url, null, body.getBytes(StandardCharsets.UTF_8))
                .withHeader(WebhookHeaders.ID, signed.id())
                .withHeader(WebhookHeaders.TIMESTAMP, signed.timestamp())
                .withHeader(WebhookHeaders.SIGNATURE, signed.signature())
                .withTimeout(timeout);
    }

    /** A dead-lettered webhook's key in the ledger: the subscription and its webhook-id (the same event may go to many). */
    @Override
    public String ledgerKey(DeadLetter letter) {
        if (letter.idempotencyKey() == null) {
            throw new IllegalArgumentException("dead letter " + letter.id() + " has no webhook-id");
        }
        return routeId + ":" + letter.idempotencyKey();
    }

    /** Sends a dead-lettered webhook again: the original event and webhook-id, signed afresh with today's secret. */
    @Override
    public void resend(DeadLetter letter) throws Exception {
        outbound.execute(signedRequest(letter.idempotencyKey(), letter.payload()));
        metrics.delivered.increment();
    }

    /** Debug mode: records what would be sent (log line and counter) and sends nothing. */
    public void recordDebug(Exchange exchange) {
        if (!sending(exchange)) {
            return;
        }
        OutgoingWebhook outgoing = exchange.getProperty(OUTGOING, OutgoingWebhook.class);
        WebhookHeaders signed = signer.sign(outgoing.id(), clock.instant(), outgoing.body());
        metrics.debugged.increment(outgoing.events());
        String body = outgoing.body();
        LOG.info(
                "webhook {} debug: would POST {} event(s) to {} webhook-id={} webhook-timestamp={} "
                        + "webhook-signature={} body={}",
                routeId,
                outgoing.events(),
                url,
                signed.id(),
                signed.timestamp(),
                signed.signature(),
                body.length() > MAX_LOGGED_BODY ? body.substring(0, MAX_LOGGED_BODY) + "…" : body);
    }

    /** false once the event's window broke off: it is not sent now, and comes again with the whole window. */
    private static boolean sending(Exchange exchange) {
        DeliveryWindow window = DeliveryWindow.of(exchange);
        return window == null || !window.broken();
    }

    /** Whether offsets may be committed now (not while the route restarts to read a window again). */
    boolean committing() {
        return !reReading.get();
    }

    /**
     * A window with an outcome that could not be recorded (its dead letter failed): Camel's batching consumer would
     * go on with the next window, whose commit would pass this one. So nothing more is committed or sent, and the
     * route is restarted from another thread; its consumer then resumes at the last committed offset and the window
     * comes again, each key's events in their order.
     */
    void reRead(CamelContext camel) {
        if (!reReading.compareAndSet(false, true)) {
            return;
        }
        Thread restart = new Thread(
                () -> {
                    try {
                        camel.getRouteController().stopRoute(routeId);
                        reReading.set(false);
                        camel.getRouteController().startRoute(routeId);
                    } catch (Exception e) {
                        LOG.error("webhook {}: restart to read an unrecorded batch again failed", routeId, e);
                    } finally {
                        reReading.set(false);
                    }
                },
                "caravan-webhook-reread-" + routeId);
        restart.setDaemon(true);
        restart.start();
    }

    public String routeId() {
        return routeId;
    }

    /** The records of the exchange: the exchange's own message, or each exchange of a batch. */
    private static List<Message> records(Message message) {
        if (message.getBody() instanceof List<?> batch) {
            return batch.stream().map(e -> ((Exchange) e).getMessage()).toList();
        }
        if (message.getBody() instanceof Exchange record) {
            return List.of(record.getMessage());
        }
        return List.of(message);
    }

    /** The commits a window makes once its outcomes are recorded: past the last record of each partition in it. */
    private static List<KafkaManualCommit> commitsAfter(List<Exchange> records) {
        Map<Integer, KafkaManualCommit> lastPerPartition = new LinkedHashMap<>();
        for (Exchange record : records) {
            Message m = record.getMessage();
            KafkaManualCommit commit = m.getHeader(KafkaConstants.MANUAL_COMMIT, KafkaManualCommit.class);
            if (commit != null) {
                lastPerPartition.put(m.getHeader(KafkaConstants.PARTITION, Integer.class), commit);
            }
        }
        return List.copyOf(lastPerPartition.values());
    }

    /** The record's event: the JSON object a feed's Kafka sink wrote (seed 002's payload). */
    private static ObjectNode parse(Message record, Message exchangeMessage) {
        String value = record.getBody(String.class);
        JsonNode node;
        try {
            node = value == null ? null : JSON.readTree(value);
        } catch (IOException e) {
            node = null;
        }
        if (!(node instanceof ObjectNode event)) {
            exchangeMessage.setBody(value);
            throw new DataQualityException("record " + position(record) + " is not a JSON event object");
        }
        return event;
    }

    /**
     * The event_id is the webhook-id; an event without one gets the record header event_id, or else an id from its
     * topic, partition and offset, which a re-read keeps. Says whether it had to add one.
     */
    private static boolean ensureEventId(ObjectNode event, Message record) {
        if (event.path("event_id").isTextual()
                && !event.get("event_id").asText().isBlank()) {
            return false;
        }
        String header = record.getHeader("event_id", String.class);
        event.put("event_id", header != null && !header.isBlank() ? header : "evt_" + hash(position(record)));
        return true;
    }

    private static String position(Message record) {
        return record.getHeader(KafkaConstants.TOPIC) + "-" + record.getHeader(KafkaConstants.PARTITION) + "@"
                + record.getHeader(KafkaConstants.OFFSET);
    }

    static String hash(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, 32);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
