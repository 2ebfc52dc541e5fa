package io.caravan.errors;

import static org.assertj.core.api.Assertions.assertThat;

import io.caravan.ops.health.RouteHealthControl;
import io.caravan.store.DeadLetter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PayloadRedactionTest {
    private final PayloadRedaction redaction = new PayloadRedaction("email,name,iban");

    /** Guards against configured PII fields surviving in any JSON value form, or other fields being masked. */
    @Test
    void configured_fields_are_masked_in_json_and_pairs_and_the_rest_is_kept() {
        String text = "{\"id\":7,\"Email\":\"a@b.example\",\"name\" : \"Ann \\\"Q\\\" Lee\",\"iban\":null,"
                + "\"hours\":7.5,\"nested\":{\"email\":\"c@d.example\"}} {id=9, name=Ann} ?iban=DE89370400440532013000&x=1"
                + " consumer name=forwarding";
        String out = redaction.redact(text);
        assertThat(out).doesNotContain("a@b.example", "Ann", "Lee", "c@d.example", "DE8937");
        assertThat(out).contains("\"id\":7", "\"hours\":7.5", "{id=9", "\"Email\":\"***redacted***\"", "x=1");
        assertThat(out).as("prose is not a payload").endsWith("consumer name=forwarding");
    }

    /** Guards against secrets in debug-mode output: signature, token and Authorization values. */
    @Test
    void secret_like_values_are_masked_whatever_the_fields() {
        String debug = "webhook sub debug: would POST 1 event(s) to https://x.example webhook-id=msg_1 "
                + "webhook-timestamp=1700000000 webhook-signature=v1,abcDEF123= body={\"apiKey\":\"k-123\"}";
        String out = new PayloadRedaction("").redact(debug);
        assertThat(out)
                .doesNotContain("abcDEF123", "k-123")
                .contains("webhook-id=msg_1", "webhook-timestamp=1700000000");
    }

    /** Guards against an operator's dead-letter listing showing PII or credentials (the stored letter keeps them). */
    @Test
    void a_dead_letter_listing_shows_no_redacted_value() {
        DeadLetter letter = DeadLetter.of(
                "sub-a",
                "sub-a/0:17",
                "msg_17",
                "PERMANENT",
                400,
                "HTTP 400: {\"error\":\"bad email\",\"email\":\"bob@example.com\"}",
                1,
                "{\"id\":17,\"email\":\"bob@example.com\",\"name\":\"Bob Brown\",\"iban\":\"NL91ABNA0417164300\"}",
                Map.of(
                        "Authorization", "Bearer top-secret",
                        "webhook-signature", "v1,sigsigsig",
                        "email", "bob@example.com",
                        "Content-Type", "application/json"));
        List<String> listing = RouteHealthControl.listing(List.of(letter), 10, redaction);
        assertThat(listing).hasSize(1);
        assertThat(listing.get(0))
                .doesNotContain("bob@example.com", "Bob Brown", "NL91ABNA", "top-secret", "sigsigsig")
                .contains("sub-a/0:17", "msg_17", "\"id\":17", "Content-Type=application/json");
    }
}
