package io.caravan.ops.alerts;

import java.time.Instant;
import java.util.List;

/**
 * One message about one alert (key = rule + route): it fires (first or repeated) or it resolved.
 *
 * @param correlationId the route's latest dead letter's correlation id, if any
 * @param executionId the route's latest execution id (feed, drain), if any
 */
public record Notification(
        AlertRule rule,
        String route,
        boolean resolved,
        double value,
        double threshold,
        List<String> details,
        String correlationId,
        String executionId,
        Instant firstAt,
        Instant at,
        String runbookUrl) {

    public Notification {
        details = List.copyOf(details);
    }

    public String key() {
        return rule.id() + "|" + route;
    }

    public String title() {
        return (resolved ? "RESOLVED " : rule.severity().name() + " ") + rule.id() + " on " + route;
    }
}
