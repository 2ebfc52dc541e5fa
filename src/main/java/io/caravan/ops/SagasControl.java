package io.caravan.ops;

import io.caravan.saga.SagaFamily;
import io.caravan.store.Sagas;
import java.util.ArrayList;
import java.util.List;

/** {@link SagasMBean}: reads go to the saga tables; resume, compensate and cancel go through the saga family. */
public final class SagasControl implements SagasMBean {
    public static final String OBJECT_NAME = "io.caravan:type=Sagas";
    static final int MAX_LIMIT = 200;

    private final SagaFamily family;
    private final AuditedOperations audited;

    SagasControl(SagaFamily family, AuditedOperations audited) {
        this.family = family;
        this.audited = audited;
    }

    @Override
    public String[] sagas(String status, int limit) {
        return audited.run("sagas", AuditedOperations.args("status", status, "limit", limit), () -> family
                .sagas()
                .byStatus(status.trim().toUpperCase(java.util.Locale.ROOT), Math.min(Math.max(limit, 1), MAX_LIMIT))
                .stream()
                .map(SagasControl::line)
                .toArray(String[]::new));
    }

    @Override
    public String[] saga(String plan, String businessKey) {
        return audited.run("saga", AuditedOperations.args("plan", plan, "businessKey", businessKey), () -> {
            Sagas.Saga s = family.sagas()
                    .find(plan, businessKey)
                    .orElseThrow(() -> new IllegalArgumentException("no saga " + plan + "/" + businessKey));
            List<String> lines = new ArrayList<>();
            lines.add(line(s) + (s.error() == null ? "" : " error=" + s.error()));
            for (Sagas.Step step : family.sagas().steps(plan, businessKey)) {
                lines.add("  " + step.position() + " " + step.step() + " " + step.status() + " attempts="
                        + step.attempts() + " key=" + step.idempotencyKey()
                        + (step.result() == null ? "" : " result=" + step.result())
                        + (step.error() == null ? "" : " error=" + step.error()));
            }
            return lines.toArray(String[]::new);
        });
    }

    @Override
    public String resume(String plan, String businessKey, String fromStep) {
        return audited.run(
                "resume",
                AuditedOperations.args("plan", plan, "businessKey", businessKey, "fromStep", fromStep),
                () -> family.resume(plan, businessKey, fromStep));
    }

    @Override
    public String compensate(String plan, String businessKey) {
        return audited.run(
                "compensate",
                AuditedOperations.args("plan", plan, "businessKey", businessKey),
                () -> family.compensate(plan, businessKey));
    }

    @Override
    public String cancel(String plan, String businessKey) {
        return audited.run(
                "cancel",
                AuditedOperations.args("plan", plan, "businessKey", businessKey),
                () -> family.cancel(plan, businessKey, Operator.current()));
    }

    private static String line(Sagas.Saga s) {
        return s.planName() + "/" + s.businessKey() + " " + s.status() + " step=" + s.currentStep() + " plan="
                + s.planVersion() + " route=" + s.routeId() + " created=" + s.createdAt() + " updated="
                + s.updatedAt();
    }
}
