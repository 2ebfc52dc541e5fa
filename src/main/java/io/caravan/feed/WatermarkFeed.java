package io.caravan.feed;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.caravan.errors.CaravanExchange;
import io.caravan.errors.ErrorCategory;
import io.caravan.store.ClaimOutcome;
import io.caravan.store.Completion;
import io.caravan.store.DeadLetter;
import io.caravan.store.DeadLetters;
import io.caravan.store.ExecutionLog;
import io.caravan.store.ExecutionStatus;
import io.caravan.store.IdempotencyLedger;
import io.caravan.store.LedgerStatus;
import io.caravan.store.Watermark;
import io.caravan.store.Watermarks;
import io.caravan.template.DrainBudget;
import java.sql.Connection;
import java.time.Duration;
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
 * claimed rows (the route does that), then complete the ledger and advance the watermark in one transaction, only
 * past rows whose outcome is recorded.
 */
public final class WatermarkFeed {
    public static final String EXECUTION = "caravanFeedExecution";
    public static final String DELIVERY = "caravanFeedDelivery";
    public static final String DELIVERED = "caravanFeedDelivered";
    /** Header a key expression can use: a hash of the row's JSON, so an edited row gets a new key. */
    public static final String PAYLOAD_HASH = "caravanPayloadHash";
    /** Pages of pure duplicates (the overlap re-read) cost no cycle; this caps them per execution. */
    static final int MAX_FREE_PAGES = 1000;

    private static final Logger LOG = LoggerFactory.getLogger(WatermarkFeed.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String routeId;
    private final FeedSource source;
    private final DrainBudget budget;
    private final Duration overlap;
    private final RowRules rules;
    private final FeedSink sink;
    private final DataSource store;
    private final IdempotencyLedger ledger;
    private final Watermarks watermarks;
    private final ExecutionLog executionLog;
    private final DeadLetters deadLetters;
    private final FeedMetrics metrics;

    WatermarkFeed(
            String routeId,
            FeedSource source,
            DrainBudget budget,
            Duration overlap,
            RowRules rules,
            FeedSink sink,
            FeedStores stores,
            FeedMetrics metrics) {
        this.routeId = routeId;
        this.source = source;
        this.budget = budget;
        this.overlap = overlap;
        this.rules = rules;
        this.sink = sink;
        this.store = stores.dataSource();
        this.ledger = stores.ledger();
        this.watermarks = stores.watermarks();
        this.executionLog = stores.executionLog();
        this.deadLetters = stores.deadLetters();
        this.metrics = metrics;
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

    /** Opens an execution: an execution_log row and a cursor {@code overlap} before the watermark. */
    public void begin(Exchange exchange) {
        Optional<Watermark> wm = watermarks.find(routeId);
        wm.ifPresent(metrics::watermark);
        Watermark start =
                wm.map(w -> new Watermark(w.updatedAt().minus(overlap), "")).orElse(Watermark.ORIGIN);
        if (start.compareTo(Watermark.ORIGIN) < 0) {
            start = Watermark.ORIGIN;
        }
        FeedExecution execution = new FeedExecution(executionLog.begin(routeId), start);
        exchange.setProperty(EXECUTION, execution);
        exchange.setProperty(CaravanExchange.ROUTE_ID, routeId);
        exchange.setProperty(CaravanExchange.CORRELATION_ID, routeId + "/" + execution.id());
        metrics.executions.increment();
    }

    /** Reads the next page and claims its keys; the body becomes the rows this execution must deliver. */
    public List<Delivery> nextPage(Exchange exchange) {
        FeedExecution execution = execution(exchange);
        forgetOutcome(exchange);
        try {
            List<SourceRow> rows = source.page(execution.cursor(), budget.maxReturnedEvents());
            execution.startPage(rows);
            metrics.read.increment(rows.size());
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
     * Completes the ledger and advances the watermark in one transaction, to the last row of the unbroken run of
     * handled rows from the page's start; stops the execution at the first unhandled row or a short page.
     */
    public void recordOutcomes(Exchange exchange) {
        FeedExecution execution = execution(exchange);
        List<SourceRow> page = execution.page();
        List<Completion> completions = new ArrayList<>();
        Watermark advanceTo = null;
        boolean prefixHandled = true;
        int pending = 0;
        Map<RowOutcome, Integer> tally = new EnumMap<>(RowOutcome.class);
        for (int i = 0; i < page.size(); i++) {
            RowOutcome outcome = execution.outcome(i);
            tally.merge(outcome, 1, Integer::sum);
            switch (outcome) {
                case DELIVERED ->
                    completions.add(new Completion(execution.key(i), LedgerStatus.DONE, execution.resultRef(i)));
                case DEAD_LETTERED ->
                    completions.add(new Completion(execution.key(i), LedgerStatus.FAILED, execution.resultRef(i)));
                default -> {}
            }
            if (!outcome.handled()) {
                prefixHandled = false;
                pending++;
            } else if (prefixHandled) {
                advanceTo = page.get(i).position();
            }
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
            metrics.watermark(advanceTo);
        }
        metrics.delivered.increment(tally.getOrDefault(RowOutcome.DELIVERED, 0));
        metrics.duplicate.increment(tally.getOrDefault(RowOutcome.DUPLICATE, 0));
        metrics.deadLettered.increment(tally.getOrDefault(RowOutcome.DEAD_LETTERED, 0));
        if (pending > 0) {
            int held = tally.getOrDefault(RowOutcome.HELD, 0);
            if (held < pending) {
                execution.fail(ExecutionStatus.INCOMPLETE, (pending - held) + " rows without a recorded outcome");
            } else {
                execution.note(held + " rows held by another owner's lease; a later execution takes them");
                execution.stop();
            }
        } else if (page.size() < budget.maxReturnedEvents()) {
            execution.stop();
        } else if (execution.cycles() >= budget.maxCycles()) {
            execution.stop();
        } else if (execution.freePages() >= MAX_FREE_PAGES) {
            execution.note("stopped after " + MAX_FREE_PAGES + " pages of already-handled rows");
            execution.stop();
        }
    }

    /** Closes the execution_log row and logs one summary line. */
    public void finish(Exchange exchange) {
        FeedExecution e = execution(exchange);
        executionLog.finish(
                e.id(), e.cycles(), e.read(), e.delivered(), e.duplicate(), e.deadLettered(), e.status(), e.detail());
        String line =
                "feed {}: execution {} {} in {} ms: cycles={} read={} delivered={} duplicate={} deadLettered={} held={}{}";
        Object[] args = {
            routeId,
            e.id(),
            e.status(),
            e.elapsedMillis(),
            e.cycles(),
            e.read(),
            e.delivered(),
            e.duplicate(),
            e.deadLettered(),
            e.held(),
            e.detail() == null ? "" : " (" + e.detail() + ")"
        };
        if (e.status() == ExecutionStatus.COMPLETE) {
            LOG.info(line, args);
        } else {
            LOG.warn(line, args);
        }
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
