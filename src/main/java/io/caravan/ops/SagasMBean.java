package io.caravan.ops;

/** io.caravan:type=Sagas: sagas by state, one saga with its steps, and resume, compensate, cancel. */
public interface SagasMBean {

    @Described(
            value = "Sagas in a state (PENDING, IN_PROGRESS, COMPLETED, FAILED, COMPENSATED, CANCELLED), newest first",
            params = {"status", "limit"})
    String[] sagas(String status, int limit);

    @Described(
            value = "One saga: its status, plan version and error, then one line per step with its result",
            params = {"plan", "businessKey"})
    String[] saga(String plan, String businessKey);

    @Described(
            value = "Resumes a saga from its first unfinished step (fromStep empty) or from a named step; audited",
            params = {"plan", "businessKey", "fromStep"})
    String resume(String plan, String businessKey, String fromStep);

    @Described(
            value = "Runs the compensations of a saga's completed steps in reverse order; audited",
            params = {"plan", "businessKey"})
    String compensate(String plan, String businessKey);

    @Described(
            value = "Ends a saga CANCELLED without calling anything; audited",
            params = {"plan", "businessKey"})
    String cancel(String plan, String businessKey);
}
