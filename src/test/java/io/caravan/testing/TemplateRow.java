package io.caravan.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.caravan.store.RouteConfigRow;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** A route_config row of any template, for tests: template params plus the columns a test cares about. */
public final class TemplateRow {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String routeId;
    private final String template;
    private final Map<String, String> params = new LinkedHashMap<>();
    private String tier = "T2";
    private String profile;
    private String schedule;
    private Integer retryMaxAttempts = 3;
    private Long retryInitialDelayMs = 100L;
    private Long retryMaxDelayMs = 2000L;
    private Integer throttlePerSecond;

    private TemplateRow(String routeId, String template) {
        this.routeId = routeId;
        this.template = template;
    }

    public static TemplateRow inboundWebhook(String routeId, String source, String secretRef, String inboxTopic) {
        return new TemplateRow(routeId, "inbound-webhook")
                .param("source", source)
                .param("secret", secretRef)
                .param("inboxTopic", inboxTopic);
    }

    public static TemplateRow queueDrain(String routeId, String profile, String inboxTopic, String target) {
        TemplateRow row = new TemplateRow(routeId, "queue-drain")
                .param("inboxTopic", inboxTopic)
                .param("target", target);
        row.profile = profile;
        return row;
    }

    public static TemplateRow saga(String routeId, String profile, String topic, String plan, String target) {
        TemplateRow row = new TemplateRow(routeId, "saga")
                .param("topic", topic)
                .param("plan", plan)
                .param("target", target);
        row.profile = profile;
        row.tier = "T4";
        return row;
    }

    public TemplateRow param(String name, String value) {
        params.put(name, value);
        return this;
    }

    public TemplateRow schedule(String schedule) {
        this.schedule = schedule;
        return this;
    }

    public TemplateRow retry(int maxAttempts, long initialDelayMs, long maxDelayMs) {
        retryMaxAttempts = maxAttempts;
        retryInitialDelayMs = initialDelayMs;
        retryMaxDelayMs = maxDelayMs;
        return this;
    }

    public TemplateRow throttle(int perSecond) {
        throttlePerSecond = perSecond;
        return this;
    }

    public String routeId() {
        return routeId;
    }

    public RouteConfigRow row() {
        try {
            return new RouteConfigRow(
                    routeId,
                    template,
                    true,
                    tier,
                    profile,
                    schedule,
                    JSON.writeValueAsString(params),
                    throttlePerSecond,
                    retryMaxAttempts,
                    retryInitialDelayMs,
                    retryMaxDelayMs,
                    "test",
                    1,
                    Instant.now(),
                    "test");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
