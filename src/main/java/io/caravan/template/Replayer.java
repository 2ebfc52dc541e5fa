package io.caravan.template;

import io.caravan.store.DeadLetter;

/**
 * How a running route sends one of its dead letters again, for the replay worker: through the route's own outbound
 * path, under the entry's original key (Idempotency-Key, webhook-id). The worker claims {@link #ledgerKey} in the
 * ledger before it calls {@link #resend} and completes it after, so a key already delivered is never sent twice.
 */
public interface Replayer {

    /**
     * The ledger key this route records the entry's delivery under.
     *
     * @throws IllegalArgumentException when the entry cannot be replayed (no key), saying why
     */
    String ledgerKey(DeadLetter letter);

    /**
     * True for a re-drive: the route processes the entry again itself, claiming its key in its own ledger path (the
     * transient trigger). The worker then only checks the key (DONE: already delivered), releases the claim it took
     * before {@link #resend}, and records the entry REPLAYED once the re-drive is handed over.
     */
    default boolean routeClaims() {
        return false;
    }

    /** Sends the entry's payload again; returns normally only when the peer accepted it (2xx, broker ack). */
    void resend(DeadLetter letter) throws Exception;
}
