package io.caravan.ops.health;

/** How a route is doing, from the operator's point of view; worse states compare greater. */
public enum HealthState {
    /** Working: recent work succeeded and nothing waits longer than its bound. */
    CONNECTED,
    /** Working with trouble: some failures, dead letters or a growing backlog, but work still gets through. */
    DEGRADED,
    /** Not getting work through: consecutive failures, incomplete executions or a backlog past its bound. */
    FAILING,
    /** Stopped or suspended by an operator (or not started): not judged. */
    PAUSED;

    /** The worse of two states (PAUSED is decided before and never combined). */
    HealthState worse(HealthState other) {
        return other.compareTo(this) > 0 ? other : this;
    }
}
