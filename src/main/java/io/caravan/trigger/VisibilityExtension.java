package io.caravan.trigger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.support.SynchronizationAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchResponse;

/**
 * Keeps the SQS messages one trigger route is processing hidden until their exchange completes, on a scheduler all
 * trigger rows share. It does what aws2-sqs's {@code extendMessageVisibility=true} does (same period, same 80 %
 * deadline, same batches of ten), without the scheduler thread that option starts for every consumer.
 *
 * <p>The route's first step registers the message; when its exchange completes, successfully or not, the message is
 * no longer extended, so an unacknowledged message comes back one visibility timeout after its last extension, as
 * before.
 */
final class VisibilityExtension implements Processor, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VisibilityExtension.class);
    private static final String RECEIPT_HANDLE = "CamelAwsSqsReceiptHandle";
    private static final int MAX_BATCH = 10;

    private final String routeId;
    private final SqsClient sqs;
    private final Supplier<String> queueUrl;
    private final int visibilitySeconds;
    private final long periodSeconds;
    private final Clock clock;
    private final Map<String, InFlight> inFlight = new ConcurrentHashMap<>();
    private final ScheduledFuture<?> extending;

    /** An in-flight message: its receipt handle and when it must be extended at the latest. */
    private record InFlight(String receiptHandle, Instant extendBy) {}

    VisibilityExtension(
            String routeId,
            SqsClient sqs,
            Supplier<String> queueUrl,
            Duration visibilityTimeout,
            ScheduledExecutorService scheduler,
            Clock clock) {
        this.routeId = routeId;
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.visibilitySeconds = (int) Math.max(1, visibilityTimeout.toSeconds());
        this.periodSeconds = Math.max(1, visibilitySeconds / 2);
        this.clock = clock;
        this.extending = scheduler.scheduleAtFixedRate(this::extendDue, periodSeconds, periodSeconds, TimeUnit.SECONDS);
    }

    /** The route's first step: the exchange's message is kept hidden until the exchange completes. */
    @Override
    public void process(Exchange exchange) {
        String handle = exchange.getIn().getHeader(RECEIPT_HANDLE, String.class);
        if (handle == null) {
            return;
        }
        String id = exchange.getExchangeId();
        inFlight.put(id, new InFlight(handle, extendBy()));
        exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
            @Override
            public void onDone(Exchange done) {
                inFlight.remove(id);
            }
        });
    }

    /** Messages being processed now. */
    int inFlight() {
        return inFlight.size();
    }

    /** Extends, in batches of ten, every message whose deadline falls before the next run. */
    void extendDue() {
        Instant nextRun = clock.instant().plusSeconds(periodSeconds);
        List<ChangeMessageVisibilityBatchRequestEntry> due = new ArrayList<>();
        inFlight.forEach((id, m) -> {
            if (m.extendBy().isBefore(nextRun)) {
                due.add(ChangeMessageVisibilityBatchRequestEntry.builder()
                        .id(id)
                        .receiptHandle(m.receiptHandle())
                        .visibilityTimeout(visibilitySeconds)
                        .build());
            }
        });
        for (int from = 0; from < due.size(); from += MAX_BATCH) {
            extend(due.subList(from, Math.min(due.size(), from + MAX_BATCH)));
        }
    }

    private void extend(List<ChangeMessageVisibilityBatchRequestEntry> batch) {
        try {
            ChangeMessageVisibilityBatchResponse response = sqs.changeMessageVisibilityBatch(
                    b -> b.queueUrl(queueUrl.get()).entries(batch));
            Instant extendBy = extendBy();
            response.successful()
                    .forEach(ok ->
                            inFlight.computeIfPresent(ok.id(), (id, m) -> new InFlight(m.receiptHandle(), extendBy)));
            for (BatchResultErrorEntry failed : response.failed()) {
                // an invalid handle: the message was deleted (acknowledged) meanwhile
                if (!"ReceiptHandleIsInvalid".equals(failed.code())) {
                    LOG.warn(
                            "trigger {}: extending the visibility of a message failed ({}: {}); it may be received again",
                            routeId,
                            failed.code(),
                            failed.message());
                }
            }
        } catch (RuntimeException e) {
            // tried again on the next run while the deadline allows; a message that reappears is handled once (ledger)
            LOG.warn(
                    "trigger {}: extending the visibility of {} message(s) failed: {}",
                    routeId,
                    batch.size(),
                    e.toString());
        }
    }

    /** 80 % of the visibility timeout from now, as aws2-sqs does, leaving room for the call itself. */
    private Instant extendBy() {
        return clock.instant().plusMillis(visibilitySeconds * 800L);
    }

    @Override
    public void close() {
        extending.cancel(false);
        inFlight.clear();
    }
}
