package io.caravan.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class StandardWebhooksTest {
    // the test vector published with the Standard Webhooks / Svix libraries
    private static final String VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final String VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private static final long VECTOR_TIMESTAMP = 1614265330L;
    private static final String VECTOR_BODY = "{\"test\": 2432232314}";
    private static final String VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    private static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");

    @Test
    void signature_matches_the_published_test_vector() {
        WebhookHeaders signed = new WebhookSigner(List.of(WebhookSecret.parse(VECTOR_SECRET)))
                .sign(VECTOR_ID, Instant.ofEpochSecond(VECTOR_TIMESTAMP), VECTOR_BODY);

        assertThat(signed.signature()).isEqualTo(VECTOR_SIGNATURE);
        assertThat(signed.timestamp()).isEqualTo("1614265330");
        assertThat(signed.id()).isEqualTo(VECTOR_ID);
    }

    @Test
    void signature_matches_an_independent_implementation_of_the_spec() throws Exception {
        String secret = randomSecret();
        String body = "{\"event_id\":\"e-1\",\"data\":{\"name\":\"Zoë\"}}";

        WebhookHeaders signed = new WebhookSigner(List.of(WebhookSecret.parse(secret))).sign("msg_1", NOW, body);

        assertThat(signed.signature()).isEqualTo("v1," + hmac(secret, "msg_1." + NOW.getEpochSecond() + "." + body));
    }

    @Test
    void during_a_rotation_every_active_secret_signs_and_either_verifies() throws Exception {
        String current = randomSecret();
        String previous = randomSecret();
        WebhookHeaders signed = new WebhookSigner(List.of(WebhookSecret.parse(current), WebhookSecret.parse(previous)))
                .sign("msg_2", NOW, "{}");

        assertThat(signed.signature().split(" "))
                .containsExactly(
                        "v1," + hmac(current, "msg_2." + NOW.getEpochSecond() + ".{}"),
                        "v1," + hmac(previous, "msg_2." + NOW.getEpochSecond() + ".{}"));
        assertThatCode(() -> verifier(previous).verify(signed, "{}")).doesNotThrowAnyException();
        assertThatCode(() -> verifier(current).verify(signed, "{}")).doesNotThrowAnyException();
        assertThatThrownBy(() -> verifier(randomSecret()).verify(signed, "{}"))
                .isInstanceOfSatisfying(
                        WebhookRejection.class, r -> assertThat(r.status()).isEqualTo(401));
    }

    @Test
    void a_changed_body_or_id_does_not_verify() {
        WebhookHeaders signed =
                new WebhookSigner(List.of(WebhookSecret.parse(VECTOR_SECRET))).sign("msg_3", NOW, "{\"a\":1}");
        WebhookVerifier verifier = verifier(VECTOR_SECRET);

        assertThatThrownBy(() -> verifier.verify(signed, "{\"a\":2}")).hasMessageContaining("no v1 signature");
        assertThatThrownBy(() -> verifier.verify(
                        new WebhookHeaders("msg_4", signed.timestamp(), signed.signature()), "{\"a\":1}"))
                .hasMessageContaining("no v1 signature");
    }

    @Test
    void timestamp_outside_the_tolerance_is_refused_on_either_side() {
        WebhookSigner signer = new WebhookSigner(List.of(WebhookSecret.parse(VECTOR_SECRET)));
        WebhookVerifier verifier = verifier(VECTOR_SECRET);

        assertThatCode(() -> verifier.verify(signer.sign("m", NOW.minusSeconds(299), "x"), "x"))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> verifier.verify(signer.sign("m", NOW.minusSeconds(301), "x"), "x"))
                .isInstanceOfSatisfying(
                        WebhookRejection.class, r -> assertThat(r.status()).isEqualTo(401))
                .hasMessageContaining("tolerance is 300 s");
        assertThatThrownBy(() -> verifier.verify(signer.sign("m", NOW.plusSeconds(301), "x"), "x"))
                .isInstanceOf(WebhookRejection.class);
    }

    @Test
    void missing_or_unreadable_headers_are_malformed() {
        WebhookVerifier verifier = verifier(VECTOR_SECRET);

        assertThatThrownBy(() -> verifier.verify(new WebhookHeaders(null, "1", "v1,x"), "x"))
                .isInstanceOfSatisfying(
                        WebhookRejection.class, r -> assertThat(r.status()).isEqualTo(400))
                .hasMessage("header webhook-id is missing");
        assertThatThrownBy(() -> verifier.verify(new WebhookHeaders("m", "soon", "v1,x"), "x"))
                .hasMessageContaining("webhook-timestamp is not whole seconds");
        assertThatThrownBy(() -> verifier.verify(new WebhookHeaders("m", "1", " "), "x"))
                .hasMessage("header webhook-signature is missing");
    }

    /** Guards against an absurd timestamp escaping as a DateTimeException (a 500) instead of a 400. */
    @Test
    void timestamps_that_are_not_1_to_10_digits_are_malformed() {
        WebhookVerifier verifier = verifier(VECTOR_SECRET);

        for (String absurd : new String[] {"99999999999999999", "-1", "+1", "12345678901", "1e9", "1.5", "٣"}) {
            assertThatThrownBy(() -> verifier.verify(new WebhookHeaders("m", absurd, "v1,x"), "x"))
                    .as(absurd)
                    .isInstanceOfSatisfying(
                            WebhookRejection.class, r -> assertThat(r.status()).isEqualTo(400))
                    .hasMessage("webhook-timestamp is not whole seconds since 1970 (1 to 10 digits)");
        }
    }

    @Test
    void secrets_are_parsed_strictly_and_never_shown() {
        assertThatThrownBy(() -> WebhookSecret.parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
                .hasMessage("webhook secret must start with whsec_");
        assertThatThrownBy(() -> WebhookSecret.parse("whsec_not*base64"))
                .hasMessage("webhook secret after whsec_ is not base64");
        assertThatThrownBy(() -> WebhookSecret.parse("whsec_c2hvcnQ=")).hasMessageContaining("24 to 64 bytes, not 5");
        assertThat(WebhookSecret.parse(VECTOR_SECRET)).hasToString("whsec_***");
    }

    private static WebhookVerifier verifier(String secret) {
        return new WebhookVerifier(
                List.of(WebhookSecret.parse(secret)), Duration.ofMinutes(5), Clock.fixed(NOW, ZoneOffset.UTC));
    }

    private static String randomSecret() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return "whsec_" + Base64.getEncoder().encodeToString(key);
    }

    /** The spec, written out: base64(HMAC-SHA256(base64-decoded secret, "id.timestamp.body")). */
    private static String hmac(String secret, String content) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring(6)), "HmacSHA256"));
        return Base64.getEncoder().encodeToString(mac.doFinal(content.getBytes(StandardCharsets.UTF_8)));
    }
}
