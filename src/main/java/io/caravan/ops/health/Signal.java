package io.caravan.ops.health;

import java.util.Locale;

/**
 * What the health rules and alert rules look at, one constant each: how caravan measures it for a route, and the
 * PromQL that measures the same in Prometheus (by route). A signal with no value for a route (its meter is absent, the
 * family does not have it) is "no data" and never fires.
 */
public enum Signal {
    /** Failures with no success in between (failed attempts, dead letters, failed or incomplete executions in a row). */
    CONSECUTIVE_FAILURES("max by (route) (caravan_route_consecutive_failures)", "failures in a row"),
    /** Dead letters recorded in the last 15 minutes (dead_letter table; Prometheus: the dead-letter counter). */
    DEAD_LETTERS_15M("sum by (route) (increase(caravan_dead_letters_total[15m]))", "dead letters in 15 min"),
    /** INCOMPLETE executions in the last hour (execution_log). */
    INCOMPLETE_EXECUTIONS("max by (route) (caravan_route_incomplete_executions)", "INCOMPLETE executions in 1 h"),
    /** Seconds the oldest RUNNING execution has been running (execution_log). */
    EXECUTION_RUNNING_SECONDS("max by (route) (caravan_route_execution_running_seconds)", "s in progress"),
    /** Seconds the feed's oldest unhandled source row has waited. */
    BACKLOG_AGE_SECONDS("max by (route) (caravan_feed_backlog_age_seconds)", "s backlog age"),
    /** Seconds the oldest trigger of the customer has waited (last sweep). */
    TRIGGER_AGE_SECONDS("max by (route) (caravan_trigger_oldest_age_seconds)", "s trigger age"),
    /** Messages waiting in the customer's queue (last sweep). */
    QUEUE_DEPTH("max by (route) (caravan_trigger_queue_depth)", "messages queued"),
    /** Archive-update failures per handled trigger message, over 15 minutes. */
    ARCHIVE_FAILURE_RATIO(
            "sum by (route) (increase(caravan_trigger_archive_update_failures_total[15m]))"
                    + " / sum by (route) (increase(caravan_trigger_processing_seconds_count[15m]))",
            "archive updates failed (ratio)"),
    /** Trigger-delete failures per handled trigger message, over 15 minutes. */
    DELETE_FAILURE_RATIO(
            "sum by (route) (increase(caravan_trigger_delete_failures_total[15m]))"
                    + " / sum by (route) (increase(caravan_trigger_processing_seconds_count[15m]))",
            "trigger deletes failed (ratio)"),
    /** The longest processing of a trigger message recently (timer maximum), in seconds. */
    PROCESSING_SECONDS("max by (route) (caravan_trigger_processing_seconds_max)", "s processing");

    private final String promql;
    private final String unit;

    Signal(String promql, String unit) {
        this.promql = promql;
        this.unit = unit;
    }

    /** A PromQL expression giving one series per route. */
    public String promql() {
        return promql;
    }

    /** How a value reads in a message ("12 failures in a row"). */
    public String unit() {
        return unit;
    }

    /** The name used in the reasons and the caravan_route_signal metric. */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
