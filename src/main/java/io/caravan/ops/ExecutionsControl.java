package io.caravan.ops;

import io.caravan.store.Execution;
import io.caravan.store.ExecutionLog;
import io.caravan.store.ExecutionStatus;
import io.caravan.store.RoutePauses;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.ServiceStatus;
import org.apache.camel.component.quartz.QuartzEndpoint;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.Trigger;

/**
 * {@link ExecutionsMBean}. A re-run fires the route's own quartz job once now, as its schedule would: the execution
 * goes through the same route (its bookkeeping, budget, ledger and watermark), and the job is stateful, so it never
 * runs beside a scheduled execution of the same route. What the incomplete execution left undone is picked up from
 * the stored watermark and the ledger, not from the execution row.
 */
public final class ExecutionsControl implements ExecutionsMBean {
    public static final String OBJECT_NAME = "io.caravan:type=Executions";
    static final int MAX_LIMIT = 200;
    static final int INCOMPLETE_SHOWN = 50;

    private final CamelContext camel;
    private final ExecutionLog executions;
    private final RoutePauses pauses;
    private final AuditedOperations audited;

    ExecutionsControl(CamelContext camel, ExecutionLog executions, RoutePauses pauses, AuditedOperations audited) {
        this.camel = camel;
        this.executions = executions;
        this.pauses = pauses;
        this.audited = audited;
    }

    @Override
    public String[] recentExecutions(String route, int limit) {
        return audited.run(
                "recentExecutions",
                AuditedOperations.args("route", route, "limit", limit),
                () -> executions.recent(route, Math.min(Math.max(limit, 1), MAX_LIMIT)).stream()
                        .map(ExecutionsControl::line)
                        .toArray(String[]::new));
    }

    @Override
    public String[] incompleteExecutions(String route) {
        return audited.run(
                "incompleteExecutions",
                AuditedOperations.args("route", route),
                () -> executions.recent(route, ExecutionStatus.INCOMPLETE, INCOMPLETE_SHOWN).stream()
                        .map(ExecutionsControl::line)
                        .toArray(String[]::new));
    }

    @Override
    public String rerunIncomplete(long executionId) {
        return audited.run("rerunIncomplete", AuditedOperations.args("executionId", executionId), () -> {
            Execution execution = executions
                    .find(executionId)
                    .orElseThrow(() -> new IllegalArgumentException("no execution with id " + executionId));
            if (execution.status() != ExecutionStatus.INCOMPLETE) {
                throw new IllegalArgumentException(
                        "execution " + executionId + " is " + execution.status() + ", not INCOMPLETE");
            }
            String route = execution.routeId();
            if (pauses.paused().contains(route)) {
                throw new IllegalArgumentException("route " + route + " is paused; resume it first");
            }
            ServiceStatus status = camel.getRouteController().getRouteStatus(route);
            if (status == null || !status.isStarted()) {
                throw new IllegalArgumentException("route " + route + " is "
                        + (status == null ? "not running" : status.name()) + "; start it first");
            }
            fireNow(camel.getRoute(route));
            return "execution " + executionId + " of " + route + " (INCOMPLETE since " + execution.endedAt()
                    + "): the route's scheduled execution was fired now";
        });
    }

    private static void fireNow(Route route) {
        if (!(route.getEndpoint() instanceof QuartzEndpoint quartz)) {
            throw new IllegalArgumentException("route " + route.getRouteId() + " is not scheduled; nothing to re-run");
        }
        try {
            Scheduler scheduler = quartz.getComponent().getScheduler();
            Trigger trigger = scheduler.getTrigger(quartz.getTriggerKey());
            if (trigger == null) {
                throw new IllegalStateException("route " + route.getRouteId() + " has no quartz trigger");
            }
            scheduler.triggerJob(trigger.getJobKey(), trigger.getJobDataMap());
        } catch (SchedulerException e) {
            throw new IllegalStateException(
                    "quartz could not fire route " + route.getRouteId() + ": " + e.getMessage());
        }
    }

    private static String line(Execution e) {
        return "#" + e.id() + " " + e.status() + " started " + e.startedAt()
                + (e.endedAt() == null ? "" : " ended " + e.endedAt())
                + ": cycles " + e.cycles() + ", read " + e.rowsRead() + ", delivered " + e.rowsDelivered()
                + ", duplicate " + e.rowsDuplicate() + ", dead-lettered " + e.rowsDeadLettered()
                + (e.detail() == null ? "" : " (" + e.detail() + ")");
    }
}
