package io.caravan.feed;

import io.caravan.execution.ExecutionItem;

/** A row the ledger gave to this execution to deliver: its JSON payload, idempotency key and place in the page. */
public record Delivery(SourceRow row, String json, String key, int index) implements ExecutionItem {}
