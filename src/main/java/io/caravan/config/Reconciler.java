package io.caravan.config;

import io.caravan.errors.RetryPolicies;
import io.caravan.store.ConfigAudit;
import io.caravan.store.DrainProfile;
import io.caravan.store.DrainProfiles;
import io.caravan.store.ExecutionLog;
import io.caravan.store.RouteConfigRow;
import io.caravan.store.RouteConfigStore;
import io.caravan.store.RoutePauses;
import io.caravan.template.InstanceSpec;
import io.caravan.template.Replayer;
import io.caravan.template.RouteFamily;
import io.caravan.template.RouteInstance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.camel.CamelContext;
import org.apache.camel.ServiceStatus;
import org.apache.camel.builder.TemplatedRouteBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the CamelContext match route_config: enabled valid rows run, disabled rows stop gracefully, changed rows
 * are re-created, invalid rows are reported and not started while every other row keeps running. Runs at
 * startup, every caravan.config.refresh, and on demand. A route an operator stopped (Hawtio/JMX) stays stopped
 * until the operator starts it again or the row's version changes. A route an operator paused (route_pause) is
 * created but kept stopped, across row changes and restarts, until it is resumed.
 */
public final class Reconciler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);
    static final String ACTOR = "reconciler";

    private final CamelContext camel;
    private final RouteConfigStore configs;
    private final DrainProfiles profiles;
    private final ConfigAudit audit;
    private final ExecutionLog executionLog;
    private final RouteConfigValidator validator;
    private final RetryPolicies retryPolicies;
    private final RoutePauses pauses;
    private final Map<String, Running> running = new LinkedHashMap<>();
    private final Map<String, Rejection> rejected = new ConcurrentHashMap<>();
    private ScheduledExecutorService timer;

    private static final class Running {
        final long version;
        final RouteInstance instance;
        boolean operatorStopped;
        boolean paused;

        Running(long version, RouteInstance instance) {
            this.version = version;
            this.instance = instance;
        }
    }

    /** A row that cannot run, at a version, with every problem found. */
    public record Rejection(long version, List<ConfigProblem> problems) {}

    public Reconciler(
            CamelContext camel,
            RouteConfigStore configs,
            DrainProfiles profiles,
            ConfigAudit audit,
            ExecutionLog executionLog,
            RouteConfigValidator validator,
            RetryPolicies retryPolicies,
            RoutePauses pauses) {
        this.camel = camel;
        this.configs = configs;
        this.profiles = profiles;
        this.audit = audit;
        this.executionLog = executionLog;
        this.validator = validator;
        this.retryPolicies = retryPolicies;
        this.pauses = pauses;
    }

    /** Reconciles now and then every {@code refresh}. */
    public void start(Duration refresh) {
        reconcile();
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "caravan-reconciler");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(
                this::reconcileQuietly, refresh.toMillis(), refresh.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void reconcileQuietly() {
        try {
            reconcile();
        } catch (RuntimeException e) {
            LOG.error("reconciling route_config failed; running routes are unchanged", e);
        }
    }

    /** One pass: returns the ids of routes started, re-created or stopped. */
    public synchronized List<String> reconcile() {
        List<String> changed = new ArrayList<>();
        if (!camel.getStatus().isStarted()) {
            return changed; // starting or shutting down: Camel owns the routes' state now
        }
        Map<String, DrainProfile> profileMap = profiles.all();
        Set<String> paused = pauses.paused();
        Set<String> seen = new HashSet<>();
        for (RouteConfigRow row : configs.all()) {
            String id = row.routeId();
            seen.add(id);
            Running current = running.get(id);
            if (!row.enabled()) {
                rejected.remove(id);
                if (current != null) {
                    remove(id, "DISABLED", "row disabled at version " + row.version());
                    changed.add(id);
                }
                continue;
            }
            RouteConfigValidator.Result result = validator.validate(row, profileMap);
            if (!result.valid()) {
                reject(row, result.problems(), current);
                continue;
            }
            if (current != null && current.version == row.version()) {
                holdPauseOrWatchOperator(id, current, paused.contains(id));
                continue;
            }
            rejected.remove(id);
            if (current != null) {
                remove(id, "RECREATING", "row changed to version " + row.version());
            }
            if (create(result.spec().orElseThrow(), result.family(), row)) {
                changed.add(id);
                holdPauseOrWatchOperator(id, running.get(id), paused.contains(id));
            }
        }
        for (String id : new ArrayList<>(running.keySet())) {
            if (!seen.contains(id)) {
                remove(id, "REMOVED", "row deleted");
                changed.add(id);
            }
        }
        rejected.keySet().retainAll(seen);
        return changed;
    }

    private boolean create(InstanceSpec spec, RouteFamily family, RouteConfigRow row) {
        String id = spec.routeId();
        RouteInstance instance = null;
        try {
            instance = family.create(spec);
            instance.beans().forEach((name, bean) -> camel.getRegistry().bind(name, bean));
            retryPolicies.put(id, spec.retryPolicy());
            TemplatedRouteBuilder.builder(camel, family.templateId())
                    .routeId(id)
                    .parameters(instance.templateParameters())
                    .add();
            running.put(id, new Running(row.version(), instance));
            audit.record(id, "STARTED", null, "version " + row.version(), ACTOR);
            LOG.info("route {} started from template {} at version {}", id, family.templateId(), row.version());
            return true;
        } catch (Exception e) {
            LOG.error("route {} could not be created", id, e);
            if (instance != null) {
                unbind(instance);
                instance.close();
            }
            retryPolicies.remove(id);
            removeQuietly(id);
            reject(
                    row,
                    List.of(new ConfigProblem(id, "template", "creating the route failed: " + rootMessage(e))),
                    null);
            return false;
        }
    }

    private void reject(RouteConfigRow row, List<ConfigProblem> problems, Running current) {
        String id = row.routeId();
        Rejection previous = rejected.get(id);
        Rejection now = new Rejection(row.version(), List.copyOf(problems));
        rejected.put(id, now);
        if (previous != null && previous.equals(now)) {
            return; // reported once per version, not every refresh
        }
        String still = current == null ? "not started" : "version " + current.version + " keeps running";
        for (ConfigProblem p : problems) {
            LOG.warn("{} ({} at version {}; {})", p.message(), "rejected", row.version(), still);
        }
        String detail = "rejected version " + row.version() + ": "
                + String.join(
                        "; ", problems.stream().map(ConfigProblem::message).toList());
        executionLog.recordFailure(id, detail);
        audit.record(id, "REJECTED", null, detail, ACTOR);
    }

    /**
     * A paused route is kept stopped (its consumer takes nothing); a resumed one is started again. Otherwise the
     * operator's own stops and starts (Hawtio's Camel view) are respected.
     */
    private void holdPauseOrWatchOperator(String id, Running current, boolean paused) {
        ServiceStatus status = camel.getRouteController().getRouteStatus(id);
        if (paused) {
            if (status != null && !status.isStopped()) {
                stopQuietly(id);
            }
            if (!current.paused) {
                current.paused = true;
                LOG.info("route {} is paused by an operator; it stays stopped until resumed", id);
            }
            return;
        }
        if (current.paused) {
            current.paused = false;
            current.operatorStopped = false;
            try {
                camel.getRouteController().startRoute(id);
                LOG.info("route {} resumed", id);
            } catch (Exception e) {
                LOG.error("route {} could not be resumed", id, e);
            }
            return;
        }
        watchOperatorStop(id, current);
    }

    private void stopQuietly(String id) {
        try {
            camel.getRouteController().stopRoute(id); // graceful: in-flight exchanges finish
        } catch (Exception e) {
            LOG.error("route {} could not be stopped for its pause", id, e);
        }
    }

    /**
     * Runs {@code work} while the route is not consuming: a running route is stopped gracefully first and started
     * again afterwards; no reconcile pass runs in between. For changes a running execution must not race with (an
     * operator's watermark reset).
     */
    public synchronized <T> T whileStopped(String id, Supplier<T> work) {
        ServiceStatus status = camel.getRouteController().getRouteStatus(id);
        boolean wasStarted = status != null && status.isStarted();
        if (wasStarted) {
            stopQuietly(id);
        }
        try {
            return work.get();
        } finally {
            if (wasStarted) {
                try {
                    camel.getRouteController().startRoute(id);
                } catch (Exception e) {
                    LOG.error("route {} could not be started again", id, e);
                }
            }
        }
    }

    private void watchOperatorStop(String id, Running current) {
        ServiceStatus status = camel.getRouteController().getRouteStatus(id);
        boolean stopped = status != null && status.isStopped();
        if (stopped && !current.operatorStopped) {
            current.operatorStopped = true;
            LOG.info(
                    "route {} was stopped by an operator; it stays stopped until started again or its row changes", id);
            audit.record(id, "OPERATOR_STOPPED", null, null, "operator");
        } else if (!stopped && current.operatorStopped) {
            current.operatorStopped = false;
            audit.record(id, "OPERATOR_STARTED", null, null, "operator");
        }
    }

    private void remove(String id, String action, String why) {
        Running r = running.remove(id);
        try {
            camel.getRouteController().stopRoute(id); // graceful: in-flight exchanges finish
            camel.removeRoute(id);
        } catch (Exception e) {
            LOG.error("route {} could not be stopped cleanly", id, e);
        }
        if (r != null) {
            unbind(r.instance);
            r.instance.close();
        }
        retryPolicies.remove(id);
        audit.record(id, action, null, why, ACTOR);
        LOG.info("route {} stopped: {}", id, why);
    }

    private void removeQuietly(String id) {
        try {
            if (camel.getRoute(id) != null) {
                camel.getRouteController().stopRoute(id);
                camel.removeRoute(id);
            }
        } catch (Exception e) {
            LOG.debug("cleanup of route {} failed", id, e);
        }
    }

    private void unbind(RouteInstance instance) {
        instance.beans().keySet().forEach(name -> camel.getRegistry().unbind(name));
    }

    /** Rows that cannot run, by route id. */
    public Map<String, Rejection> rejected() {
        return Map.copyOf(rejected);
    }

    /** How the running route re-sends its dead letters; empty when the route does not run or has no replayer. */
    public synchronized Optional<Replayer> replayer(String routeId) {
        Running r = running.get(routeId);
        return r == null ? Optional.empty() : r.instance.replayer();
    }

    /** Route ids this reconciler runs. */
    public synchronized Set<String> running() {
        return Set.copyOf(running.keySet());
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    /**
     * Stops reconciling and releases what each row's route holds (consumers, pools, meters). Called on shutdown after
     * Camel stopped the routes, and before the stand-ins and stores the rows use are stopped: an inbox consumer leaves
     * its group while the broker is still there.
     */
    @Override
    public synchronized void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
        running.forEach((id, r) -> {
            try {
                r.instance.close();
            } catch (RuntimeException e) {
                LOG.warn("route {}: what it held could not be released cleanly on shutdown", id, e);
            }
        });
        running.clear();
    }
}
