package io.caravan.drain;

import io.caravan.execution.ExecutionItem;
import org.apache.kafka.common.TopicPartition;

/**
 * One event polled from the inbox: where it sits (partition, offset), the ledger key of its delivery, and what
 * is POSTed (the body as the sender signed it, and its webhook-id). {@code rejection} says why a record that the
 * inbound receiver did not seal is never delivered; it is null for an authentic event.
 */
public record InboxEvent(
        TopicPartition partition, long offset, String key, String webhookId, String body, int index, String rejection)
        implements ExecutionItem {

    /** Whether the inbound receiver's seal verified: only then the event is claimed and delivered. */
    public boolean authentic() {
        return rejection == null;
    }
}
