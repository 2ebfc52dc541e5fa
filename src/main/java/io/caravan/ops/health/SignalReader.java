package io.caravan.ops.health;

import io.caravan.store.DeadLetters;
import io.caravan.store.Execution;
import io.caravan.store.ExecutionLog;
import io.caravan.store.ExecutionStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Measures a route's {@link Signal}s from the meters its family registered (tag route=&lt;id&gt;) and from the stores
 * (dead_letter, execution_log). Counters are sampled at each evaluation, so consecutive failures and 15-minute
 * ratios come from the differences between samples.
 *
 * <p>Consecutive failures: between two evaluations, failures with no success add up; any success resets the count
 * (the order inside one interval is not known, so a success wins). For families with an execution log, the FAILED or
 * INCOMPLETE executions at the head of the log count too, whichever is larger. After a start (or a route re-created)
 * the count is unknown, "no data", until the route's first success or failure: a restart neither resolves nor repeats
 * an alert on its own.
 */
public final class SignalReader {
    static final Duration WINDOW = Duration.ofMinutes(15);
    static final Duration INCOMPLETE_WINDOW = Duration.ofHours(1);
    private static final int RECENT_EXECUTIONS = 50;

    private final MeterRegistry meters;
    private final DeadLetters deadLetters;
    private final ExecutionLog executions;
    private final Clock clock;
    private final Map<String, History> histories = new ConcurrentHashMap<>();

    public SignalReader(MeterRegistry meters, DeadLetters deadLetters, ExecutionLog executions, Clock clock) {
        this.meters = meters;
        this.deadLetters = deadLetters;
        this.executions = executions;
        this.clock = clock;
    }

    /** Measures every signal of the route now. */
    public Signals read(String route, FamilyRules family) {
        Instant now = clock.instant();
        Map<Signal, Double> v = new EnumMap<>(Signal.class);
        History h = histories.computeIfAbsent(route, r -> new History());
        double successes = sum(route, family.successes());
        double failures = sum(route, family.failures());
        long streak = h.consecutive(successes, failures); // -1: not known yet
        v.put(Signal.DEAD_LETTERS_15M, (double) deadLetters.countSince(route, now.minus(WINDOW)));
        if (family.keepsExecutionLog()) {
            List<Execution> recent = executions.recent(route, RECENT_EXECUTIONS);
            long failedExecutions = failedAtHead(recent);
            if (streak >= 0 || failedExecutions > 0) {
                streak = Math.max(streak, failedExecutions);
            }
            v.put(Signal.INCOMPLETE_EXECUTIONS, (double) recent.stream()
                    .filter(e -> e.status() == ExecutionStatus.INCOMPLETE)
                    .filter(e -> !e.startedAt().isBefore(now.minus(INCOMPLETE_WINDOW)))
                    .count());
            v.put(
                    Signal.EXECUTION_RUNNING_SECONDS,
                    recent.stream()
                            .filter(e -> e.status() == ExecutionStatus.RUNNING)
                            .mapToDouble(
                                    e -> Duration.between(e.startedAt(), now).toMillis() / 1000.0)
                            .max()
                            .orElse(0));
        }
        if (family == FamilyRules.SAGA) {
            // a saga waits between executions: its own age counts as time in progress
            double saga = gauge("caravan.saga.in.progress.seconds", route);
            if (!Double.isNaN(saga)) {
                v.merge(Signal.EXECUTION_RUNNING_SECONDS, saga, Math::max);
            }
        }
        v.put(Signal.CONSECUTIVE_FAILURES, streak < 0 ? Double.NaN : (double) streak);
        v.put(Signal.BACKLOG_AGE_SECONDS, gauge("caravan.feed.backlog.age.seconds", route));
        if (family == FamilyRules.TRIGGER) {
            v.put(Signal.TRIGGER_AGE_SECONDS, gauge("caravan.trigger.oldest.age.seconds", route));
            v.put(Signal.QUEUE_DEPTH, gauge("caravan.trigger.queue.depth", route));
            double handled = sum(route, List.of(new FamilyRules.MeterCount("caravan.trigger.processing")));
            h.sample(
                    now,
                    handled,
                    sum(route, List.of(new FamilyRules.MeterCount("caravan.trigger.archive.update.failures"))),
                    sum(route, List.of(new FamilyRules.MeterCount("caravan.trigger.delete.failures"))));
            v.put(Signal.ARCHIVE_FAILURE_RATIO, h.ratio(1));
            v.put(Signal.DELETE_FAILURE_RATIO, h.ratio(2));
            v.put(
                    Signal.PROCESSING_SECONDS,
                    meters.find("caravan.trigger.processing").tag("route", route).timers().stream()
                            .mapToDouble(t -> t.max(TimeUnit.SECONDS))
                            .max()
                            .orElse(Double.NaN));
        }
        return Signals.of(v);
    }

    /** Forgets a route that is no longer evaluated. */
    public void forget(String route) {
        histories.remove(route);
    }

    private static long failedAtHead(List<Execution> recent) {
        long n = 0;
        for (Execution e : recent) {
            if (e.status() == ExecutionStatus.RUNNING) {
                continue;
            }
            if (e.status() != ExecutionStatus.FAILED && e.status() != ExecutionStatus.INCOMPLETE) {
                break;
            }
            n++;
        }
        return n;
    }

    private double gauge(String name, String route) {
        return meters.find(name).tag("route", route).gauges().stream()
                .mapToDouble(Gauge::value)
                .filter(d -> !Double.isNaN(d))
                .max()
                .orElse(Double.NaN);
    }

    private double sum(String route, List<FamilyRules.MeterCount> counts) {
        double total = 0;
        for (FamilyRules.MeterCount c : counts) {
            for (Meter m : meters.find(c.name()).tag("route", route).meters()) {
                if (c.where().test(m.getId())) {
                    total += count(m);
                }
            }
        }
        return total;
    }

    private static double count(Meter m) {
        if (m instanceof Counter c) {
            return c.count();
        }
        if (m instanceof FunctionCounter c) {
            return c.count();
        }
        if (m instanceof Timer t) {
            return t.count();
        }
        return 0;
    }

    /** The last counter sample of one route, its failure streak, and 15 minutes of trigger samples. */
    private static final class History {
        private double successes = Double.NaN;
        private double failures;
        private long streak = -1;
        private final Deque<double[]> samples = new ArrayDeque<>();

        synchronized long consecutive(double nowSuccesses, double nowFailures) {
            if (Double.isNaN(successes) || nowSuccesses < successes || nowFailures < failures) {
                // first sample, or the route's meters were re-created (row changed): start from here
                successes = nowSuccesses;
                failures = nowFailures;
                return streak;
            }
            if (nowSuccesses > successes) {
                streak = 0;
            } else if (nowFailures > failures) {
                streak = Math.max(streak, 0) + (long) (nowFailures - failures);
            }
            successes = nowSuccesses;
            failures = nowFailures;
            return streak;
        }

        /** {epochMillis, handled, archive failures, delete failures}, kept for one window. */
        synchronized void sample(Instant now, double handled, double archiveFailures, double deleteFailures) {
            samples.addLast(new double[] {now.toEpochMilli(), handled, archiveFailures, deleteFailures});
            while (samples.size() > 1
                    && samples.peekFirst()[0] < now.minus(WINDOW).toEpochMilli()) {
                samples.removeFirst();
            }
        }

        synchronized double ratio(int column) {
            if (samples.size() < 2) {
                return Double.NaN;
            }
            double[] first = samples.peekFirst();
            double[] last = samples.peekLast();
            double handled = last[1] - first[1];
            double failed = last[column + 1] - first[column + 1];
            if (handled <= 0) {
                return failed > 0 ? 1.0 : Double.NaN;
            }
            return failed / handled;
        }
    }
}
