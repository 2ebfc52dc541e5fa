package io.caravan.ops.health;

import java.time.Instant;
import java.util.List;

/** One route's health at one evaluation: its state, the reasons for it, and the signals it was judged on. */
public record RouteHealth(
        String route,
        FamilyRules family,
        String tier,
        HealthState state,
        List<String> reasons,
        Signals signals,
        Instant evaluatedAt) {

    public RouteHealth {
        reasons = List.copyOf(reasons);
    }

    /** "feed-a FAILING (consecutive_failures 3 ≥ 3)". */
    public String describe() {
        return route + " " + state + (reasons.isEmpty() ? "" : " (" + String.join(", ", reasons) + ")");
    }
}
