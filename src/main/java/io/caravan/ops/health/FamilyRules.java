package io.caravan.ops.health;

import static io.caravan.ops.health.Signal.ARCHIVE_FAILURE_RATIO;
import static io.caravan.ops.health.Signal.BACKLOG_AGE_SECONDS;
import static io.caravan.ops.health.Signal.CONSECUTIVE_FAILURES;
import static io.caravan.ops.health.Signal.DEAD_LETTERS_15M;
import static io.caravan.ops.health.Signal.EXECUTION_RUNNING_SECONDS;
import static io.caravan.ops.health.Signal.INCOMPLETE_EXECUTIONS;
import static io.caravan.ops.health.Signal.QUEUE_DEPTH;
import static io.caravan.ops.health.Signal.TRIGGER_AGE_SECONDS;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * One health rule set per route family: which meters count as a success and as a failure of the route (for
 * consecutive failures), whether it keeps an execution log, and how its signals map to a {@link HealthState}. The
 * rules are written out per family so that an operator can read why a route is DEGRADED or FAILING.
 *
 * <p>Feed and drain count failures with the shared error handling's caravan_dead_letters_total, which moves as each
 * row is dead-lettered; their delivered counters move once per page. A target that is down for the length of a page
 * therefore shows as failures in a row while the page is still running. Only a delivery ends a streak: a dead-lettered
 * row read again counts as a duplicate, which proves nothing about the target.
 */
public enum FamilyRules {
    /** watermark-feed: failures in a row (dead-lettered rows, failed or incomplete executions) and the backlog. */
    FEED(
            "watermark-feed",
            true,
            List.of(new MeterCount("caravan.feed.rows.delivered")),
            List.of(new MeterCount("caravan.dead.letters"))) {
        @Override
        Judgement judge(Signals s) {
            return new Judgement()
                    .failingIf(s, CONSECUTIVE_FAILURES, 3)
                    .failingIfAbove(s, BACKLOG_AGE_SECONDS, 600)
                    .degradedIf(s, CONSECUTIVE_FAILURES, 1)
                    .degradedIf(s, INCOMPLETE_EXECUTIONS, 1)
                    .degradedIfAbove(s, DEAD_LETTERS_15M, 0)
                    .degradedIfAbove(s, BACKLOG_AGE_SECONDS, 300);
        }
    },
    /** queue-drain: failures in a row, an execution running too long, incomplete executions, dead letters. */
    DRAIN(
            "queue-drain",
            true,
            List.of(new MeterCount("caravan.drain.events.delivered")),
            List.of(new MeterCount("caravan.dead.letters"))) {
        @Override
        Judgement judge(Signals s) {
            return new Judgement()
                    .failingIf(s, CONSECUTIVE_FAILURES, 3)
                    .failingIfAbove(s, EXECUTION_RUNNING_SECONDS, 900)
                    .degradedIf(s, CONSECUTIVE_FAILURES, 1)
                    .degradedIf(s, INCOMPLETE_EXECUTIONS, 1)
                    .degradedIfAbove(s, DEAD_LETTERS_15M, 0);
        }
    },
    /** s3-transient-trigger: trigger age, archive-update failures, queue depth, failures in a row (seed 003). */
    TRIGGER(
            "s3-transient-trigger",
            false,
            List.of(new MeterCount("caravan.trigger.processing", id -> "acknowledged".equals(id.getTag("outcome")))),
            List.of(
                    new MeterCount("caravan.dead.letters"),
                    new MeterCount("caravan.trigger.archive.update.failures"))) {
        @Override
        Judgement judge(Signals s) {
            return new Judgement()
                    .failingIf(s, CONSECUTIVE_FAILURES, 3)
                    .failingIfAbove(s, TRIGGER_AGE_SECONDS, 900)
                    .failingIfAbove(s, ARCHIVE_FAILURE_RATIO, 0.05)
                    .degradedIf(s, CONSECUTIVE_FAILURES, 1)
                    .degradedIfAbove(s, TRIGGER_AGE_SECONDS, 600)
                    .degradedIfAbove(s, ARCHIVE_FAILURE_RATIO, 0.02)
                    .degradedIfAbove(s, QUEUE_DEPTH, 20)
                    .degradedIfAbove(s, DEAD_LETTERS_15M, 0);
        }
    },
    /** webhook-delivery: failed POSTs in a row (no 2xx in between) and dead letters per subscription. */
    DELIVERY(
            "webhook-delivery",
            false,
            List.of(new MeterCount("caravan.webhook.delivered")),
            List.of(new MeterCount("caravan.webhook.failed.attempts"))) {
        @Override
        Judgement judge(Signals s) {
            return new Judgement()
                    .failingIf(s, CONSECUTIVE_FAILURES, 3)
                    .degradedIf(s, CONSECUTIVE_FAILURES, 1)
                    .degradedIfAbove(s, DEAD_LETTERS_15M, 0);
        }
    },
    /**
     * saga (T4): sagas that ended FAILED in a row (2 make it FAILING), a saga or execution in progress for more than
     * 15 minutes (the running-time signal includes the oldest IN_PROGRESS saga), incomplete executions, dead letters.
     */
    SAGA(
            "saga",
            true,
            List.of(new MeterCount("caravan.saga.completed")),
            List.of(new MeterCount("caravan.saga.failed"))) {
        @Override
        Judgement judge(Signals s) {
            return new Judgement()
                    .failingIf(s, CONSECUTIVE_FAILURES, 2)
                    .failingIfAbove(s, EXECUTION_RUNNING_SECONDS, 900)
                    .degradedIf(s, CONSECUTIVE_FAILURES, 1)
                    .degradedIf(s, INCOMPLETE_EXECUTIONS, 1)
                    .degradedIfAbove(s, DEAD_LETTERS_15M, 0);
        }
    },
    /** inbound-webhook: 5xx answers in a row (the inbox cannot be written); refused senders are not our failure. */
    INBOUND(
            "inbound-webhook",
            false,
            List.of(new MeterCount("caravan.inbound.requests", id -> status(id).startsWith("2"))),
            List.of(new MeterCount("caravan.inbound.requests", id -> status(id).startsWith("5")))) {
        @Override
        Judgement judge(Signals s) {
            return new Judgement().failingIf(s, CONSECUTIVE_FAILURES, 3).degradedIf(s, CONSECUTIVE_FAILURES, 1);
        }
    };

    /** A meter of the route (tag route=&lt;id&gt;) whose count is summed, optionally only where its other tags match. */
    public record MeterCount(String name, Predicate<io.micrometer.core.instrument.Meter.Id> where) {
        MeterCount(String name) {
            this(name, id -> true);
        }
    }

    private final String template;
    private final boolean executionLog;
    private final List<MeterCount> successes;
    private final List<MeterCount> failures;

    FamilyRules(String template, boolean executionLog, List<MeterCount> successes, List<MeterCount> failures) {
        this.template = template;
        this.executionLog = executionLog;
        this.successes = successes;
        this.failures = failures;
    }

    public static Optional<FamilyRules> forTemplate(String template) {
        return Arrays.stream(values()).filter(f -> f.template.equals(template)).findFirst();
    }

    public String template() {
        return template;
    }

    /** The family's tag value (feed, drain, trigger, delivery, saga, inbound). */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }

    boolean keepsExecutionLog() {
        return executionLog;
    }

    List<MeterCount> successes() {
        return successes;
    }

    List<MeterCount> failures() {
        return failures;
    }

    /** The state these signals give, with the reasons (which signal passed which bound). */
    abstract Judgement judge(Signals signals);

    /** The state a route is in when running, given its signals. */
    public HealthState state(Signals signals) {
        return judge(signals).state();
    }

    private static String status(io.micrometer.core.instrument.Meter.Id id) {
        String status = id.getTag("status");
        return status == null ? "" : status;
    }

    /** Collects the rules that hold: the worst state wins, every reason is kept. */
    static final class Judgement {
        private HealthState state = HealthState.CONNECTED;
        private final List<String> reasons = new ArrayList<>();

        Judgement failingIf(Signals s, Signal signal, double atLeast) {
            return when(s.atLeast(signal, atLeast), HealthState.FAILING, s, signal, "≥ ", atLeast);
        }

        Judgement failingIfAbove(Signals s, Signal signal, double bound) {
            return when(s.above(signal, bound), HealthState.FAILING, s, signal, "> ", bound);
        }

        Judgement degradedIf(Signals s, Signal signal, double atLeast) {
            return when(s.atLeast(signal, atLeast), HealthState.DEGRADED, s, signal, "≥ ", atLeast);
        }

        Judgement degradedIfAbove(Signals s, Signal signal, double bound) {
            return when(s.above(signal, bound), HealthState.DEGRADED, s, signal, "> ", bound);
        }

        private Judgement when(boolean holds, HealthState to, Signals s, Signal signal, String op, double bound) {
            if (holds && to.compareTo(state) >= 0) {
                if (to.compareTo(state) > 0) {
                    reasons.clear();
                }
                state = to;
                reasons.add(signal.tag() + " " + format(s.get(signal).orElse(Double.NaN)) + " " + op + format(bound));
            }
            return this;
        }

        HealthState state() {
            return state;
        }

        List<String> reasons() {
            return List.copyOf(reasons);
        }
    }

    static String format(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15
                ? String.valueOf((long) v)
                : String.format(Locale.ROOT, "%.3f", v);
    }
}
