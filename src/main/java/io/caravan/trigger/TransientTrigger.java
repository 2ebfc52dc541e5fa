package io.caravan.trigger;

import io.caravan.errors.CategorizedException;
import io.caravan.errors.Classification;
import io.caravan.errors.ErrorCategory;
import io.caravan.errors.ErrorClassifier;
import io.caravan.store.ClaimOutcome;
import io.caravan.store.Completion;
import io.caravan.store.DeadLetter;
import io.caravan.store.DeadLetters;
import io.caravan.store.IdempotencyLedger;
import io.caravan.store.LedgerEntry;
import io.caravan.store.LedgerStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The steps of one customer's trigger route (routes/s3-transient-trigger.yaml), in the order the route calls them.
 *
 * <p>Failure semantics: a trigger is never deleted before the archive records the outcome. A retryable failure
 * keeps the trigger and leaves the message unacknowledged (it returns after the visibility timeout; the queue's
 * redrive policy moves it to its DLQ after maxReceiveCount). A permanent or data-quality failure is recorded in the
 * archive and in dead_letter, the trigger moves to the quarantine prefix, and the message is acknowledged.
 */
public final class TransientTrigger {
    public static final String MESSAGE = "caravanTriggerMessage";
    public static final String WORK = "caravanTriggerWork";
    public static final String INSTANCE = "caravanTrigger";
    public static final String PENDING = "caravanTriggerPending";
    public static final String MUST_PROCESS = "caravanTriggerMustProcess";
    public static final String MUST_SHARE = "caravanTriggerMustShare";
    /** Headers of the processing step's request or record. */
    static final String IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";

    static final String CUSTOMER_HEADER = "Caravan-Customer";
    static final String CHANGE_ID_HEADER = "Caravan-Change-Id";

    private static final Logger LOG = LoggerFactory.getLogger(TransientTrigger.class);
    private static final String RECEIPT_HANDLE = "CamelAwsSqsReceiptHandle";
    private static final String MESSAGE_ID = "CamelAwsSqsMessageId";
    private static final String ATTRIBUTES = "CamelAwsSqsAttributes";

    /** Rejected records listed by name in a message's one dead letter; the rest are counted. */
    static final int MAX_LISTED_REJECTIONS = 10;
    /** Each listed rejection is cut to this length (an S3 key may be 1,024 bytes). */
    static final int MAX_REJECTION_CHARS = 300;

    /**
     * What the route was built with, from its route_config row and caravan.trigger.max-records-per-message: a
     * message with more records than that is not processed at all.
     */
    public record Settings(
            String routeId,
            String customer,
            String queue,
            String quarantinePrefix,
            long maxArchiveBytes,
            boolean shared,
            int maxRecordsPerMessage) {}

    private final Settings settings;
    private final ProcessingTarget target;
    private final ProcessingTarget sharedTarget;
    private final TriggerBucket bucket;
    private final SqsClient sqs;
    private final IdempotencyLedger ledger;
    private final DeadLetters deadLetters;
    private final TriggerMetrics metrics;
    private final Clock clock;
    private final ErrorClassifier classifier = new ErrorClassifier();
    private volatile String queueUrl;

    TransientTrigger(
            Settings settings,
            ProcessingTarget target,
            ProcessingTarget sharedTarget,
            TriggerBucket bucket,
            SqsClient sqs,
            IdempotencyLedger ledger,
            DeadLetters deadLetters,
            TriggerMetrics metrics,
            Clock clock) {
        this.settings = settings;
        this.target = target;
        this.sharedTarget = sharedTarget;
        this.bucket = bucket;
        this.sqs = sqs;
        this.ledger = ledger;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
        this.clock = clock;
    }

    /**
     * Parses the S3 event notification into this customer's triggers. A test event, records of other event types,
     * and keys this route must not process give no work; malformed messages and rejected keys are dead-lettered
     * here (and the message is acknowledged at the end).
     *
     * <p>Dead letters stay bounded by the message, not by its records: a message with more than
     * maxRecordsPerMessage records is one DATA_QUALITY dead letter and nothing of it is processed; otherwise its good
     * records are processed and all its rejected records are one DATA_QUALITY dead letter that lists the first
     * {@value #MAX_LISTED_REJECTIONS} rejections and counts the rest (the payload, the whole message, is capped by
     * the dead-letter store).
     */
    public List<TriggerWork> receive(Exchange exchange) {
        Message in = exchange.getMessage();
        TriggerMessage message = new TriggerMessage(
                in.getHeader(MESSAGE_ID, String.class),
                in.getHeader(RECEIPT_HANDLE, String.class),
                in.getBody(String.class));
        exchange.setProperty(INSTANCE, this);
        exchange.setProperty(MESSAGE, message);
        sentTimestamp(in).ifPresent(sent -> metrics.messageAge(Duration.between(sent, clock.instant())));
        S3Notification notification;
        try {
            notification = S3Notification.parse(message.body);
        } catch (RuntimeException e) {
            deadLetter(message, null, ErrorCategory.DATA_QUALITY, null, "malformed S3 event: " + e.getMessage());
            return List.of();
        }
        if (notification.testEvent()) {
            LOG.info("trigger {}: s3:TestEvent acknowledged and ignored", settings.routeId());
            return List.of();
        }
        int records = notification.created().size() + notification.ignored().size();
        if (records > settings.maxRecordsPerMessage()) {
            deadLetter(
                    message,
                    null,
                    ErrorCategory.DATA_QUALITY,
                    null,
                    "the message has " + records + " records; at most " + settings.maxRecordsPerMessage()
                            + " are processed per message (caravan.trigger.max-records-per-message), none of these was");
            return List.of();
        }
        notification.ignored().forEach(r -> LOG.debug("trigger {}: ignored record {}", settings.routeId(), r));
        Set<TriggerKey> keys = new LinkedHashSet<>();
        List<String> rejections = new ArrayList<>();
        for (S3Notification.Created created : notification.created()) {
            if (!bucket.name().equals(created.bucket())) {
                rejections.add("event for bucket '" + created.bucket() + "', this route reads '" + bucket.name() + "'");
                continue;
            }
            try {
                keys.add(TriggerKey.parse(created.key(), settings.customer()));
            } catch (TriggerKey.InvalidTriggerKey e) {
                rejections.add(e.getMessage());
            }
        }
        if (!rejections.isEmpty()) {
            deadLetter(message, null, ErrorCategory.DATA_QUALITY, null, rejected(rejections, records));
        }
        List<TriggerWork> work = new ArrayList<>();
        keys.forEach(k -> work.add(new TriggerWork(k, message)));
        return work;
    }

    /** HEAD the trigger: gone means the change was already handled (a duplicate or late event). */
    public void inspect(Exchange exchange) {
        TriggerWork work = exchange.getMessage().getBody(TriggerWork.class);
        exchange.setProperty(WORK, work);
        Optional<TriggerBucket.StoredObject> trigger = bucket.head(work.key.key());
        trigger.ifPresent(t -> {
            metrics.triggerAge(Duration.between(t.lastModified(), clock.instant()));
            work.triggerModified = t.lastModified();
        });
        if (trigger.isEmpty()) {
            LOG.info("trigger {}: {} is gone, already handled; skipped", settings.routeId(), work.key);
        }
        exchange.setProperty(PENDING, trigger.isPresent());
    }

    /** Loads archive/&lt;changeId&gt;.json; missing, not JSON or over the size limit fails as DATA_QUALITY. */
    public void loadArchive(Exchange exchange) {
        TriggerWork work = work(exchange);
        work.archive = bucket.loadArchive(work.key, settings.maxArchiveBytes());
    }

    /**
     * Claims &lt;changeId&gt;:&lt;customer&gt; (and &lt;changeId&gt; for the shared side effect) in the ledger. DONE
     * means an earlier delivery did the work and only its record is missing; this customer's key held by another
     * consumer is a retryable failure; a key that failed for good before fails the same way again.
     */
    public void claim(Exchange exchange) {
        TriggerWork work = work(exchange);
        List<String> keys = new ArrayList<>();
        keys.add(work.key.processingKey());
        if (settings.shared()) {
            keys.add(work.key.sharedKey());
        }
        Map<String, ClaimOutcome> outcomes = ledger.claim(settings.routeId(), keys);
        outcomes.forEach((key, outcome) -> {
            if (outcome.mustProcess()) {
                work.claimedByUs.add(key);
            }
        });
        work.processingClaim = outcomes.get(work.key.processingKey());
        work.sharedClaim = settings.shared() ? outcomes.get(work.key.sharedKey()) : null;
        if (work.processingClaim == ClaimOutcome.HELD) {
            throw new CategorizedException(
                    ErrorCategory.TRANSIENT,
                    null,
                    "ledger key " + work.key.processingKey() + " is being processed by another consumer");
        }
        // a shared key held by another customer's route is theirs to make and record; their trigger stays until then
        if (work.processingClaim == ClaimOutcome.FAILED) {
            throw new CategorizedException(
                    ErrorCategory.PERMANENT,
                    null,
                    "ledger key " + work.key.processingKey() + " failed for good before");
        }
        exchange.setProperty(MUST_PROCESS, work.processingClaim.mustProcess());
        exchange.setProperty(MUST_SHARE, work.sharedClaim != null && work.sharedClaim.mustProcess());
    }

    /**
     * The processing step's message: the archive document with idempotency key &lt;changeId&gt;:&lt;customer&gt;, as
     * an HTTP POST or a Kafka record (the route's sink).
     */
    public void prepareProcessing(Exchange exchange) {
        TriggerWork work = work(exchange);
        target.prepare(exchange, work, settings.customer(), work.key.processingKey());
    }

    /** The target acknowledged: only now the ledger records DONE. */
    public void processed(Exchange exchange) {
        TriggerWork work = work(exchange);
        work.processingOutcome = target.outcome(exchange);
        ledger.complete(List.of(Completion.done(work.key.processingKey(), work.processingOutcome)));
        work.claimedByUs.remove(work.key.processingKey());
    }

    /** The shared side effect's request: the same document POSTed with Idempotency-Key &lt;changeId&gt;. */
    public void prepareShared(Exchange exchange) {
        TriggerWork work = work(exchange);
        sharedTarget.prepare(exchange, work, settings.customer(), work.key.sharedKey());
    }

    public void sharedProcessed(Exchange exchange) {
        TriggerWork work = work(exchange);
        work.sharedOutcome = sharedTarget.outcome(exchange);
        ledger.complete(List.of(Completion.done(work.key.sharedKey(), work.sharedOutcome)));
        work.claimedByUs.remove(work.key.sharedKey());
    }

    /**
     * Appends this delivery's modification entries to the archive (conditional write; entries already there are not
     * written twice). A failure keeps the trigger: the message comes back and the record is tried again.
     */
    public void record(Exchange exchange) {
        TriggerWork work = work(exchange);
        Instant now = clock.instant();
        List<Modification> entries = new ArrayList<>();
        String processing = work.processingOutcome != null
                ? work.processingOutcome
                : ledgerResult(work.key.processingKey()).orElse("done");
        entries.add(new Modification(
                Modification.PROCESSED,
                settings.customer(),
                now,
                processing,
                work.key.processingKey(),
                work.message.messageId));
        if (settings.shared()) {
            String shared = work.sharedOutcome;
            if (shared == null) {
                // done by an earlier delivery of this route whose record is missing; another customer's is theirs
                shared = ledger.find(work.key.sharedKey())
                        .filter(e -> e.status() == LedgerStatus.DONE
                                && settings.routeId().equals(e.routeId()))
                        .map(e -> e.resultRef() == null ? "done" : e.resultRef())
                        .orElse(null);
            }
            if (shared != null) {
                entries.add(new Modification(
                        Modification.SHARED_PROCESSED,
                        settings.customer(),
                        now,
                        shared,
                        work.key.sharedKey(),
                        work.message.messageId));
            }
        }
        try {
            bucket.append(work.key, settings.maxArchiveBytes(), entries, work.archive);
        } catch (RuntimeException e) {
            metrics.archiveUpdateFailed();
            throw e;
        }
    }

    /** Deletes the trigger; a failure is only logged: the outcome is recorded, and the sweeper finds the trigger. */
    public void deleteTrigger(Exchange exchange) {
        TriggerWork work = work(exchange);
        try {
            bucket.delete(work.key.key());
            LOG.info(
                    "trigger {}: {} processed and recorded in {}", settings.routeId(), work.key, work.key.archiveKey());
        } catch (RuntimeException e) {
            metrics.triggerDeleteFailed();
            LOG.warn(
                    "trigger {}: {} processed and recorded, but deleting the trigger failed ({}); acknowledging, the orphan sweeper will find it",
                    settings.routeId(),
                    work.key,
                    e.getMessage());
        }
    }

    /** Deletes the SQS message, unless a trigger of it must come back. */
    public void acknowledge(Exchange exchange) {
        TriggerMessage message = exchange.getProperty(MESSAGE, TriggerMessage.class);
        Duration took = Duration.ofNanos(System.nanoTime() - message.receivedNanos);
        if (message.mustRedeliver()) {
            metrics.processed("redelivery", took);
            LOG.info(
                    "trigger {}: message {} not acknowledged, it returns after the visibility timeout: {}",
                    settings.routeId(),
                    message.messageId,
                    message.redeliveryReason());
            return;
        }
        deleteMessage(message);
        metrics.processed("acknowledged", took);
    }

    /**
     * The route's error handler (routes/caravan-trigger-errors.yaml): retryable failures leave the trigger and the
     * message for redelivery; permanent and data-quality failures are recorded in the archive and dead_letter, the
     * trigger is quarantined and the message acknowledged.
     */
    public void failed(Exchange exchange) {
        Throwable failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        Classification c = classifier.classify(failure);
        TriggerMessage message = exchange.getProperty(MESSAGE, TriggerMessage.class);
        TriggerWork work = exchange.getProperty(WORK, TriggerWork.class);
        if (message == null) {
            LOG.warn("trigger {}: failed before the message was read: {}", settings.routeId(), c.reason());
            return;
        }
        if (work == null) {
            message.redeliver(c.category() + ": " + c.reason());
            LOG.warn(
                    "trigger {}: message {} failed: {} {}",
                    settings.routeId(),
                    message.messageId,
                    c.category(),
                    c.reason());
            return;
        }
        if (c.category().retryable() || c.category() == ErrorCategory.SYSTEM) {
            release(work);
            message.redeliver(work.key + " " + c.category() + ": " + c.reason());
            LOG.warn(
                    "trigger {}: {} failed ({}): {}; trigger kept, message left for redelivery",
                    settings.routeId(),
                    work.key,
                    c.category(),
                    c.reason());
            return;
        }
        // this customer's key fails for good; a shared key is released, so another customer can still make it
        if (work.claimedByUs.remove(work.key.processingKey())) {
            ledger.complete(List.of(Completion.failed(work.key.processingKey(), truncate(c.reason(), 1000))));
        }
        release(work);
        Modification entry = new Modification(
                Modification.FAILED,
                settings.customer(),
                clock.instant(),
                c.category().name(),
                work.key.processingKey(),
                truncate(c.reason(), 1000));
        try {
            bucket.append(work.key, settings.maxArchiveBytes(), List.of(entry));
        } catch (CategorizedException e) {
            if (e.category().retryable()) {
                metrics.archiveUpdateFailed();
                message.redeliver(work.key + ": recording the failure in the archive failed: " + e.getMessage());
                LOG.warn(
                        "trigger {}: {} failed for good, but the archive could not record it yet ({}); trigger kept",
                        settings.routeId(),
                        work.key,
                        e.getMessage());
                return;
            }
            LOG.warn(
                    "trigger {}: {} failed for good; the archive cannot record it: {}",
                    settings.routeId(),
                    work.key,
                    e.getMessage());
        } catch (RuntimeException e) {
            // the archive itself is missing, not JSON or too large: dead_letter keeps the record
            LOG.warn(
                    "trigger {}: {} failed for good; the archive cannot record it: {}",
                    settings.routeId(),
                    work.key,
                    e.getMessage());
        }
        deadLetter(message, work.key, c.category(), c.statusCode(), work.key + ": " + c.reason());
        String quarantine = work.key.quarantineKey(settings.quarantinePrefix());
        try {
            bucket.quarantine(work.key.key(), quarantine);
            LOG.warn("trigger {}: {} moved to {} ({})", settings.routeId(), work.key, quarantine, c.reason());
        } catch (RuntimeException e) {
            message.redeliver(work.key + ": quarantine failed: " + e.getMessage());
            LOG.warn(
                    "trigger {}: moving {} to {} failed ({}); message left for redelivery",
                    settings.routeId(),
                    work.key,
                    quarantine,
                    e.getMessage());
        }
    }

    /** One reason for all rejected records of a message: the reason itself when there is one, else a bounded list. */
    static String rejected(List<String> rejections, int records) {
        if (rejections.size() == 1) {
            return truncate(rejections.get(0), MAX_REJECTION_CHARS);
        }
        StringBuilder reason = new StringBuilder()
                .append(rejections.size())
                .append(" of ")
                .append(records)
                .append(" records rejected: ");
        for (int i = 0; i < Math.min(rejections.size(), MAX_LISTED_REJECTIONS); i++) {
            reason.append(i == 0 ? "" : "; ").append(truncate(rejections.get(i), MAX_REJECTION_CHARS));
        }
        if (rejections.size() > MAX_LISTED_REJECTIONS) {
            reason.append("; and ")
                    .append(rejections.size() - MAX_LISTED_REJECTIONS)
                    .append(" more");
        }
        return reason.toString();
    }

    /** Sends the notification S3 would have sent for the trigger (the orphan sweeper's re-drive). */
    void send(String notification) {
        sqs.sendMessage(b -> b.queueUrl(queueUrl()).messageBody(notification));
    }

    String queueUrl() {
        String url = queueUrl;
        if (url == null) {
            url = sqs.getQueueUrl(b -> b.queueName(settings.queue())).queueUrl();
            queueUrl = url;
        }
        return url;
    }

    void deadLetter(TriggerMessage message, TriggerKey key, ErrorCategory category, Integer status, String reason) {
        long id = deadLetters.record(DeadLetter.of(
                settings.routeId(),
                message == null ? null : message.messageId,
                key == null ? null : key.processingKey(),
                category.name(),
                status,
                reason,
                1,
                message == null ? null : message.body,
                Map.of()));
        metrics.deadLettered(category.name());
        LOG.warn(
                "dead letter route={} key={} category={} deadLetterId={} reason={}",
                settings.routeId(),
                key,
                category,
                id,
                reason);
    }

    private void deleteMessage(TriggerMessage message) {
        if (message.receiptHandle == null) {
            return;
        }
        sqs.deleteMessage(b -> b.queueUrl(queueUrl()).receiptHandle(message.receiptHandle));
    }

    private void release(TriggerWork work) {
        for (String key : work.claimedByUs) {
            try {
                ledger.remove(key);
            } catch (RuntimeException e) {
                LOG.warn(
                        "trigger {}: releasing ledger key {} failed; its lease runs out instead: {}",
                        settings.routeId(),
                        key,
                        e.getMessage());
            }
        }
        work.claimedByUs.clear();
    }

    private Optional<String> ledgerResult(String key) {
        return ledger.find(key).map(LedgerEntry::resultRef);
    }

    private static TriggerWork work(Exchange exchange) {
        return exchange.getProperty(WORK, TriggerWork.class);
    }

    private static Optional<Instant> sentTimestamp(Message in) {
        Object attributes = in.getHeader(ATTRIBUTES);
        if (attributes instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (String.valueOf(e.getKey()).equals("SentTimestamp")) {
                    try {
                        return Optional.of(Instant.ofEpochMilli(Long.parseLong(String.valueOf(e.getValue()))));
                    } catch (NumberFormatException ignored) {
                        return Optional.empty();
                    }
                }
            }
        }
        return Optional.empty();
    }

    private static String truncate(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max) + "…";
    }
}
