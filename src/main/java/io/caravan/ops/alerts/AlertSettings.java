package io.caravan.ops.alerts;

import java.time.Duration;
import java.util.Optional;

/**
 * How caravan delivers its alerts. The URLs are secrets (a Teams workflow URL carries its signature): they come from
 * caravan.alerts.teams-url / caravan.alerts.webhook-url or the files named by the same keys with -file, and are
 * never logged.
 *
 * @param teamsUrl a Microsoft Teams Workflows (or legacy connector) webhook: Adaptive Card messages
 * @param webhookUrl any HTTP endpoint: plain JSON
 * @param groupWait how long a condition must hold before its first notification
 * @param repeatInterval how long before a still-firing alert is sent again
 * @param runbookUrl the runbook's address; each rule links to its anchor
 * @param retryDelay the first delay before a failed delivery is retried (doubled each time)
 * @param maxAttempts deliveries tried per notification and channel
 */
public record AlertSettings(
        Optional<String> teamsUrl,
        Optional<String> webhookUrl,
        Duration groupWait,
        Duration repeatInterval,
        String runbookUrl,
        Duration retryDelay,
        int maxAttempts) {
    public static final String TEAMS_URL = "caravan.alerts.teams-url";
    public static final String WEBHOOK_URL = "caravan.alerts.webhook-url";
    public static final String GROUP_WAIT = "caravan.alerts.group-wait";
    public static final String REPEAT_INTERVAL = "caravan.alerts.repeat-interval";
    public static final String RUNBOOK_URL = "caravan.alerts.runbook-url";

    public static final Duration DEFAULT_GROUP_WAIT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_REPEAT_INTERVAL = Duration.ofHours(4);
    /**
     * The runbook as a path in this repository; a deployment sets caravan.alerts.runbook-url to where it publishes
     * docs/runbook.md (an http(s) address becomes the card's Runbook button).
     */
    public static final String DEFAULT_RUNBOOK_URL = "docs/runbook.md";

    public AlertSettings {
        teamsUrl = teamsUrl.filter(u -> !u.isBlank());
        webhookUrl = webhookUrl.filter(u -> !u.isBlank());
        if (groupWait.isNegative() || repeatInterval.isNegative() || repeatInterval.isZero()) {
            throw new IllegalArgumentException("alert group wait must be ≥ 0 and repeat interval > 0");
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("alert delivery attempts must be at least 1");
        }
    }
}
