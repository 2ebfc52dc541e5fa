package io.caravan.feed;

import io.caravan.store.DeadLetters;
import io.caravan.store.ExecutionLog;
import io.caravan.store.IdempotencyLedger;
import io.caravan.store.Watermarks;
import javax.sql.DataSource;

/** The stores a feed works with; {@code dataSource} joins ledger completion and watermark advance in one transaction. */
public record FeedStores(
        DataSource dataSource,
        IdempotencyLedger ledger,
        Watermarks watermarks,
        ExecutionLog executionLog,
        DeadLetters deadLetters) {}
