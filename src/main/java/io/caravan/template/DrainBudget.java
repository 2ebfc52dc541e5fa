package io.caravan.template;

/** How much a scheduled execution may take (seed 000): up to maxCycles cycles of up to maxReturnedEvents each. */
public record DrainBudget(String profile, int maxReturnedEvents, int maxCycles) {
    public DrainBudget {
        if (maxReturnedEvents <= 0 || maxCycles <= 0) {
            throw new IllegalArgumentException(
                    "drain budget must be positive, was " + maxReturnedEvents + " x " + maxCycles);
        }
    }

    /** Events per execution at most. */
    public int perExecution() {
        return maxReturnedEvents * maxCycles;
    }
}
