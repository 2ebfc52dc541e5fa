package io.caravan.ops.health;

import io.caravan.errors.PayloadRedaction;
import io.caravan.store.DeadLetter;
import io.caravan.store.DeadLetters;
import java.util.List;
import java.util.TreeMap;

/** The RouteHealth MBean: judged routes, their problems, and recent dead letters as operators may see them. */
public final class RouteHealthControl implements RouteHealthControlMBean {
    public static final String OBJECT_NAME = "io.caravan:type=RouteHealth";
    private static final int MAX_LISTED = 100;

    private final HealthEvaluator evaluator;
    private final DeadLetters deadLetters;

    public RouteHealthControl(HealthEvaluator evaluator, DeadLetters deadLetters) {
        this.evaluator = evaluator;
        this.deadLetters = deadLetters;
    }

    /** Registers (or replaces) the MBean in the platform MBean server. */
    public static void register(RouteHealthControl control) {
        PlatformMBeans.register(OBJECT_NAME, control);
    }

    @Override
    public String[] getStates() {
        return new TreeMap<>(evaluator.current())
                .values().stream().map(h -> h.route() + "=" + h.state()).toArray(String[]::new);
    }

    @Override
    public String[] getProblems() {
        return new TreeMap<>(evaluator.current())
                .values().stream()
                        .filter(h -> h.state() != HealthState.CONNECTED)
                        .map(RouteHealth::describe)
                        .toArray(String[]::new);
    }

    @Override
    public String state(String route) {
        RouteHealth h = evaluator.current().get(route);
        return h == null ? "UNKNOWN" : h.state().name();
    }

    @Override
    public String[] evaluateNow() {
        evaluator.evaluate();
        return getStates();
    }

    @Override
    public String[] recentDeadLetters(String route, int limit) {
        return listing(deadLetters.findByRoute(route), limit, PayloadRedaction.current())
                .toArray(String[]::new);
    }

    /** The latest dead letters, newest first, as an operator may see them: payload and headers redacted. */
    public static List<String> listing(List<DeadLetter> letters, int limit, PayloadRedaction redaction) {
        int n = Math.max(0, Math.min(Math.min(limit, MAX_LISTED), letters.size()));
        List<DeadLetter> latest = new java.util.ArrayList<>(letters.subList(letters.size() - n, letters.size()));
        java.util.Collections.reverse(latest);
        return latest.stream()
                .map(d -> "#" + d.id() + " " + d.createdAt() + " " + d.category() + " status " + d.statusCode()
                        + " attempts " + d.attempts() + " correlationId " + d.correlationId() + " key "
                        + d.idempotencyKey() + " replay " + d.replayStatus() + " reason "
                        + redaction.redact(d.reason()) + " headers "
                        + new TreeMap<>(redaction.redactHeaders(d.headers())) + " payload "
                        + redaction.redact(d.payload()))
                .toList();
    }
}
