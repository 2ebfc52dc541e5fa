package io.caravan.saga;

import io.caravan.errors.DataQualityException;
import io.caravan.store.Sagas;
import java.util.Map;
import java.util.Optional;

/**
 * Starts a saga for a project event: the business key read from the event, the current plan frozen into it (its text
 * and version) with one PENDING row per step. An event for a business key that already has a saga starts nothing.
 */
public final class SagaStarter {
    private final String routeId;
    private final Sagas sagas;

    public SagaStarter(String routeId, Sagas sagas) {
        this.routeId = routeId;
        this.sagas = sagas;
    }

    /** The business key of the saga started, or empty when that key already has one. */
    public Optional<String> start(SagaPlan plan, String eventJson) {
        Map<String, Object> event = SagaRunner.parse(eventJson);
        Object key = event.get(plan.businessKey());
        if (key == null || key.toString().isBlank() || key.toString().length() > 200) {
            throw new DataQualityException("project event has no usable " + plan.businessKey());
        }
        String business = key.toString();
        boolean created = sagas.create(
                plan.name(),
                business,
                routeId,
                plan.version(),
                plan.text(),
                eventJson,
                plan.steps().stream()
                        .map(s -> new Sagas.NewStep(s.name(), plan.idempotencyKey(business, s.name())))
                        .toList());
        return created ? Optional.of(business) : Optional.empty();
    }
}
