package io.caravan.ops.alerts;

import static io.caravan.ops.alerts.AlertRule.Comparison.ABOVE;
import static io.caravan.ops.alerts.AlertRule.Comparison.AT_LEAST;
import static io.caravan.ops.health.FamilyRules.DELIVERY;
import static io.caravan.ops.health.FamilyRules.FEED;
import static io.caravan.ops.health.FamilyRules.TRIGGER;
import static io.caravan.ops.health.Signal.ARCHIVE_FAILURE_RATIO;
import static io.caravan.ops.health.Signal.BACKLOG_AGE_SECONDS;
import static io.caravan.ops.health.Signal.CONSECUTIVE_FAILURES;
import static io.caravan.ops.health.Signal.DEAD_LETTERS_15M;
import static io.caravan.ops.health.Signal.DELETE_FAILURE_RATIO;
import static io.caravan.ops.health.Signal.EXECUTION_RUNNING_SECONDS;
import static io.caravan.ops.health.Signal.INCOMPLETE_EXECUTIONS;
import static io.caravan.ops.health.Signal.PROCESSING_SECONDS;
import static io.caravan.ops.health.Signal.QUEUE_DEPTH;
import static io.caravan.ops.health.Signal.TRIGGER_AGE_SECONDS;

import io.caravan.ops.health.FamilyRules;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * caravan's alert rules, declared once: caravan evaluates them, {@link PrometheusRuleFile} renders them for
 * Alertmanager, and docs/runbook.md has a section per rule id. The defaults are the seeds': T3 feed (000), T4 (000),
 * transient trigger (003) and webhook delivery. A route changes a threshold or switches a rule off with a row in
 * {@code alert_override} (route_id, rule_id, threshold, enabled); the PrometheusRule carries the declared thresholds
 * only.
 */
public final class AlertRules {
    private static final Set<String> T3 = Set.of("T3");
    private static final Set<String> T4_AND_UP = Set.of("T4", "T5");
    private static final Set<String> ANY_TIER = Set.of();

    /** The rule groups as the PrometheusRule names them, in order. */
    public static final Map<String, List<AlertRule>> GROUPS = groups();

    private AlertRules() {}

    private static Map<String, List<AlertRule>> groups() {
        Map<String, List<AlertRule>> g = new LinkedHashMap<>();
        g.put(
                "caravan-feed-t3",
                List.of(
                        rule(
                                "feed-backlog-delay",
                                FEED,
                                T3,
                                BACKLOG_AGE_SECONDS,
                                ABOVE,
                                600,
                                Severity.CRITICAL,
                                "the feed's oldest unhandled row waits longer than 10 minutes"),
                        rule(
                                "feed-dead-letters",
                                FEED,
                                T3,
                                DEAD_LETTERS_15M,
                                ABOVE,
                                10,
                                Severity.WARNING,
                                "more than 10 dead letters in 15 minutes"),
                        rule(
                                "feed-consecutive-failures",
                                FEED,
                                T3,
                                CONSECUTIVE_FAILURES,
                                AT_LEAST,
                                3,
                                Severity.CRITICAL,
                                "3 or more failures in a row"),
                        rule(
                                "feed-incomplete-execution",
                                FEED,
                                T3,
                                INCOMPLETE_EXECUTIONS,
                                AT_LEAST,
                                1,
                                Severity.CRITICAL,
                                "an execution ended INCOMPLETE (a failure escaped classification)")));
        g.put(
                "caravan-t4",
                List.of(
                        rule(
                                "t4-dead-letter",
                                null,
                                T4_AND_UP,
                                DEAD_LETTERS_15M,
                                AT_LEAST,
                                1,
                                Severity.CRITICAL,
                                "a T4 route recorded a dead letter"),
                        rule(
                                "t4-incomplete-execution",
                                null,
                                T4_AND_UP,
                                INCOMPLETE_EXECUTIONS,
                                AT_LEAST,
                                1,
                                Severity.CRITICAL,
                                "a T4 execution ended INCOMPLETE"),
                        rule(
                                "t4-in-progress-too-long",
                                null,
                                T4_AND_UP,
                                EXECUTION_RUNNING_SECONDS,
                                ABOVE,
                                900,
                                Severity.CRITICAL,
                                "a T4 execution has been in progress for more than 15 minutes"),
                        rule(
                                "t4-consecutive-failures",
                                null,
                                T4_AND_UP,
                                CONSECUTIVE_FAILURES,
                                AT_LEAST,
                                2,
                                Severity.CRITICAL,
                                "2 or more failures in a row on a T4 route")));
        g.put(
                "caravan-transient-trigger",
                List.of(
                        rule(
                                "trigger-age-warning",
                                TRIGGER,
                                ANY_TIER,
                                TRIGGER_AGE_SECONDS,
                                ABOVE,
                                600,
                                Severity.WARNING,
                                "the oldest trigger waits longer than 10 minutes"),
                        rule(
                                "trigger-age-critical",
                                TRIGGER,
                                ANY_TIER,
                                TRIGGER_AGE_SECONDS,
                                ABOVE,
                                900,
                                Severity.CRITICAL,
                                "the oldest trigger waits longer than 15 minutes"),
                        rule(
                                "trigger-archive-failures-warning",
                                TRIGGER,
                                ANY_TIER,
                                ARCHIVE_FAILURE_RATIO,
                                ABOVE,
                                0.02,
                                Severity.WARNING,
                                "more than 2% of archive updates failed in 15 minutes"),
                        rule(
                                "trigger-archive-failures-critical",
                                TRIGGER,
                                ANY_TIER,
                                ARCHIVE_FAILURE_RATIO,
                                ABOVE,
                                0.05,
                                Severity.CRITICAL,
                                "more than 5% of archive updates failed in 15 minutes"),
                        rule(
                                "trigger-queue-depth-warning",
                                TRIGGER,
                                ANY_TIER,
                                QUEUE_DEPTH,
                                ABOVE,
                                20,
                                Severity.WARNING,
                                "more than 20 messages wait in the customer's queue"),
                        rule(
                                "trigger-queue-depth-critical",
                                TRIGGER,
                                ANY_TIER,
                                QUEUE_DEPTH,
                                ABOVE,
                                50,
                                Severity.CRITICAL,
                                "more than 50 messages wait in the customer's queue"),
                        rule(
                                "trigger-delete-failures",
                                TRIGGER,
                                ANY_TIER,
                                DELETE_FAILURE_RATIO,
                                ABOVE,
                                0.10,
                                Severity.INFO,
                                "more than 10% of trigger deletes failed in 15 minutes"),
                        rule(
                                "trigger-processing-slow",
                                TRIGGER,
                                ANY_TIER,
                                PROCESSING_SECONDS,
                                ABOVE,
                                300,
                                Severity.INFO,
                                "processing a trigger took longer than 5 minutes")));
        g.put(
                "caravan-webhook-delivery",
                List.of(
                        rule(
                                "delivery-dead-letters",
                                DELIVERY,
                                ANY_TIER,
                                DEAD_LETTERS_15M,
                                AT_LEAST,
                                1,
                                Severity.WARNING,
                                "the subscription recorded dead letters in 15 minutes"),
                        rule(
                                "delivery-consecutive-failures",
                                DELIVERY,
                                ANY_TIER,
                                CONSECUTIVE_FAILURES,
                                AT_LEAST,
                                3,
                                Severity.CRITICAL,
                                "3 or more failed POSTs in a row to the subscriber")));
        return java.util.Collections.unmodifiableMap(g);
    }

    /** Every declared rule, in group order. */
    public static List<AlertRule> all() {
        return GROUPS.values().stream().flatMap(List::stream).toList();
    }

    private static AlertRule rule(
            String id,
            FamilyRules family,
            Set<String> tiers,
            io.caravan.ops.health.Signal signal,
            AlertRule.Comparison comparison,
            double threshold,
            Severity severity,
            String summary) {
        return new AlertRule(
                id,
                family == null ? Set.of() : Set.of(family),
                tiers,
                signal,
                comparison,
                threshold,
                severity,
                summary);
    }
}
