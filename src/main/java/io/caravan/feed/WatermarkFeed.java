package io.caravan.feed;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.caravan.errors.CaravanExchange;
import io.caravan.errors.ErrorCategory;
import io.caravan.execution.ExecutionFinish;
import io.caravan.execution.RowOutcome;
import io.caravan.store.ClaimOutcome;
import io.caravan.store.Completion;
import io.caravan.store.DeadLetter;
import io.caravan.store.DeadLetters;
import io.caravan.store.ExecutionLog;
import io.caravan.store.ExecutionStatus;
import io.caravan.store.IdempotencyLedger;
import io.caravan.store.LedgerStatus;
import io.caravan.store.RereadCursor;
import io.caravan.store.RereadCursors;
import io.caravan.store.Watermark;
import io.caravan.store.Watermarks;
import io.caravan.template.DrainBudget;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Java side of the watermark-feed template (T3): each method is one step of routes/watermark-feed.yaml.
 * One instance per route_config row.
 *
 * <p>Per cycle: read a keyset page after the cursor, claim the rows' keys in the ledger in one batch, deliver the
 * claimed rows (the route does that), then complete the ledger, advance the watermark and record the execution's
 * counts in one transaction, only past rows whose outcome is recorded.
 *
 * <p>An execution reads in passes ({@link ReadPass}): forward from the watermark up to the source's commit horizon;
 * where the source gives no horizon, first a bounded re-check of the overlap window behind the watermark; and on its
 * own schedule, instead of both, the reconciliation backstop over a longer window. A row found behind the watermark
 * whose key the ledger does not know committed late: it is delivered, counted and logged.
 */
public final class WatermarkFeed {
    public static final String EXECUTION = "caravanFeedExecution";
    public static final String DELIVERY = "caravanFeedDelivery";
    public static final String DELIVERED = "caravanFeedDelivered";
    /** Forward pages of pure duplicates (rows delivered past a held row) cost no cycle; this caps them. */
    static final int MAX_FREE_PAGES = 1000;
    /** Executions in a row with rows waiting and no progress after which the feed reports itself stalled. */
    static final int STALL_AFTER = 3;
    /** Re-logs a horizon held back, or read past, at most this often. */
    static final Duration HORIZON_WARN_EVERY = Duration.ofMinutes(1);

    private static final Logger LOG = LoggerFactory.getLogger(WatermarkFeed.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String routeId;
    private final FeedSource source;
    private final DrainBudget budget;
    private final CommitHorizon horizon;
    private final RereadPolicy reread;
    private final RowRules rules;
    private final FeedSink sink;
    private final DataSource store;
    private final IdempotencyLedger ledger;
    private final Watermarks watermarks;
    private final ExecutionLog executionLog;
    private final DeadLetters deadLetters;
    private final RereadCursors rereadCursors;
    private final FeedMetrics metrics;
    private final Clock clock;
    private final ExecutionFinish finish;
    private int executionsWithoutProgress;
    private Instant lastHoldWarning = Instant.MIN;
    private String lastHorizonNote;

    WatermarkFeed(
            String routeId,
            FeedSource source,
            DrainBudget budget,
            CommitHorizon horizon,
            RereadPolicy reread,
            RowRules rules,
            FeedSink sink,
            FeedStores stores,
            FeedMetrics metrics,
            Clock clock) {
        this.routeId = routeId;
        this.source = source;
        this.budget = budget;
        this.horizon = horizon;
        this.reread = reread;
        this.rules = rules;
        this.sink = sink;
        this.store = stores.dataSource();
        this.ledger = stores.ledger();
        this.watermarks = stores.watermarks();
        this.executionLog = stores.executionLog();
        this.deadLetters = stores.deadLetters();
        this.rereadCursors = new RereadCursors(store);
        this.metrics = metrics;
        this.clock = clock;
        this.finish = new ExecutionFinish(executionLog, LOG, "feed", routeId, false);
        watermarks.find(routeId).ifPresent(metrics::watermark);
        int abandoned = executionLog.abandonRunning(
                routeId,
                "the process running it ended before it finished; "
                        + "its rows are re-read and in-progress keys are taken over after their lease");
        if (abandoned > 0) {
            LOG.warn(
                    "feed {}: {} execution(s) left RUNNING by an ended process are now INCOMPLETE", routeId, abandoned);
        }
    }

    /**
     * Opens an execution: an execution_log row, and the first pass: the backstop when it is due, else the overlap
     * re-check when the source gives no commit horizon, else forward from the watermark.
     */
    public void begin(Exchange exchange) {
        Watermark wm = watermarks.find(routeId).orElse(Watermark.ORIGIN);
        metrics.watermark(wm);
        FeedExecution execution;
        Optional<RereadCursor> reconcile = reconcileDue(wm);
        if (reconcile.isPresent()) {
            execution = new FeedExecution(
                    executionLog.begin(routeId), wm, Horizon.none(null), ReadPass.RECONCILE, reconcile.get());
        } else {
            Horizon h = horizon();
            Optional<RereadCursor> overlap = h.overlapNeeded() ? overlapFrom(wm) : Optional.empty();
            // no re-read lap: forward from the watermark
            RereadCursor lap = overlap.orElseGet(() -> RereadCursor.between(clock.instant()));
            execution = new FeedExecution(
                    executionLog.begin(routeId), wm, h, overlap.isPresent() ? ReadPass.OVERLAP : ReadPass.FORWARD, lap);
        }
        exchange.setProperty(EXECUTION, execution);
        exchange.setProperty(CaravanExchange.ROUTE_ID, routeId);
        exchange.setProperty(CaravanExchange.CORRELATION_ID, routeId + "/" + execution.id());
        metrics.executions.increment();
    }

    /** The source's commit horizon for this execution; when it cannot be found, the overlap re-check stands in. */
    private Horizon horizon() {
        Horizon h;
        try {
            h = horizon.find();
        } catch (Exception e) {
            h = Horizon.none("commit horizon unavailable (" + e.getMessage() + ")");
        }
        metrics.horizonHold(h.hold());
        Instant now = clock.instant();
        // one WARN per kind of trouble, not per changing age or count in its text
        String note = h.note() == null ? null : h.note().replaceAll("[0-9.]+", "#");
        if (note != null && !note.equals(lastHorizonNote)) {
            LOG.warn("feed {}: {}", routeId, h.note());
        } else if (h.note() == null && lastHorizonNote != null) {
            LOG.info("feed {}: the commit horizon is back", routeId);
        }
        lastHorizonNote = note;
        boolean longHold = h.hold().compareTo(reread.maxHorizonWait().dividedBy(4)) > 0;
        if (h.note() == null && longHold && !now.isBefore(lastHoldWarning.plus(HORIZON_WARN_EVERY))) {
            lastHoldWarning = now;
            LOG.warn(
                    "feed {}: a source transaction open for {} holds the commit horizon back at {}; rows after it "
                            + "wait until it ends, or until maxHorizonWait {} has passed",
                    routeId,
                    TransactionHorizon.seconds(h.hold()),
                    h.before(),
                    reread.maxHorizonWait());
        }
        return h;
    }

    /** Where the overlap re-check resumes: its saved lap, but never before the window; empty when there is none. */
    private Optional<RereadCursor> overlapFrom(Watermark wm) {
        if (wm.equals(Watermark.ORIGIN) || reread.overlap().isZero()) {
            return Optional.empty();
        }
        Watermark windowStart = windowStart(wm, reread.overlap());
        Optional<RereadCursor> saved = rereadCursors.find(routeId, ReadPass.OVERLAP.name());
        if (saved.isPresent() && saved.get().lapInProgress()) {
            Watermark at = saved.get().position().orElseThrow();
            if (at.compareTo(wm) < 0) {
                return Optional.of(saved.get().withPosition(at.compareTo(windowStart) > 0 ? at : windowStart));
            }
        }
        return Optional.of(RereadCursor.between(clock.instant()).withPosition(windowStart));
    }

    /** Where the backstop starts or resumes when it is due; empty when it is not (or is off). */
    private Optional<RereadCursor> reconcileDue(Watermark wm) {
        if (!reread.reconciles()) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        Optional<RereadCursor> saved = rereadCursors.find(routeId, ReadPass.RECONCILE.name());
        if (saved.isEmpty()) {
            // the first lap is due one period after the feed first ran
            rereadCursors.save(routeId, ReadPass.RECONCILE.name(), RereadCursor.between(now));
            return Optional.empty();
        }
        if (saved.get().lapInProgress()) {
            return saved;
        }
        if (now.isBefore(saved.get().lapStartedAt().plus(reread.reconcileEvery())) || wm.equals(Watermark.ORIGIN)) {
            return Optional.empty();
        }
        return Optional.of(RereadCursor.between(now).withPosition(windowStart(wm, reread.reconcileWindow())));
    }

    private static Watermark windowStart(Watermark wm, Duration window) {
        Watermark start = new Watermark(wm.updatedAt().minus(window), "");
        return start.compareTo(Watermark.ORIGIN) < 0 ? Watermark.ORIGIN : start;
    }

    /** Reads the next page and claims its keys; the body becomes the rows this execution must deliver. */
    public List<Delivery> nextPage(Exchange exchange) {
        FeedExecution execution = execution(exchange);
        forgetOutcome(exchange);
        try {
            List<SourceRow> read = source.page(execution.cursor(), budget.maxReturnedEvents());
            List<SourceRow> rows = new ArrayList<>(read.size());
            int forwardFrom = within(execution, read, rows);
            execution.startPage(
                    rows,
                    forwardFrom,
                    read.size(),
                    read.isEmpty()
                            ? execution.cursor()
                            : read.get(read.size() - 1).position());
            metrics.read.increment(read.size());
            List<String> payloads = new ArrayList<>(rows.size());
            List<RowRules.Judgement> judgements = new ArrayList<>(rows.size());
            List<String> keys = new ArrayList<>(rows.size());
            for (SourceRow row : rows) {
                String json = JSON.writeValueAsString(row.data());
                RowRules.Judgement judgement = rules.judge(row, json);
                payloads.add(json);
                judgements.add(judgement);
                keys.add(judgement.ledgerKey());
            }
            Map<String, ClaimOutcome> claims = rows.isEmpty() ? Map.of() : ledger.claim(routeId, keys);
            List<Delivery> deliveries = new ArrayList<>();
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < rows.size(); i++) {
                RowRules.Judgement judgement = judgements.get(i);
                String key = judgement.ledgerKey();
                ClaimOutcome claim = claims.get(key);
                if (!seen.add(key)) {
                    execution.outcome(i, key, RowOutcome.DUPLICATE, "same key earlier in the page");
                } else if (claim.mustProcess() && judgement.problem() != null) {
                    quarantine(exchange, execution, i, rows.get(i), payloads.get(i), judgement);
                } else if (claim.mustProcess()) {
                    if (i < forwardFrom) {
                        late(execution, rows.get(i), claim);
                    }
                    deliveries.add(new Delivery(rows.get(i), payloads.get(i), key, i));
                } else if (claim == ClaimOutcome.HELD) {
                    execution.outcome(i, key, RowOutcome.HELD, null);
                } else {
                    execution.outcome(i, key, RowOutcome.DUPLICATE, claim.name());
                }
            }
            execution.countCycle(!deliveries.isEmpty());
            return deliveries;
        } catch (Exception e) {
            execution.fail(ExecutionStatus.INCOMPLETE, "reading or claiming a page failed: " + e);
            LOG.error("feed {}: execution {} stopped: reading or claiming a page failed", routeId, execution.id(), e);
            return List.of();
        }
    }

    /**
     * Collects the rows of a page the execution may take and returns the index of the first one after the watermark
     * (the forward part of the page). Rows after the commit horizon are left for later (the first one ends the
     * forward pass); the backstop takes only rows at or before the watermark. The overlap re-check's page runs on
     * into the forward pass when it passes the watermark, so re-checking costs no extra read when the window is small.
     */
    private int within(FeedExecution execution, List<SourceRow> read, List<SourceRow> rows) {
        ReadPass pass = execution.pass();
        int forwardFrom = pass == ReadPass.FORWARD ? 0 : -1;
        for (SourceRow row : read) {
            if (forwardFrom < 0 && row.position().isAfter(execution.watermark())) {
                execution.lapDone();
                if (pass == ReadPass.RECONCILE) {
                    return rows.size();
                }
                forwardFrom = rows.size();
            }
            if (forwardFrom >= 0 && !execution.horizon().admits(row.position().updatedAt())) {
                execution.beyondHorizon(row);
                execution.caughtUp();
                return forwardFrom;
            }
            rows.add(row);
        }
        if (read.size() < budget.maxReturnedEvents()) {
            execution.lapDone();
            execution.caughtUp();
        }
        return forwardFrom < 0 ? rows.size() : forwardFrom;
    }

    /** A row behind the watermark whose key was new (or abandoned): it committed after the feed passed it. */
    private void late(FeedExecution execution, SourceRow row, ClaimOutcome claim) {
        execution.late();
        metrics.lateRows.increment();
        if (execution.pass() == ReadPass.RECONCILE && claim == ClaimOutcome.CLAIMED) {
            execution.missing();
            metrics.reconcileMissing.increment();
        }
        Duration behind = Duration.between(
                row.position().updatedAt(), execution.watermarkAtStart().updatedAt());
        Duration age = Duration.between(row.position().updatedAt(), clock.instant());
        LOG.warn(
                "feed {}: late row {} (updated_at {}, {} ago) found {} behind the watermark by the {} pass ({}); "
                        + "delivering it now",
                routeId,
                row.position().id(),
                row.position().updatedAt(),
                TransactionHorizon.seconds(age),
                TransactionHorizon.seconds(behind),
                execution.pass().name().toLowerCase(java.util.Locale.ROOT),
                claim == ClaimOutcome.CLAIMED ? "missing from the ledger" : "its earlier claim was abandoned");
    }

    /** Turns one claimed row into the message for the sink (an HTTP request, or a Kafka event). */
    public void prepare(Exchange exchange) {
        Delivery d = exchange.getMessage().getBody(Delivery.class);
        forgetOutcome(exchange);
        exchange.setProperty(DELIVERY, d);
        exchange.setProperty(CaravanExchange.IDEMPOTENCY_KEY, d.key());
        exchange.getMessage().getHeaders().clear();
        exchange.getMessage().setHeader("X-Correlation-Id", exchange.getProperty(CaravanExchange.CORRELATION_ID));
        sink.prepare(exchange, d);
    }

    /** Marks the sub-exchange delivered (the target answered 2xx). */
    public void delivered(Exchange exchange) {
        exchange.setProperty(DELIVERED, Boolean.TRUE);
    }

    /**
     * Completes the ledger, advances the watermark (forward) or saves the re-read cursor (behind the watermark), and
     * records the execution's counts so far, in one transaction. The watermark moves to the last row of the unbroken
     * run of handled rows; a row held by another owner stops the watermark, not the reading: later pages are still
     * delivered and the watermark stays before the held row for the rest of the execution.
     */
    public void recordOutcomes(Exchange exchange) {
        FeedExecution execution = execution(exchange);
        List<SourceRow> page = execution.page();
        ReadPass pass = execution.pass();
        List<Completion> completions = new ArrayList<>();
        Watermark advanceTo = null;
        boolean prefixHandled = execution.firstUnhandled() == null;
        int pending = 0;
        Map<RowOutcome, Integer> tally = new EnumMap<>(RowOutcome.class);
        boolean behindUnhandled = false;
        for (int i = 0; i < page.size(); i++) {
            RowOutcome outcome = execution.outcome(i);
            boolean forward = i >= execution.forwardFrom();
            tally.merge(outcome, 1, Integer::sum);
            switch (outcome) {
                case DELIVERED ->
                    completions.add(new Completion(execution.key(i), LedgerStatus.DONE, execution.resultRef(i)));
                case DEAD_LETTERED ->
                    completions.add(new Completion(execution.key(i), LedgerStatus.FAILED, execution.resultRef(i)));
                default -> {}
            }
            if (!outcome.handled()) {
                pending++;
                if (forward) {
                    execution.unhandled(page.get(i));
                    prefixHandled = false;
                } else if (outcome != RowOutcome.HELD) {
                    // a held key behind the watermark is its owner's; a later backstop lap takes it over if need be
                    behindUnhandled = true;
                }
            } else if (prefixHandled && forward) {
                advanceTo = page.get(i).position();
            }
        }
        if (pass == ReadPass.RECONCILE) {
            execution.redriven(tally.getOrDefault(RowOutcome.DELIVERED, 0));
        }
        // behind the watermark the lap stays before an unhandled row, so a later lap sees it again
        RereadCursor lap = null;
        if (pass.behindWatermark() && !behindUnhandled) {
            lap = execution.isLapDone()
                    ? RereadCursor.between(execution.lapStartedAt())
                    : RereadCursor.between(execution.lapStartedAt()).withPosition(execution.cursor());
        }
        try (Connection c = store.getConnection()) {
            c.setAutoCommit(false);
            try {
                if (!completions.isEmpty()) {
                    ledger.complete(c, completions);
                }
                if (advanceTo != null) {
                    watermarks.advance(c, routeId, advanceTo);
                }
                if (lap != null) {
                    rereadCursors.save(c, routeId, pass.name(), lap);
                }
                executionLog.progress(
                        c,
                        execution.id(),
                        execution.cycles(),
                        execution.read(),
                        execution.delivered(),
                        execution.duplicate(),
                        execution.deadLettered());
                c.commit();
            } catch (Exception e) {
                c.rollback();
                throw e;
            }
        } catch (Exception e) {
            execution.fail(ExecutionStatus.INCOMPLETE, "recording outcomes failed: " + e);
            LOG.error(
                    "feed {}: execution {} stopped: recording outcomes failed; rows stay in progress until their lease ends",
                    routeId,
                    execution.id(),
                    e);
            return;
        }
        if (advanceTo != null) {
            execution.advanced(advanceTo);
            metrics.watermark(advanceTo);
        }
        metrics.delivered.increment(tally.getOrDefault(RowOutcome.DELIVERED, 0));
        metrics.duplicate.increment(tally.getOrDefault(RowOutcome.DUPLICATE, 0));
        metrics.deadLettered.increment(tally.getOrDefault(RowOutcome.DEAD_LETTERED, 0));
        if (pass == ReadPass.RECONCILE) {
            metrics.reconcileRedriven.increment(tally.getOrDefault(RowOutcome.DELIVERED, 0));
        }
        int held = tally.getOrDefault(RowOutcome.HELD, 0);
        if (pending > held) {
            execution.fail(ExecutionStatus.INCOMPLETE, (pending - held) + " rows without a recorded outcome");
            return;
        }
        if (held > 0) {
            execution.note(
                    "rows held by another owner's lease; the watermark waits before the first, later rows go on");
        }
        continueAfter(execution);
    }

    /** Decides what the execution reads next: more of this pass, the forward pass, or nothing. */
    private void continueAfter(FeedExecution execution) {
        switch (execution.pass()) {
            case FORWARD -> {
                if (execution.isCaughtUp() || execution.cycles() >= budget.maxCycles()) {
                    execution.stop();
                } else if (execution.freePages() >= MAX_FREE_PAGES) {
                    execution.note("stopped after " + MAX_FREE_PAGES + " pages of already-handled rows");
                    execution.stop();
                }
            }
            case OVERLAP -> {
                // one budget's pages of re-checking at most; the lap resumes there next execution
                if (execution.isCaughtUp() || execution.cycles() >= budget.maxCycles()) {
                    execution.stop();
                } else if (execution.isLapDone()) {
                    execution.switchTo(ReadPass.FORWARD, execution.cursor());
                } else if (execution.passPages() >= budget.maxCycles()) {
                    execution.switchTo(ReadPass.FORWARD, execution.watermark());
                }
            }
            case RECONCILE -> {
                if (execution.isLapDone() || execution.passPages() >= budget.maxCycles()) {
                    execution.stop();
                }
            }
        }
    }

    /** Closes the execution_log row, updates the backlog and stall signals, and logs one summary line. */
    public void finish(Exchange exchange) {
        FeedExecution e = execution(exchange);
        if (e.pass() == ReadPass.RECONCILE) {
            e.note(String.format(
                    "reconcile behind watermark %s: %d rows checked, %d missing from the ledger, %d re-driven%s",
                    e.watermarkAtStart(),
                    e.read(),
                    e.missingRows(),
                    e.redrivenRows(),
                    e.isLapDone() ? "" : "; the lap continues next execution"));
            if (e.missingRows() > 0) {
                LOG.warn(
                        "feed {}: the backstop found {} rows missing from the ledger behind the watermark and re-drove {}",
                        routeId,
                        e.missingRows(),
                        e.redrivenRows());
            }
        } else {
            if (e.lateRows() > 0) {
                e.note(e.lateRows() + " late rows found behind the watermark and delivered");
            }
            signals(e);
        }
        finish.finish(e);
    }

    /**
     * Backlog age and stall: the oldest row not yet handled is the first unhandled or horizon-held row this execution
     * met, none when it read everything up to the horizon, else the first row after the watermark (one-row read).
     */
    private void signals(FeedExecution e) {
        Optional<Instant> oldest;
        if (e.firstUnhandled() != null) {
            oldest = Optional.of(e.firstUnhandled().position().updatedAt());
        } else if (e.firstBeyondHorizon() != null) {
            oldest = Optional.of(e.firstBeyondHorizon().position().updatedAt());
        } else if (e.isCaughtUp() && e.status() == ExecutionStatus.COMPLETE) {
            oldest = Optional.empty();
        } else {
            try {
                oldest = source.page(e.watermark(), 1).stream().findFirst().map(r -> r.position()
                        .updatedAt());
            } catch (Exception ex) {
                LOG.debug("feed {}: cannot read the oldest waiting row", routeId, ex);
                return;
            }
        }
        metrics.oldestUnhandled(oldest);
        boolean progress = e.watermark().isAfter(e.watermarkAtStart()) || e.delivered() > 0;
        // rows waiting only behind the commit horizon are the horizon hold's to report, not a stall
        boolean onlyHorizon = e.firstUnhandled() == null && e.firstBeyondHorizon() != null;
        if (oldest.isEmpty() || progress || onlyHorizon) {
            if (executionsWithoutProgress >= STALL_AFTER) {
                LOG.info("feed {}: no longer stalled", routeId);
            }
            executionsWithoutProgress = 0;
        } else {
            executionsWithoutProgress++;
            if (executionsWithoutProgress == STALL_AFTER) {
                LOG.warn(
                        "feed {}: stalled: rows wait since {} and the last {} executions made no progress; watermark {}{}",
                        routeId,
                        oldest.get(),
                        STALL_AFTER,
                        e.watermark(),
                        e.detail() == null ? "" : " (" + e.detail() + ")");
            }
        }
        metrics.stalled(executionsWithoutProgress >= STALL_AFTER);
    }

    public String routeId() {
        return routeId;
    }

    /**
     * A row that fails validation (no usable key, a required field empty) is not sent: it goes to dead_letter as
     * DATA_QUALITY with its payload and its ledger key is completed FAILED, so the watermark passes it, nothing
     * is lost, and a re-read does not quarantine it again; an edit of the row (a new key) is judged afresh.
     */
    private void quarantine(
            Exchange exchange, FeedExecution execution, int index, SourceRow row, String json, RowRules.Judgement j) {
        long id = deadLetters.record(DeadLetter.of(
                routeId,
                exchange.getProperty(CaravanExchange.CORRELATION_ID, String.class),
                j.deliveryKey(),
                ErrorCategory.DATA_QUALITY.name(),
                null,
                j.problem(),
                0,
                json,
                Map.of()));
        LOG.warn(
                "feed {}: row {} quarantined as dead letter {}: {}",
                routeId,
                row.position().id(),
                id,
                j.problem());
        execution.outcome(index, j.ledgerKey(), RowOutcome.DEAD_LETTERED, "dead_letter:" + id);
    }

    /**
     * The split hands its result (a delivery sub-exchange) back to the execution's exchange, and the next page's
     * sub-exchanges copy its properties; an outcome left there would be read as the next row's.
     */
    private static void forgetOutcome(Exchange exchange) {
        exchange.removeProperty(DELIVERED);
        exchange.removeProperty(DELIVERY);
        exchange.removeProperty(CaravanExchange.ERROR_CATEGORY);
        exchange.removeProperty(CaravanExchange.DEAD_LETTER_ID);
        exchange.removeProperty(CaravanExchange.STATUS_CODE);
        exchange.removeProperty(CaravanExchange.ATTEMPTS);
        exchange.removeProperty(CaravanExchange.IDEMPOTENCY_KEY);
    }

    private static FeedExecution execution(Exchange exchange) {
        return exchange.getProperty(EXECUTION, FeedExecution.class);
    }
}
