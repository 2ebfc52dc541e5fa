package io.caravan.drain;

import io.caravan.errors.CaravanExchange;
import io.caravan.errors.ErrorCategory;
import io.caravan.events.InboxRecord;
import io.caravan.events.InboxSeal;
import io.caravan.execution.ExecutionFinish;
import io.caravan.execution.RowOutcome;
import io.caravan.outbound.OutboundHttp;
import io.caravan.outbound.OutboundRequest;
import io.caravan.outbound.OutboundUrl;
import io.caravan.store.ClaimOutcome;
import io.caravan.store.Completion;
import io.caravan.store.DeadLetter;
import io.caravan.store.DeadLetters;
import io.caravan.store.ExecutionLog;
import io.caravan.store.ExecutionStatus;
import io.caravan.store.IdempotencyLedger;
import io.caravan.store.LedgerStatus;
import io.caravan.template.DrainBudget;
import io.caravan.webhook.WebhookHeaders;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.camel.Exchange;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Java side of routes/queue-drain.yaml (T1/T2, seed 000's scheduled instant trigger): each method is one step.
 * One instance per route_config row, with the row's Kafka consumer (own group, no auto commit, at most
 * max_returned_events records per poll), used only from the route's scheduled executions, one at a time. A drain whose
 * executions are far apart ({@code leaveBetweenExecutions}) has its consumer open only while an execution runs: it
 * joins the group at the execution's first poll and leaves it when the execution finishes, so the idle drain holds no
 * thread (a group member's heartbeat thread). It resumes at the group's committed offsets, which are always the first
 * event without a recorded outcome (see {@link #recordOutcomes}). A frequent drain keeps its member, and its
 * partitions, between executions: joining costs the broker's group.initial.rebalance.delay.ms each time.
 *
 * <p>Per cycle: poll, claim the events' keys in the ledger in one batch, deliver the claimed events (the route does
 * that), complete the ledger, then commit the offsets of the handled prefix of each partition. An event without a
 * recorded outcome (a SYSTEM failure, or a key another owner holds) is not committed: the partition is rewound to
 * it and the execution stops, so it comes back.
 *
 * <p>Only records the inbound receiver sealed are delivered ({@link InboxSeal}: its own HMAC over topic, key, value
 * and the webhook and source headers). A record without a valid seal (written straight to the topic, or altered) is
 * dead-lettered as DATA_QUALITY with the reason "inbox record not authenticated: ...", marked
 * {@link DeadLetter#QUARANTINED} so no replay sends it, never claimed in the ledger and never delivered; its offset is
 * committed past like any handled event (the dead letter holds it), and the events after it keep flowing.
 */
public final class QueueDrain implements AutoCloseable {
    public static final String EXECUTION = "caravanDrainExecution";
    public static final String EVENT = "caravanDrainEvent";
    public static final String DELIVERED = "caravanDrainDelivered";

    private static final Logger LOG = LoggerFactory.getLogger(QueueDrain.class);

    /** Record header values kept in an unauthenticated record's dead letter are cut to this length. */
    static final int MAX_DEAD_LETTER_HEADER_CHARS = 256;

    private final String routeId;
    private final OutboundUrl target;
    private final String topic;
    private final Supplier<Consumer<String, String>> inbox;
    private final Duration joinWait;
    private final boolean leaveBetweenExecutions;
    /** Open from an execution's first poll to its finish; null between executions. */
    private Consumer<String, String> consumer;
    /** Set when the group gave the open consumer its partitions (possibly none). */
    private boolean joined;

    private final DrainBudget budget;
    private final Duration pollTimeout;
    private final InboxSeal seal;
    private final IdempotencyLedger ledger;
    private final DeadLetters deadLetters;
    private final ExecutionLog executionLog;
    private final DrainMetrics metrics;
    private final ExecutionFinish finish;

    QueueDrain(
            String routeId,
            String topic,
            OutboundUrl target,
            Supplier<Consumer<String, String>> inbox,
            DrainBudget budget,
            Duration pollTimeout,
            Duration joinWait,
            boolean leaveBetweenExecutions,
            InboxSeal seal,
            IdempotencyLedger ledger,
            DeadLetters deadLetters,
            ExecutionLog executionLog,
            DrainMetrics metrics) {
        this.routeId = routeId;
        this.target = target;
        this.topic = topic;
        this.inbox = inbox;
        this.joinWait = joinWait;
        this.leaveBetweenExecutions = leaveBetweenExecutions;
        this.budget = budget;
        this.pollTimeout = pollTimeout;
        this.seal = seal;
        this.ledger = ledger;
        this.deadLetters = deadLetters;
        this.executionLog = executionLog;
        this.metrics = metrics;
        this.finish = new ExecutionFinish(executionLog, LOG, "drain", routeId, true);
        int abandoned = executionLog.abandonRunning(
                routeId,
                "the process running it ended before it finished; "
                        + "its uncommitted events are polled again and in-progress keys are taken over after their lease");
        if (abandoned > 0) {
            LOG.warn(
                    "drain {}: {} execution(s) left RUNNING by an ended process are now INCOMPLETE",
                    routeId,
                    abandoned);
        }
    }

    /** Opens an execution: an execution_log row. */
    public void begin(Exchange exchange) {
        DrainExecution execution = new DrainExecution(executionLog.begin(routeId));
        exchange.setProperty(EXECUTION, execution);
        exchange.setProperty(CaravanExchange.ROUTE_ID, routeId);
        exchange.setProperty(CaravanExchange.CORRELATION_ID, routeId + "/" + execution.id());
    }

    /** Polls up to max_returned_events events and claims their keys; the body becomes the events to deliver. */
    public List<InboxEvent> nextBatch(Exchange exchange) {
        DrainExecution execution = execution(exchange);
        forgetOutcome(exchange);
        ConsumerRecords<String, String> records;
        try {
            records = poll();
        } catch (RuntimeException e) {
            execution.clearBatch();
            execution.fail(ExecutionStatus.INCOMPLETE, "polling the inbox failed: " + e);
            LOG.error("drain {}: execution {} stopped: polling the inbox failed", routeId, execution.id(), e);
            return List.of();
        }
        if (records.isEmpty()) {
            execution.clearBatch();
            execution.stop();
            return List.of();
        }
        List<ConsumerRecord<String, String>> polled = new ArrayList<>(records.count());
        List<InboxEvent> events = new ArrayList<>(records.count());
        for (ConsumerRecord<String, String> r : records) {
            polled.add(r);
            events.add(event(r, events.size()));
        }
        execution.startBatch(events);
        try {
            for (InboxEvent e : events) {
                if (!e.authentic()) {
                    long id = quarantine(exchange, polled.get(e.index()), e);
                    execution.outcome(e.index(), e.key(), RowOutcome.DEAD_LETTERED, "dead_letter:" + id);
                }
            }
            List<String> keys = events.stream()
                    .filter(InboxEvent::authentic)
                    .map(InboxEvent::key)
                    .toList();
            Map<String, ClaimOutcome> claims = keys.isEmpty() ? Map.of() : ledger.claim(routeId, keys);
            List<InboxEvent> deliveries = new ArrayList<>();
            Set<String> seen = new HashSet<>();
            for (InboxEvent e : events) {
                ClaimOutcome claim = claims.get(e.key());
                if (!e.authentic()) {
                    continue;
                } else if (!seen.add(e.key())) {
                    execution.outcome(e.index(), e.key(), RowOutcome.DUPLICATE, "same key earlier in the poll");
                } else if (claim.mustProcess()) {
                    deliveries.add(e);
                } else if (claim == ClaimOutcome.HELD) {
                    execution.outcome(e.index(), e.key(), RowOutcome.HELD, null);
                } else {
                    execution.outcome(e.index(), e.key(), RowOutcome.DUPLICATE, claim.name());
                }
            }
            return deliveries;
        } catch (RuntimeException e) {
            rewind(execution.batch());
            execution.clearBatch();
            execution.fail(ExecutionStatus.INCOMPLETE, "claiming keys or dead-lettering failed: " + e);
            LOG.error(
                    "drain {}: execution {} stopped: claiming keys or dead-lettering failed",
                    routeId,
                    execution.id(),
                    e);
            return List.of();
        }
    }

    /**
     * One poll of the open consumer. A consumer that has just joined polls until the group has given it its partitions
     * (at most {@code joinWait}): its first polls come back empty while the group forms, which would end the execution.
     */
    private ConsumerRecords<String, String> poll() {
        if (consumer == null) {
            joined = false;
            consumer = inbox.get();
            consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {}

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    joined = true;
                }
            });
        }
        long deadline = System.nanoTime() + joinWait.toNanos();
        ConsumerRecords<String, String> records = consumer.poll(pollTimeout);
        while (records.isEmpty() && !joined && System.nanoTime() < deadline) {
            records = consumer.poll(pollTimeout);
        }
        return records;
    }

    /** Leaves the group: the execution is over, and the next one joins again. */
    private void closeConsumer() {
        Consumer<String, String> open = consumer;
        consumer = null;
        if (open != null) {
            try {
                open.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.warn("drain {}: the inbox consumer did not close cleanly", routeId, e);
            }
        }
    }

    /** Turns one claimed event into the HTTP request: its JSON body, Idempotency-Key and webhook-id headers. */
    public void prepare(Exchange exchange) {
        InboxEvent e = exchange.getMessage().getBody(InboxEvent.class);
        forgetOutcome(exchange);
        exchange.setProperty(EVENT, e);
        exchange.setProperty(CaravanExchange.IDEMPOTENCY_KEY, e.key());
        exchange.getMessage().getHeaders().clear();
        OutboundHttp.prepare(
                exchange,
                request(
                        e.key(),
                        e.webhookId(),
                        e.body(),
                        exchange.getProperty(CaravanExchange.CORRELATION_ID, String.class)));
    }

    /** The POST of one event to the target: its JSON body, Idempotency-Key and webhook-id headers. */
    OutboundRequest request(String key, String webhookId, String json, String correlationId) {
        byte[] body = json == null ? new byte[0] : json.getBytes(StandardCharsets.UTF_8);
        return OutboundRequest.postJson(target, key, body)
                .withHeader(WebhookHeaders.ID, webhookId)
                .withHeader("X-Correlation-Id", correlationId);
    }

    /** Marks the sub-exchange delivered (the target answered 2xx). */
    public void delivered(Exchange exchange) {
        exchange.setProperty(DELIVERED, Boolean.TRUE);
    }

    /**
     * Completes the ledger for the handled events, then commits per partition the offset after its handled prefix.
     * At the first unhandled event of a partition the consumer is rewound there and the execution stops.
     */
    public void recordOutcomes(Exchange exchange) {
        DrainExecution execution = execution(exchange);
        List<InboxEvent> batch = execution.batch();
        if (batch.isEmpty()) {
            return;
        }
        List<Completion> completions = new ArrayList<>();
        List<String> released = new ArrayList<>();
        Map<TopicPartition, Long> commitTo = new LinkedHashMap<>();
        Map<TopicPartition, Long> firstUnhandled = new LinkedHashMap<>();
        for (InboxEvent e : batch) {
            RowOutcome outcome = execution.outcome(e.index());
            switch (outcome) {
                case DELIVERED ->
                    completions.add(new Completion(e.key(), LedgerStatus.DONE, execution.resultRef(e.index())));
                case DEAD_LETTERED -> {
                    // an unauthenticated record never claimed its key: its webhook-id may be a real event's
                    if (e.authentic()) {
                        completions.add(new Completion(e.key(), LedgerStatus.FAILED, execution.resultRef(e.index())));
                    }
                }
                case PENDING -> released.add(e.key());
                default -> {}
            }
            if (!outcome.handled()) {
                firstUnhandled.putIfAbsent(e.partition(), e.offset());
            } else if (!firstUnhandled.containsKey(e.partition())) {
                commitTo.put(e.partition(), e.offset() + 1);
            }
        }
        try {
            if (!completions.isEmpty()) {
                ledger.complete(completions);
            }
        } catch (RuntimeException e) {
            rewind(batch);
            execution.fail(ExecutionStatus.INCOMPLETE, "recording outcomes failed: " + e);
            LOG.error(
                    "drain {}: execution {} stopped: recording outcomes failed; events stay in progress until their lease ends",
                    routeId,
                    execution.id(),
                    e);
            return;
        }
        // a claim whose delivery ended without an outcome is given back, so the event's return is claimed afresh
        released.forEach(ledger::remove);
        seek(firstUnhandled);
        try {
            if (!commitTo.isEmpty()) {
                Map<TopicPartition, OffsetAndMetadata> offsets = new LinkedHashMap<>();
                commitTo.forEach((tp, offset) -> offsets.put(tp, new OffsetAndMetadata(offset)));
                consumer.commitSync(offsets);
            }
        } catch (RuntimeException e) {
            execution.fail(ExecutionStatus.INCOMPLETE, "committing offsets failed: " + e);
            LOG.error(
                    "drain {}: execution {} stopped: committing offsets failed; the events come back as duplicates",
                    routeId,
                    execution.id(),
                    e);
            return;
        }
        if (!firstUnhandled.isEmpty()) {
            int held = (int) batch.stream()
                    .filter(e -> execution.outcome(e.index()) == RowOutcome.HELD)
                    .count();
            if (!released.isEmpty()) {
                execution.fail(ExecutionStatus.INCOMPLETE, released.size() + " events without a recorded outcome");
            } else {
                execution.note(held + " events held by another owner's lease; a later execution takes them");
                execution.stop();
            }
        } else if (execution.cycles() >= budget.maxCycles()) {
            execution.stop();
        }
    }

    /** Closes the execution_log row, records the metrics and logs one summary line. */
    public void finish(Exchange exchange) {
        if (leaveBetweenExecutions) {
            closeConsumer();
        }
        DrainExecution e = execution(exchange);
        finish.finish(e);
        metrics.record(e);
    }

    /** Leaves the consumer group if an execution left it open; called after the route is removed. */
    @Override
    public void close() {
        metrics.close();
        closeConsumer();
    }

    /**
     * The delivery key: this drain, the sender's source and the webhook-id (the same across the sender's retries,
     * the inbox's redeliveries and restarts), or the record key, or its position when it has neither. A record whose
     * seal does not verify is keyed by its position and carries the reason.
     */
    private InboxEvent event(ConsumerRecord<String, String> r, int index) {
        TopicPartition partition = new TopicPartition(r.topic(), r.partition());
        InboxRecord record;
        try {
            record = seal.verify(r);
        } catch (InboxSeal.Unauthenticated e) {
            String position = routeId + ":unauthenticated:" + r.topic() + "-" + r.partition() + "@" + r.offset();
            return new InboxEvent(partition, r.offset(), position, null, r.value(), index, e.getMessage());
        }
        String webhookId = record.webhookId();
        String source = record.source();
        String id = webhookId != null ? webhookId : r.key();
        String key = id != null
                ? routeId + ":" + (source == null ? r.topic() : source) + ":" + id
                : routeId + ":" + r.topic() + "-" + r.partition() + "@" + r.offset();
        if (key.length() > IdempotencyLedger.MAX_KEY_LENGTH) {
            key = routeId + ":sha256:" + sha256(key); // an overlong id must not stop the drain at its offset
        }
        return new InboxEvent(partition, r.offset(), key, webhookId, r.value(), index, null);
    }

    /** Dead-letters a record whose seal did not verify; returns the dead letter's id. */
    private long quarantine(Exchange exchange, ConsumerRecord<String, String> r, InboxEvent e) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("kafka.topic", r.topic());
        headers.put("kafka.partition", Integer.toString(r.partition()));
        headers.put("kafka.offset", Long.toString(r.offset()));
        for (String name : List.of(WebhookHeaders.ID, WebhookHeaders.TIMESTAMP, InboxRecord.SOURCE_HEADER)) {
            String value = header(r, name);
            if (value != null) {
                headers.put(name, cut(value));
            }
        }
        if (r.key() != null) {
            headers.put("kafka.key", cut(r.key()));
        }
        String reason = "inbox record not authenticated: " + e.rejection();
        long id = deadLetters.record(new DeadLetter(
                null,
                routeId,
                CaravanExchange.correlationId(exchange),
                null,
                ErrorCategory.DATA_QUALITY.name(),
                null,
                reason,
                1,
                r.value(),
                headers,
                DeadLetter.QUARANTINED,
                null));
        LOG.warn(
                "drain {}: {}-{}@{} dead-lettered (dead letter {}), never delivered: {}",
                routeId,
                r.topic(),
                r.partition(),
                r.offset(),
                id,
                reason);
        return id;
    }

    private static String cut(String value) {
        String printable = value.replaceAll("[^\\x20-\\x7E]", "?");
        return printable.length() > MAX_DEAD_LETTER_HEADER_CHARS
                ? printable.substring(0, MAX_DEAD_LETTER_HEADER_CHARS) + "…"
                : printable;
    }

    /** Puts each partition of the batch back to its first event, so an execution that stopped polls them again. */
    private void rewind(List<InboxEvent> batch) {
        Map<TopicPartition, Long> first = new LinkedHashMap<>();
        batch.forEach(e -> first.putIfAbsent(e.partition(), e.offset()));
        seek(first);
    }

    private void seek(Map<TopicPartition, Long> offsets) {
        try {
            offsets.forEach(consumer::seek);
        } catch (RuntimeException e) {
            LOG.warn("drain {}: rewinding the consumer failed; the events come back after a rebalance", routeId, e);
        }
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String header(ConsumerRecord<String, String> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** The split hands its result back to the execution's exchange; an outcome left there would be read as the next event's. */
    private static void forgetOutcome(Exchange exchange) {
        exchange.removeProperty(DELIVERED);
        exchange.removeProperty(EVENT);
        CaravanExchange.forgetOutcome(exchange);
    }

    private static DrainExecution execution(Exchange exchange) {
        return exchange.getProperty(EXECUTION, DrainExecution.class);
    }
}
