package io.caravan.ops.health;

/** {@code io.caravan:type=RouteHealth}: each judged route's health, and recent dead letters as operators may see them. */
public interface RouteHealthControlMBean {
    /** "route=STATE" per judged route, sorted by route. */
    String[] getStates();

    /** "route STATE (reasons)" per route that is not CONNECTED. */
    String[] getProblems();

    /** The state of one route, or UNKNOWN. */
    String state(String route);

    /** Evaluates every route now and returns {@link #getStates()}. */
    String[] evaluateNow();

    /** The route's latest dead letters (at most {@code limit}), PII fields and secret headers redacted. */
    String[] recentDeadLetters(String route, int limit);
}
