package io.caravan.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.caravan.store.RouteConfigRow;
import io.caravan.template.TemplateParameter;
import io.caravan.trigger.S3TransientTriggerFamily;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/** route_config rows and parameter maps for s3-transient-trigger routes, as tests and the benchmark write them. */
public final class TriggerRows {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TriggerRows() {}

    /** An enabled T2 trigger row with these params. */
    public static RouteConfigRow row(String routeId, Map<String, String> params) {
        try {
            return new RouteConfigRow(
                    routeId,
                    S3TransientTriggerFamily.TEMPLATE_ID,
                    true,
                    "T2",
                    null,
                    null,
                    JSON.writeValueAsString(params),
                    null,
                    null,
                    null,
                    null,
                    "test",
                    1,
                    Instant.now(),
                    "test");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every declared default, plus the required parameters for customer hts, overridden by {@code overrides}. */
    public static Map<String, String> params(Map<String, String> overrides) {
        Map<String, String> params = new HashMap<>();
        for (TemplateParameter p : S3TransientTriggerFamily.PARAMETERS) {
            if (p.defaultValue() != null) {
                params.put(p.name(), p.defaultValue());
            }
        }
        params.put("customer", "hts");
        params.put("queue", "q");
        params.put("bucket", "changes");
        params.put("target", "http://localhost/process");
        params.putAll(overrides);
        return params;
    }
}
