package io.caravan.drain;

import org.apache.kafka.common.TopicPartition;

/**
 * One event polled from the inbox: where it sits (partition, offset), the ledger key of its delivery, and what
 * is POSTed (the body as the sender signed it, and its webhook-id).
 */
public record InboxEvent(TopicPartition partition, long offset, String key, String webhookId, String body, int index) {}
