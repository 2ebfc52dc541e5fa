package io.caravan.errors;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidDefinitionException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.util.Map;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.RuntimeCamelException;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.client5.http.HttpHostConnectException;
import org.apache.hc.core5.http.NoHttpResponseException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ErrorClassifierTest {

    private final ErrorClassifier classifier = new ErrorClassifier();

    private static HttpOperationFailedException http(int status, String body, Map<String, String> headers) {
        return new HttpOperationFailedException(
                "http://crm.example/orders?apiKey=s3cr3t", status, "status " + status, null, headers, body);
    }

    @ParameterizedTest
    @ValueSource(ints = {408, 429, 500, 502, 503, 504})
    void timeouts_throttling_and_server_errors_are_transient(int status) {
        Classification c = classifier.classify(http(status, "", Map.of()));

        assertThat(c.category()).isEqualTo(ErrorCategory.TRANSIENT);
        assertThat(c.statusCode()).isEqualTo(status);
    }

    @ParameterizedTest
    @ValueSource(ints = {300, 301, 302, 304, 400, 401, 403, 404, 409, 410, 422})
    void other_client_errors_and_redirects_are_permanent(int status) {
        Classification c = classifier.classify(http(status, "", Map.of()));

        assertThat(c.category()).isEqualTo(ErrorCategory.PERMANENT);
        assertThat(c.statusCode()).isEqualTo(status);
    }

    @Test
    void http_reason_names_status_and_uri_without_query_and_the_body_start() {
        String body = "x".repeat(600);

        Classification c = classifier.classify(http(400, body, Map.of()));

        assertThat(c.reason())
                .startsWith("HTTP 400 from http://crm.example/orders: xxx")
                .doesNotContain("s3cr3t")
                .contains("x".repeat(ErrorClassifier.MAX_BODY_CHARS))
                .doesNotContain("x".repeat(ErrorClassifier.MAX_BODY_CHARS + 1));
    }

    @ParameterizedTest
    @ValueSource(ints = {401, 403})
    void rejected_credentials_are_reported_as_a_configuration_error(int status) {
        assertThat(classifier.classify(http(status, "", Map.of())).reason()).contains("configuration error");
    }

    @Test
    void retry_after_header_is_carried_whatever_its_case() {
        Classification c = classifier.classify(http(429, "", Map.of("retry-after", "7")));

        assertThat(c.retryAfterHeader()).contains("7");
    }

    @Test
    void connection_failures_are_transient_and_say_what_happened() {
        assertThat(classifier.classify(new SocketTimeoutException("Read timed out")))
                .isEqualTo(Classification.of(ErrorCategory.TRANSIENT, null, "read timeout: Read timed out"));
        assertThat(classifier
                        .classify(new SocketTimeoutException("Connect timed out"))
                        .reason())
                .startsWith("connect timeout");
        assertThat(classifier
                        .classify(new ConnectTimeoutException("Connect to http://crm.example:8443 timed out"))
                        .reason())
                .isEqualTo("connect timeout: Connect to http://crm.example:8443 timed out");
        assertThat(classifier
                        .classify(new HttpHostConnectException("Connect to localhost:1 failed"))
                        .reason())
                .startsWith("connection refused");
        assertThat(classifier
                        .classify(new ConnectException("Connection refused"))
                        .category())
                .isEqualTo(ErrorCategory.TRANSIENT);
        assertThat(classifier.classify(new NoRouteToHostException("no route")).category())
                .isEqualTo(ErrorCategory.TRANSIENT);
        assertThat(classifier
                        .classify(new HttpConnectTimeoutException("timed out"))
                        .category())
                .isEqualTo(ErrorCategory.TRANSIENT);
        assertThat(classifier
                        .classify(new NoHttpResponseException("crm.example:443 failed to respond"))
                        .reason())
                .startsWith("no HTTP response");
    }

    @Test
    void a_kafka_send_the_broker_did_not_acknowledge_in_time_is_transient() {
        Classification c = classifier.classify(new org.apache.camel.RuntimeCamelException(
                new org.apache.kafka.common.errors.TimeoutException("Topic t not present in metadata after 500 ms.")));

        assertThat(c.category()).isEqualTo(ErrorCategory.TRANSIENT);
        assertThat(c.reason()).isEqualTo("Kafka: TimeoutException: Topic t not present in metadata after 500 ms.");
        assertThat(classifier
                        .classify(new org.apache.kafka.common.errors.RecordTooLargeException("too large"))
                        .category())
                .isEqualTo(ErrorCategory.SYSTEM);
    }

    @Test
    void unknown_host_is_a_permanent_configuration_error() {
        Classification c = classifier.classify(new UnknownHostException("crm.exmaple"));

        assertThat(c.category()).isEqualTo(ErrorCategory.PERMANENT);
        assertThat(c.reason()).contains("crm.exmaple");
    }

    @Test
    void cause_chain_is_walked_through_camel_wrappers() {
        Throwable wrapped = new CamelExecutionException(
                "failed", null, new RuntimeCamelException(new IOException("io", http(503, "", Map.of()))));

        assertThat(classifier.classify(wrapped).category()).isEqualTo(ErrorCategory.TRANSIENT);
        assertThat(classifier.classify(wrapped).statusCode()).isEqualTo(503);
    }

    @Test
    void explicit_category_wins_over_what_it_wraps() {
        Throwable explicit = new CategorizedException(
                ErrorCategory.PERMANENT,
                413,
                "message too large for topic",
                new SocketTimeoutException("Read timed out"));

        Classification c = classifier.classify(new RuntimeException(explicit));

        assertThat(c.category()).isEqualTo(ErrorCategory.PERMANENT);
        assertThat(c.statusCode()).isEqualTo(413);
        assertThat(c.reason()).contains("message too large for topic");
    }

    @Test
    void invalid_payload_is_data_quality() {
        Classification c = classifier.classify(new DataQualityException("email", "missing"));

        assertThat(c).isEqualTo(Classification.of(ErrorCategory.DATA_QUALITY, null, "invalid payload: email: missing"));
    }

    @Test
    void unparseable_json_payload_is_data_quality() throws Exception {
        Exception parse = catchJackson(() -> new ObjectMapper().readTree("{\"broken\": "));
        Exception mismatch = catchJackson(() -> new ObjectMapper().readValue("\"text\"", Map.class));

        assertThat(classifier.classify(new RuntimeCamelException(parse)).category())
                .isEqualTo(ErrorCategory.DATA_QUALITY);
        assertThat(classifier.classify(mismatch).category()).isEqualTo(ErrorCategory.DATA_QUALITY);
    }

    @Test
    void jackson_failure_while_writing_is_caravans_bug_not_the_payloads() {
        Exception writing = catchJackson(() -> new ObjectMapper().writeValueAsString(new Object()));

        assertThat(writing).isInstanceOf(InvalidDefinitionException.class);
        assertThat(classifier.classify(writing).category()).isEqualTo(ErrorCategory.SYSTEM);
    }

    @Test
    void anything_else_is_system_and_names_the_exception() {
        Classification c = classifier.classify(new IllegalStateException("ledger row vanished\nstack detail"));

        assertThat(c)
                .isEqualTo(Classification.of(ErrorCategory.SYSTEM, null, "IllegalStateException: ledger row vanished"));
        assertThat(classifier.classify(null).category()).isEqualTo(ErrorCategory.SYSTEM);
    }

    @Test
    void a_cyclic_cause_chain_does_not_loop() {
        RuntimeException a = new RuntimeException("a");
        RuntimeException b = new RuntimeException("b", a);
        a.initCause(b);

        assertThat(classifier.classify(a).category()).isEqualTo(ErrorCategory.SYSTEM);
    }

    private interface JacksonCall {
        void run() throws JsonProcessingException;
    }

    private static Exception catchJackson(JacksonCall call) {
        try {
            call.run();
        } catch (JsonProcessingException e) {
            return e;
        }
        throw new AssertionError("expected a Jackson failure");
    }
}
