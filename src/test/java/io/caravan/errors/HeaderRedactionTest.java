package io.caravan.errors;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HeaderRedactionTest {

    private final HeaderRedaction redaction = new HeaderRedaction();

    @Test
    void secret_bearing_headers_are_masked_whatever_their_case() {
        Map<String, Object> headers = new HashMap<>();
        headers.put("Authorization", "Bearer abc");
        headers.put("proxy-authorization", "Basic xyz");
        headers.put("Cookie", "session=1");
        headers.put("Set-Cookie", "session=2");
        headers.put("X-API-Key", "k");
        headers.put("X-Client-Secret", "s");
        headers.put("x-refresh-token", "t");
        headers.put("DB_PASSWORD", "p");
        headers.put("webhook-signature", "v1,abc");
        headers.put("x-vendor-api_key", "k2");

        assertThat(redaction.redact(headers)).hasSize(10).allSatisfy((name, value) -> assertThat(value)
                .isEqualTo(HeaderRedaction.REDACTED));
    }

    @Test
    void ordinary_headers_are_kept_as_text() {
        Map<String, Object> headers = Map.of("Content-Type", "application/json", "X-Attempt", 3, "X-Flag", true);

        assertThat(redaction.redact(headers))
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of("Content-Type", "application/json", "X-Attempt", "3", "X-Flag", "true"));
    }

    @Test
    void non_scalar_values_are_dropped() {
        Map<String, Object> headers =
                Map.of("stream", new ByteArrayInputStream(new byte[0]), "list", List.of("a"), "bytes", new byte[] {1});

        assertThat(redaction.redact(headers)).isEmpty();
    }

    @Test
    void camel_internals_are_dropped_except_the_http_outcome() {
        Map<String, Object> headers = Map.of(
                "CamelRedeliveryCounter", 2,
                "CamelHttpUri", "http://crm.example/orders?apiKey=s3cr3t",
                "CamelHttpQuery", "apiKey=s3cr3t",
                "CamelHttpMethod", "POST",
                "CamelHttpResponseCode", 400);

        assertThat(redaction.redact(headers))
                .containsExactlyInAnyOrderEntriesOf(Map.of("CamelHttpMethod", "POST", "CamelHttpResponseCode", "400"));
    }

    @Test
    void no_headers_give_an_empty_map() {
        assertThat(redaction.redact(null)).isEmpty();
    }
}
