package io.caravan.template;

/** The maturity tier of a route (seed 000): what idempotency, replay and observability it must have. */
public enum Tier {
    T0,
    T1,
    T2,
    T3,
    T4,
    T5;

    public boolean atLeast(Tier other) {
        return compareTo(other) >= 0;
    }
}
