package io.caravan.webhook;

import com.standardwebhooks.Webhook;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Verifies an inbound Standard Webhooks message: the three headers present and well formed, the timestamp within
 * the tolerance of this clock (either side), and one of the {@code v1} signatures matching one of the accepted
 * secrets (several during a rotation), compared in constant time.
 */
public final class WebhookVerifier {
    private static final int MAX_ID_LENGTH = 256;
    private static final Pattern TIMESTAMP = Pattern.compile("[0-9]{1,10}");
    private final List<Webhook> secrets;
    private final Duration tolerance;
    private final Clock clock;

    public WebhookVerifier(List<WebhookSecret> secrets, Duration tolerance, Clock clock) {
        if (secrets.isEmpty()) {
            throw new IllegalArgumentException("a webhook verifier needs at least one secret");
        }
        this.secrets = secrets.stream().map(WebhookSigner::webhook).toList();
        this.tolerance = tolerance;
        this.clock = clock;
    }

    /** Returns normally when the message is authentic; otherwise says what is wrong (never the secret). */
    public void verify(WebhookHeaders headers, String body) throws WebhookRejection {
        String id = require(headers.id(), WebhookHeaders.ID);
        String timestamp = require(headers.timestamp(), WebhookHeaders.TIMESTAMP);
        String signatures = require(headers.signature(), WebhookHeaders.SIGNATURE);
        if (id.length() > MAX_ID_LENGTH) {
            throw new WebhookRejection(
                    WebhookRejection.Kind.MALFORMED, WebhookHeaders.ID + " is longer than " + MAX_ID_LENGTH);
        }
        // 1 to 10 digits: whole seconds up to the year 2286; anything else (a sign, a fraction, 99999999999999999
        // beyond what Instant holds) is malformed, answered 400, never an exception from the date arithmetic
        if (!TIMESTAMP.matcher(timestamp).matches()) {
            throw new WebhookRejection(
                    WebhookRejection.Kind.MALFORMED,
                    WebhookHeaders.TIMESTAMP + " is not whole seconds since 1970 (1 to 10 digits)");
        }
        long seconds = Long.parseLong(timestamp);
        Instant sent = Instant.ofEpochSecond(seconds);
        Duration skew = Duration.between(sent, clock.instant()).abs();
        if (skew.compareTo(tolerance) > 0) {
            throw new WebhookRejection(
                    WebhookRejection.Kind.UNAUTHENTIC,
                    WebhookHeaders.TIMESTAMP + " " + seconds + " is " + skew.toSeconds()
                            + " s away from now; tolerance is " + tolerance.toSeconds() + " s");
        }
        for (Webhook secret : secrets) {
            byte[] expected = WebhookSigner.signWith(secret, id, seconds, body)
                    .substring(3)
                    .getBytes(StandardCharsets.US_ASCII);
            for (String candidate : signatures.trim().split("\\s+")) {
                int comma = candidate.indexOf(',');
                if (comma > 0
                        && candidate.substring(0, comma).equals("v1")
                        && MessageDigest.isEqual(
                                expected, candidate.substring(comma + 1).getBytes(StandardCharsets.US_ASCII))) {
                    return;
                }
            }
        }
        throw new WebhookRejection(
                WebhookRejection.Kind.UNAUTHENTIC,
                "no v1 signature in " + WebhookHeaders.SIGNATURE + " matches the body with any accepted secret");
    }

    private static String require(String value, String header) throws WebhookRejection {
        if (value == null || value.isBlank()) {
            throw new WebhookRejection(WebhookRejection.Kind.MALFORMED, "header " + header + " is missing");
        }
        return value.strip();
    }
}
