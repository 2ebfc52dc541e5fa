package io.caravan.ops.health;

import io.caravan.store.RouteConfigRow;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.camel.ServiceStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Judges every enabled route_config row on a schedule (caravan.alerts.evaluate-every): PAUSED when its Camel route is
 * stopped or suspended, otherwise its family's {@link FamilyRules} over the {@link Signals} read now. Publishes
 * {@code caravan_route_health{route,family,tier,state}} (1 for the current state, 0 for the others) and the signals
 * that only caravan can measure (consecutive failures, incomplete executions, running time) as gauges, logs every
 * transition, and hands each evaluation to its listeners (the alerting). Rows whose route is not in Camel (rejected,
 * not yet started) are not judged: the route-config health check reports them.
 */
public final class HealthEvaluator implements AutoCloseable {
    /** The setting for the evaluation interval. */
    public static final String EVALUATE_EVERY = "caravan.alerts.evaluate-every";

    public static final Duration DEFAULT_EVALUATE_EVERY = Duration.ofSeconds(15);

    private static final Logger LOG = LoggerFactory.getLogger(HealthEvaluator.class);

    private final Supplier<List<RouteConfigRow>> rows;
    private final Function<String, Optional<ServiceStatus>> routeStatus;
    private final SignalReader reader;
    private final MeterRegistry meters;
    private final Clock clock;
    private final List<Consumer<List<RouteHealth>>> listeners = new CopyOnWriteArrayList<>();
    private final Map<String, RouteHealth> current = new ConcurrentHashMap<>();
    private final Map<String, List<Meter>> published = new ConcurrentHashMap<>();
    private ScheduledExecutorService scheduler;

    public HealthEvaluator(
            Supplier<List<RouteConfigRow>> rows,
            Function<String, Optional<ServiceStatus>> routeStatus,
            SignalReader reader,
            MeterRegistry meters,
            Clock clock) {
        this.rows = rows;
        this.routeStatus = routeStatus;
        this.reader = reader;
        this.meters = meters;
        this.clock = clock;
    }

    public void addListener(Consumer<List<RouteHealth>> listener) {
        listeners.add(listener);
    }

    /** Evaluates now on a daemon thread, then every {@code every}; failures are logged and the next round runs. */
    public synchronized void start(Duration every) {
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "caravan-health");
            t.setDaemon(true);
            return t;
        });
        scheduler.scheduleWithFixedDelay(
                () -> {
                    try {
                        evaluate();
                    } catch (RuntimeException e) {
                        LOG.warn("route health evaluation failed; next round in {}: {}", every, e.toString());
                    }
                },
                every.toMillis(),
                every.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** One evaluation of every enabled row; returns the routes' health, also kept for {@link #current()}. */
    public synchronized List<RouteHealth> evaluate() {
        List<RouteHealth> all = new ArrayList<>();
        for (RouteConfigRow row : rows.get()) {
            if (!row.enabled()) {
                continue;
            }
            Optional<FamilyRules> family = FamilyRules.forTemplate(row.template());
            Optional<ServiceStatus> status = routeStatus.apply(row.routeId());
            if (family.isEmpty() || status.isEmpty()) {
                continue;
            }
            all.add(judge(row, family.get(), status.get()));
        }
        Set<String> seen = all.stream().map(RouteHealth::route).collect(Collectors.toSet());
        for (String gone : Set.copyOf(current.keySet())) {
            if (!seen.contains(gone)) {
                current.remove(gone);
                reader.forget(gone);
                unpublish(gone);
            }
        }
        for (RouteHealth h : all) {
            RouteHealth before = current.put(h.route(), h);
            if (before == null || before.state() != h.state()) {
                String from = before == null ? "(new)" : before.state().name();
                if (h.state() == HealthState.CONNECTED || h.state() == HealthState.PAUSED) {
                    LOG.info(
                            "route {} health {} → {}",
                            h.route(),
                            from,
                            h.describe().substring(h.route().length() + 1));
                } else {
                    LOG.warn(
                            "route {} health {} → {}",
                            h.route(),
                            from,
                            h.describe().substring(h.route().length() + 1));
                }
            }
            publish(h);
        }
        List<RouteHealth> result = List.copyOf(all);
        listeners.forEach(l -> {
            try {
                l.accept(result);
            } catch (RuntimeException e) {
                LOG.warn("route health listener failed: {}", e.toString());
            }
        });
        return result;
    }

    private RouteHealth judge(RouteConfigRow row, FamilyRules family, ServiceStatus status) {
        Signals signals = reader.read(row.routeId(), family);
        if (status.isStopped() || status.isSuspended() || status.isStopping() || status.isSuspending()) {
            return new RouteHealth(
                    row.routeId(),
                    family,
                    row.tier(),
                    HealthState.PAUSED,
                    List.of("route " + status.name().toLowerCase(java.util.Locale.ROOT)),
                    signals,
                    clock.instant());
        }
        FamilyRules.Judgement j = family.judge(signals);
        return new RouteHealth(row.routeId(), family, row.tier(), j.state(), j.reasons(), signals, clock.instant());
    }

    /** The last evaluation of every judged route. */
    public Map<String, RouteHealth> current() {
        return Map.copyOf(current);
    }

    private void publish(RouteHealth h) {
        published.computeIfAbsent(h.route(), r -> {
            List<Meter> list = new ArrayList<>();
            for (HealthState s : HealthState.values()) {
                list.add(Gauge.builder("caravan.route.health", current, m -> stateOf(m, r) == s ? 1 : 0)
                        .description("1 for the route's current health state, 0 for the others")
                        .tag("route", r)
                        .tag("family", h.family().tag())
                        .tag("tier", h.tier())
                        .tag("state", s.name())
                        .register(meters));
            }
            list.add(signalGauge(
                    r,
                    Signal.CONSECUTIVE_FAILURES,
                    "caravan.route.consecutive.failures",
                    "failures of the route with no success in between, at the last evaluation"));
            list.add(signalGauge(
                    r,
                    Signal.INCOMPLETE_EXECUTIONS,
                    "caravan.route.incomplete.executions",
                    "INCOMPLETE executions of the route in the last hour (execution_log)"));
            list.add(signalGauge(
                    r,
                    Signal.EXECUTION_RUNNING_SECONDS,
                    "caravan.route.execution.running.seconds",
                    "seconds the route's oldest RUNNING execution has been running"));
            return list;
        });
    }

    private Meter signalGauge(String route, Signal signal, String name, String description) {
        return Gauge.builder(name, current, m -> {
                    RouteHealth h = m.get(route);
                    return h == null ? Double.NaN : h.signals().get(signal).orElse(Double.NaN);
                })
                .description(description)
                .tag("route", route)
                .register(meters);
    }

    private static HealthState stateOf(Map<String, RouteHealth> m, String route) {
        RouteHealth h = m.get(route);
        return h == null ? null : h.state();
    }

    private void unpublish(String route) {
        List<Meter> list = published.remove(route);
        if (list != null) {
            list.forEach(meters::remove);
        }
    }

    @Override
    public synchronized void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
            scheduler = null;
        }
        Set.copyOf(published.keySet()).forEach(this::unpublish);
    }
}
