package io.caravan.testing;

import io.caravan.webhook.WebhookHeaders;
import io.caravan.webhook.WebhookSecret;
import io.caravan.webhook.WebhookSigner;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

/** A webhook sender for tests: fresh secrets in files, and POSTs with whatever headers a test wants. */
public final class WebhookSender {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final SecureRandom RANDOM = new SecureRandom();

    private WebhookSender() {}

    /** A new random whsec_ secret. */
    public static String newSecret() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return "whsec_" + Base64.getEncoder().encodeToString(key);
    }

    /** Writes the secret to a new file under target/ and returns its SECRET_REF (file:/absolute/path). */
    public static String secretFile(String secret) {
        try {
            Path dir = Files.createDirectories(Path.of("target", "test-secrets"));
            Path file = Files.createTempFile(dir, "whsec", ".txt").toAbsolutePath();
            Files.writeString(file, secret + "\n");
            return "file:" + file;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Signs with caravan's signer at {@code timestamp}. */
    public static WebhookHeaders sign(String secret, String id, Instant timestamp, String body) {
        return new WebhookSigner(List.of(WebhookSecret.parse(secret))).sign(id, timestamp, body);
    }

    /** POSTs the body with the headers (a null header is left out). */
    public static HttpResponse<String> post(String url, WebhookHeaders headers, String body) {
        return post(url, headers, body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    public static HttpResponse<String> post(String url, WebhookHeaders headers, byte[] body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (headers.id() != null) {
            request.header(WebhookHeaders.ID, headers.id());
        }
        if (headers.timestamp() != null) {
            request.header(WebhookHeaders.TIMESTAMP, headers.timestamp());
        }
        if (headers.signature() != null) {
            request.header(WebhookHeaders.SIGNATURE, headers.signature());
        }
        try {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException("POST " + url + " failed", e);
        }
    }
}
