package io.caravan.saga;

import io.caravan.store.Sagas;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A saga row's sagas IN_PROGRESS with no change for longer than the threshold (15 minutes by default): a WARN naming
 * each, and the row's {@code caravan_saga_stuck} / {@code caravan_saga_in_progress_seconds} gauges for alert rules
 * (another row's sagas never count in them).
 */
public final class StuckSagas {
    public static final Duration DEFAULT_THRESHOLD = Duration.ofMinutes(15);
    private static final Logger LOG = LoggerFactory.getLogger(StuckSagas.class);

    private final String routeId;
    private final Sagas sagas;
    private final SagaMetrics metrics;
    private final Clock clock;
    private final Duration threshold;

    public StuckSagas(String routeId, Sagas sagas, SagaMetrics metrics, Clock clock, Duration threshold) {
        this.routeId = routeId;
        this.sagas = sagas;
        this.metrics = metrics;
        this.clock = clock;
        this.threshold = threshold;
    }

    /** This row's stuck sagas now; updates the row's gauges and warns once per check for each. */
    public List<Sagas.Saga> check() {
        Instant now = clock.instant();
        List<Sagas.Saga> inProgress = sagas.inProgressSince(routeId, now);
        List<Sagas.Saga> stuck = inProgress.stream()
                .filter(s -> s.updatedAt().isBefore(now.minus(threshold)))
                .toList();
        long oldest = inProgress.isEmpty()
                ? 0
                : Duration.between(inProgress.get(0).updatedAt(), now).toSeconds();
        metrics.inProgress(oldest, stuck.size());
        for (Sagas.Saga s : stuck) {
            LOG.warn(
                    "saga {}/{}: stuck IN_PROGRESS at step {} since {} (longer than {})",
                    s.planName(),
                    s.businessKey(),
                    s.currentStep(),
                    s.updatedAt(),
                    threshold);
        }
        return stuck;
    }
}
