package io.caravan.trigger;

import java.util.concurrent.atomic.AtomicReference;

/**
 * One SQS message while the route handles it, shared by the split's sub-exchanges: whether any of its triggers must
 * come back (then the message is not acknowledged) and why.
 */
final class TriggerMessage {
    final String messageId;
    final String receiptHandle;
    final String body;
    final long receivedNanos = System.nanoTime();
    private final AtomicReference<String> redeliveryReason = new AtomicReference<>();

    TriggerMessage(String messageId, String receiptHandle, String body) {
        this.messageId = messageId;
        this.receiptHandle = receiptHandle;
        this.body = body;
    }

    /** Leaves the message unacknowledged: it becomes visible again after the visibility timeout. */
    void redeliver(String reason) {
        redeliveryReason.compareAndSet(null, reason);
    }

    boolean mustRedeliver() {
        return redeliveryReason.get() != null;
    }

    String redeliveryReason() {
        return redeliveryReason.get();
    }
}
