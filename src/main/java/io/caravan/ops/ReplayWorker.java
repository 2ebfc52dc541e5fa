package io.caravan.ops;

import io.caravan.config.Reconciler;
import io.caravan.errors.Classification;
import io.caravan.errors.ErrorClassifier;
import io.caravan.store.ClaimOutcome;
import io.caravan.store.Completion;
import io.caravan.store.DeadLetter;
import io.caravan.store.DeadLetters;
import io.caravan.store.IdempotencyLedger;
import io.caravan.store.ReplayRequest;
import io.caravan.store.ReplayRequests;
import io.caravan.template.Replayer;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replay worker, the step of the route {@code caravan-replay-worker} (routes/replay-worker.yaml): on each tick it
 * leases the oldest unfinished replay request and works through its dead letters in id order for a few seconds, at
 * most {@code maxPerSecond} sends a second. Each entry goes through the ledger and its route's own {@link Replayer}:
 *
 * <ul>
 *   <li>key DONE: ALREADY_DELIVERED, nothing sent;
 *   <li>key new, orphaned or FAILED (re-opened): sent under its original key; REPLAYED and the key DONE, or
 *       FAILED_AGAIN with the reason and the key FAILED;
 *   <li>key held by a live owner: the request waits at this entry and tries it again on a later tick;
 *   <li>route not running, no replayer, no key, payload cut by the store's cap: FAILED_AGAIN with the reason.
 * </ul>
 *
 * <p>The outcome, the ledger completion and the request's cursor are written in one transaction, so a crash between
 * two entries resumes after the last one recorded, and a crash during a send is judged again through the ledger under
 * the same key (a second send is possible, never under another key).
 */
public final class ReplayWorker {
    public static final String BEAN = "caravanReplayWorker";
    /** How long one tick works before it gives the thread back (the request stays leased and resumes next tick). */
    static final Duration TICK = Duration.ofSeconds(5);

    static final int BATCH = 20;

    private static final Logger LOG = LoggerFactory.getLogger(ReplayWorker.class);

    private final ReplayRequests requests;
    private final DeadLetters deadLetters;
    private final IdempotencyLedger ledger;
    private final Reconciler reconciler;
    private final MeterRegistry meters;
    private final Duration lease;
    private final ErrorClassifier classifier = new ErrorClassifier();

    ReplayWorker(
            ReplayRequests requests,
            DeadLetters deadLetters,
            IdempotencyLedger ledger,
            Reconciler reconciler,
            MeterRegistry meters,
            Duration lease) {
        this.requests = requests;
        this.deadLetters = deadLetters;
        this.ledger = ledger;
        this.reconciler = reconciler;
        this.meters = meters;
        this.lease = lease;
    }

    /** The route step. Failures are logged; the request stays leased and is taken up again. */
    public void work() {
        try {
            requests.lease(ledger.owner(), lease).ifPresent(this::work);
        } catch (RuntimeException e) {
            LOG.error("replay worker: a tick failed; the request resumes at its cursor", e);
        }
    }

    private void work(ReplayRequest request) {
        long started = System.nanoTime();
        long spacingNanos = 1_000_000_000L / request.maxPerSecond();
        long lastSend = 0;
        long cursor = request.cursorId();
        while (System.nanoTime() - started < TICK.toNanos()) {
            List<DeadLetter> batch = deadLetters.matching(request.filter(), cursor, BATCH);
            if (batch.isEmpty()) {
                if (requests.finish(request.id(), ledger.owner())) {
                    LOG.info("replay {} done", request.id());
                }
                return;
            }
            for (DeadLetter letter : batch) {
                long wait = lastSend + spacingNanos - System.nanoTime();
                if (lastSend != 0 && wait > 0) {
                    sleep(wait);
                }
                Result result = replay(request, letter);
                if (result == null) {
                    return; // its key is held: wait at this entry
                }
                lastSend = result.sent() ? System.nanoTime() : lastSend;
                boolean ours = requests.record(
                        request,
                        ledger.owner(),
                        lease,
                        letter.id(),
                        result.outcome(),
                        result.reason(),
                        ledger,
                        result.completion());
                count(result.outcome(), letter.routeId());
                if (!ours) {
                    LOG.info(
                            "replay {} was cancelled or taken over; stopping at dead letter {}",
                            request.id(),
                            letter.id());
                    return;
                }
                cursor = letter.id();
                if (System.nanoTime() - started >= TICK.toNanos()) {
                    return;
                }
            }
        }
    }

    /** The outcome of one entry, or null when its key is held by a live owner (try again later). */
    private Result replay(ReplayRequest request, DeadLetter letter) {
        String route = letter.routeId();
        Optional<Replayer> replayer = reconciler.replayer(route);
        if (replayer.isEmpty()) {
            return Result.failed(
                    reconciler.running().contains(route)
                            ? "route " + route + " has no replayer for its family"
                            : "route " + route + " is not running");
        }
        if (letter.payload() == null) {
            return Result.failed("the dead letter has no payload to send");
        }
        if (letter.payloadTruncated()) {
            return Result.failed("the stored payload is a prefix (" + letter.payloadSize()
                    + " bytes originally, sha256 " + letter.payloadSha256() + "); it cannot be sent again");
        }
        String key;
        try {
            key = replayer.get().ledgerKey(letter);
        } catch (IllegalArgumentException e) {
            return Result.failed(e.getMessage());
        }
        ClaimOutcome claim = ledger.claimForReplay(route, key);
        switch (claim) {
            case DONE:
                return new Result(DeadLetter.ALREADY_DELIVERED, "key " + key + " is already DONE", null, false);
            case HELD:
            case FAILED:
                requests.renew(
                        request.id(),
                        ledger.owner(),
                        lease,
                        "waiting at dead letter " + letter.id() + ": key " + key + " is in progress elsewhere");
                return null;
            default:
                break;
        }
        String ref = "replay:" + request.id();
        if (replayer.get().routeClaims()) {
            return redrive(request, letter, replayer.get(), key);
        }
        try {
            replayer.get().resend(letter);
            LOG.info("replay {}: dead letter {} of {} re-sent under key {}", request.id(), letter.id(), route, key);
            return new Result(DeadLetter.REPLAYED, null, Completion.done(key, ref), true);
        } catch (Exception e) {
            Classification c = classifier.classify(e);
            LOG.warn(
                    "replay {}: dead letter {} of {} failed again under key {}: {}",
                    request.id(),
                    letter.id(),
                    route,
                    key,
                    c.reason());
            return new Result(
                    DeadLetter.FAILED_AGAIN, c.category() + ": " + c.reason(), Completion.failed(key, ref), true);
        }
    }

    /**
     * A re-drive: the key is released first (the route must be able to claim it; a crash before the re-drive leaves
     * it absent or, after the release, nothing), then the route is handed the entry again.
     */
    private Result redrive(ReplayRequest request, DeadLetter letter, Replayer replayer, String key) {
        ledger.remove(key);
        try {
            replayer.resend(letter);
            LOG.info(
                    "replay {}: dead letter {} of {} re-driven (key {})",
                    request.id(),
                    letter.id(),
                    letter.routeId(),
                    key);
            return new Result(DeadLetter.REPLAYED, "re-driven: the route processes it again", null, true);
        } catch (Exception e) {
            Classification c = classifier.classify(e);
            return new Result(DeadLetter.FAILED_AGAIN, c.category() + ": " + c.reason(), null, true);
        }
    }

    private void count(String outcome, String route) {
        String name =
                switch (outcome) {
                    case DeadLetter.REPLAYED -> "caravan.replay.resent";
                    case DeadLetter.ALREADY_DELIVERED -> "caravan.replay.already.delivered";
                    default -> "caravan.replay.failed.again";
                };
        meters.counter(name, "route", route).increment();
    }

    private static void sleep(long nanos) {
        try {
            Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private record Result(String outcome, String reason, Completion completion, boolean sent) {
        static Result failed(String reason) {
            return new Result(DeadLetter.FAILED_AGAIN, reason, null, false);
        }
    }
}
