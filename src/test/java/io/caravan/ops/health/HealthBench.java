package io.caravan.ops.health;

import io.caravan.store.DeadLetter;
import io.caravan.store.DeadLetters;
import io.caravan.store.ExecutionLog;
import io.caravan.store.MutableClock;
import io.caravan.store.RouteConfigRow;
import io.caravan.testing.Databases;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.apache.camel.ServiceStatus;

/**
 * A health evaluator over a fresh H2 store, a meter registry the test increments in the families' meter names, a
 * clock the test moves, and route statuses the test sets: the evaluator's real inputs without running routes.
 */
public final class HealthBench {
    public final MutableClock clock;
    public final DataSource store;
    public final MeterRegistry meters = new SimpleMeterRegistry();
    public final DeadLetters deadLetters;
    public final ExecutionLog executions;
    public final List<RouteConfigRow> rows = new CopyOnWriteArrayList<>();
    public final Map<String, ServiceStatus> statuses = new ConcurrentHashMap<>();
    public final HealthEvaluator evaluator;

    public HealthBench() {
        this(Databases.h2(), new MutableClock(Instant.parse("2026-01-05T08:00:00Z")));
    }

    /** Another process (its own meters and evaluator) on the same store and clock: a restart. */
    public HealthBench(DataSource store, MutableClock clock) {
        this.store = store;
        this.clock = clock;
        deadLetters = new DeadLetters(store, clock);
        executions = new ExecutionLog(store, clock);
        evaluator = new HealthEvaluator(
                () -> rows,
                id -> Optional.ofNullable(statuses.get(id)),
                new SignalReader(meters, deadLetters, executions, clock),
                meters,
                clock);
    }

    /** A started route of the template at the tier. */
    public void route(String routeId, String template, String tier) {
        rows.add(new RouteConfigRow(
                routeId,
                template,
                true,
                tier,
                null,
                null,
                "{}",
                null,
                null,
                null,
                null,
                null,
                1,
                clock.instant(),
                "test"));
        statuses.put(routeId, ServiceStatus.Started);
    }

    public void count(String meter, String routeId, double amount, String... tags) {
        String[] all = new String[tags.length + 2];
        all[0] = "route";
        all[1] = routeId;
        System.arraycopy(tags, 0, all, 2, tags.length);
        meters.counter(meter, all).increment(amount);
    }

    public void deadLetter(String routeId, String correlationId) {
        deadLetters.record(
                DeadLetter.of(routeId, correlationId, "k", "TRANSIENT", 503, "HTTP 503", 3, "{\"id\":1}", Map.of()));
    }

    public HealthState state(String routeId) {
        return evaluator.evaluate().stream()
                .filter(h -> h.route().equals(routeId))
                .findFirst()
                .orElseThrow()
                .state();
    }
}
