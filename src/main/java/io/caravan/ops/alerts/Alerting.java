package io.caravan.ops.alerts;

import io.caravan.ops.health.RouteHealth;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns each health evaluation into notifications the way Alertmanager groups them, one group per rule + route: a
 * condition that holds for the group wait is sent once; while it keeps holding it is sent again only after the repeat
 * interval; when it clears, one resolved message follows (a condition that clears before its first notification
 * sends nothing). A signal with no data keeps an alert as it is. Each sent alert is a row of alert_event; FIRING rows
 * are picked up again after a restart.
 */
public final class Alerting implements Consumer<List<RouteHealth>> {
    private static final Logger LOG = LoggerFactory.getLogger(Alerting.class);

    /** One alert group's state. */
    static final class Active {
        final AlertRule rule;
        final String route;
        final Instant firstAt;
        Instant lastSentAt;
        long eventId;
        double value;
        double threshold;
        List<String> details = List.of();

        Active(AlertRule rule, String route, Instant firstAt) {
            this.rule = rule;
            this.route = route;
            this.firstAt = firstAt;
        }

        String describe() {
            return rule.severity() + " " + rule.id() + " on " + route + ": "
                    + rule.signal().tag() + " "
                    + FormatNumber.of(value) + " " + rule.comparison().promql() + " " + FormatNumber.of(threshold)
                    + " since " + firstAt + (lastSentAt == null ? " (waiting)" : " last sent " + lastSentAt);
        }
    }

    private final List<AlertRule> rules;
    private final AlertEvents events;
    private final AlertDelivery delivery;
    private final AlertSettings settings;
    private final Clock clock;
    private final Map<String, Active> active = new ConcurrentHashMap<>();

    public Alerting(
            List<AlertRule> rules, AlertEvents events, AlertDelivery delivery, AlertSettings settings, Clock clock) {
        this.rules = List.copyOf(rules);
        this.events = events;
        this.delivery = delivery;
        this.settings = settings;
        this.clock = clock;
        try {
            for (AlertEvents.Event e : events.firing()) {
                rules.stream().filter(r -> r.id().equals(e.rule())).findFirst().ifPresent(r -> {
                    Active a = new Active(r, e.route(), e.firstAt());
                    a.lastSentAt = e.lastSentAt();
                    a.eventId = e.id();
                    a.value = e.value() == null ? Double.NaN : e.value();
                    a.threshold = e.threshold();
                    active.put(key(r, e.route()), a);
                });
            }
        } catch (RuntimeException e) {
            LOG.warn("firing alerts could not be read; they start afresh: {}", e.toString());
        }
    }

    @Override
    public synchronized void accept(List<RouteHealth> routes) {
        Instant now = clock.instant();
        Map<String, Map<String, AlertEvents.Override>> overrides = overrides();
        Set<String> holding = new HashSet<>();
        for (RouteHealth h : routes) {
            Map<String, AlertEvents.Override> mine = overrides.getOrDefault(h.route(), Map.of());
            for (AlertRule rule : rules) {
                if (!rule.appliesTo(h)) {
                    continue;
                }
                AlertEvents.Override o = mine.get(rule.id());
                if (o != null && !o.enabled()) {
                    continue;
                }
                double threshold = o != null && o.threshold() != null ? o.threshold() : rule.threshold();
                String key = key(rule, h.route());
                if (h.signals().get(rule.signal()).isEmpty() && active.containsKey(key)) {
                    holding.add(key); // no data (just started): neither resolved nor repeated
                    continue;
                }
                if (!rule.fires(h.signals(), threshold)) {
                    continue;
                }
                holding.add(key);
                Active a = active.computeIfAbsent(key, k -> new Active(rule, h.route(), now));
                a.value = h.signals().get(rule.signal()).orElse(Double.NaN);
                a.threshold = threshold;
                a.details = details(h);
                if (a.lastSentAt == null) {
                    if (!now.isBefore(a.firstAt.plus(settings.groupWait()))) {
                        send(a, false, now);
                    }
                } else if (!now.isBefore(a.lastSentAt.plus(settings.repeatInterval()))) {
                    send(a, false, now);
                }
            }
        }
        Map<String, RouteHealth> byRoute = new java.util.HashMap<>();
        routes.forEach(h -> byRoute.put(h.route(), h));
        for (String key : new ArrayList<>(active.keySet())) {
            if (holding.contains(key)) {
                continue;
            }
            Active a = active.remove(key);
            if (a.lastSentAt != null) {
                RouteHealth h = byRoute.get(a.route);
                a.value = h == null
                        ? Double.NaN
                        : h.signals().get(a.rule.signal()).orElse(Double.NaN);
                a.details = h == null ? List.of("route no longer running") : details(h);
                send(a, true, now);
            }
        }
    }

    private void send(Active a, boolean resolved, Instant now) {
        Notification n = new Notification(
                a.rule,
                a.route,
                resolved,
                a.value,
                a.threshold,
                a.details,
                events.latestCorrelationId(a.route).orElse(null),
                events.latestExecutionId(a.route).orElse(null),
                a.firstAt,
                now,
                settings.runbookUrl() + "#" + a.rule.id());
        try {
            if (resolved) {
                if (a.eventId > 0) {
                    events.resolved(a.eventId, a.value, now);
                }
            } else if (a.lastSentAt == null) {
                a.eventId = events.fired(n);
            } else {
                events.sentAgain(a.eventId, a.value, now);
            }
        } catch (RuntimeException e) {
            LOG.warn("alert_event not written for {}: {}", n.title(), e.toString());
        }
        a.lastSentAt = now;
        String line = "alert {}: {} {} {} (threshold {})";
        Object[] args = {
            resolved ? "resolved" : "firing",
            a.rule.id(),
            a.route,
            a.rule.signal().tag() + " " + FormatNumber.of(a.value),
            FormatNumber.of(a.threshold)
        };
        if (resolved) {
            LOG.info(line, args);
        } else {
            LOG.warn(line, args);
        }
        delivery.submit(n, a.eventId);
    }

    private static List<String> details(RouteHealth h) {
        List<String> d = new ArrayList<>();
        d.add("health " + h.state() + (h.reasons().isEmpty() ? "" : ": " + String.join(", ", h.reasons())));
        return d;
    }

    private Map<String, Map<String, AlertEvents.Override>> overrides() {
        try {
            return events.overrides();
        } catch (RuntimeException e) {
            LOG.warn("alert_override could not be read; declared thresholds apply: {}", e.toString());
            return Map.of();
        }
    }

    /** The alerts whose condition holds now (sent or waiting for the group wait). */
    public List<String> active() {
        return active.values().stream().map(Active::describe).sorted().toList();
    }

    Optional<Active> active(String ruleId, String route) {
        return Optional.ofNullable(active.get(ruleId + "|" + route));
    }

    static String key(AlertRule rule, String route) {
        return rule.id() + "|" + route;
    }

    Duration groupWait() {
        return settings.groupWait();
    }
}
