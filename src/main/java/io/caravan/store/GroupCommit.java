package io.caravan.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * Group commit: callers that each write one item at about the same time share one transaction. A caller submits its
 * item and waits for that item's result. When no batch is being written, the caller writes at once, alone; while a
 * batch is being written, the items that arrive meanwhile queue, and when it ends the first of them writes them all
 * in the next batch. No thread of its own: a caller that waits is woken with its result or with the turn to write.
 *
 * <p>So one caller alone pays one transaction as before, and N concurrent callers pay about one transaction per batch
 * instead of N. Each caller still returns only after its own item is written (or its batch failed: then every caller
 * of that batch gets the failure).
 *
 * @param <T> what a caller writes
 * @param <R> what it gets back
 */
public final class GroupCommit<T, R> {
    /** Writes a batch in one transaction; returns one result per item, in the same order. */
    private final Function<List<T>, List<R>> write;

    private final int maxBatch;
    private final Object lock = new Object();
    private List<Pending<T, R>> queue = new ArrayList<>();
    private boolean writing;

    public GroupCommit(int maxBatch, Function<List<T>, List<R>> write) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be at least 1, was " + maxBatch);
        }
        this.maxBatch = maxBatch;
        this.write = Objects.requireNonNull(write, "write");
    }

    /**
     * Writes the item, alone or in a batch with others, and returns its result.
     *
     * @throws RuntimeException what the batch's write threw
     */
    public R submit(T item) {
        Pending<T, R> mine = new Pending<>(item);
        boolean lead;
        synchronized (lock) {
            queue.add(mine);
            lead = !writing;
            writing = true;
        }
        if (!lead) {
            mine.turn.join(); // woken when its item is written, or when it is this caller's turn to write
        }
        if (!mine.result.isDone()) {
            writeNextBatch();
        }
        try {
            return mine.result.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    /** Takes up to maxBatch queued items (this caller's among them), writes them, and hands the turn on. */
    private void writeNextBatch() {
        List<Pending<T, R>> batch;
        synchronized (lock) {
            if (queue.size() <= maxBatch) {
                batch = queue;
                queue = new ArrayList<>();
            } else {
                batch = new ArrayList<>(queue.subList(0, maxBatch));
                queue = new ArrayList<>(queue.subList(maxBatch, queue.size()));
            }
        }
        try {
            List<R> results = write.apply(batch.stream().map(p -> p.item).toList());
            if (results.size() != batch.size()) {
                throw new IllegalStateException(
                        "a batch of " + batch.size() + " items was written with " + results.size() + " results");
            }
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).result.complete(results.get(i));
            }
        } catch (RuntimeException | Error e) {
            batch.forEach(p -> p.result.completeExceptionally(e));
        } finally {
            Pending<T, R> next = null;
            synchronized (lock) {
                if (queue.isEmpty()) {
                    writing = false;
                } else {
                    next = queue.get(0);
                }
            }
            batch.forEach(p -> p.turn.complete(null));
            if (next != null) {
                next.turn.complete(null);
            }
        }
    }

    private static final class Pending<T, R> {
        final T item;
        /** Completed when this caller's item is written or it is this caller's turn to write. */
        final CompletableFuture<Void> turn = new CompletableFuture<>();

        final CompletableFuture<R> result = new CompletableFuture<>();

        Pending(T item) {
            this.item = item;
        }
    }
}
