package io.caravan.webhook;

import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.WebhookSigningException;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Signs a message the Standard Webhooks way: {@code v1,<base64 HMAC-SHA256 of id.timestamp.body>}, one
 * signature per active secret (during a rotation the new and the old secret), separated by spaces. The HMAC is
 * the reference library's.
 */
public final class WebhookSigner {
    private final List<Webhook> secrets;

    public WebhookSigner(List<WebhookSecret> secrets) {
        if (secrets.isEmpty()) {
            throw new IllegalArgumentException("a webhook signer needs at least one secret");
        }
        this.secrets = secrets.stream().map(WebhookSigner::webhook).toList();
    }

    public WebhookHeaders sign(String id, Instant timestamp, String body) {
        long seconds = timestamp.getEpochSecond();
        String signature =
                secrets.stream().map(w -> signWith(w, id, seconds, body)).collect(Collectors.joining(" "));
        return new WebhookHeaders(id, Long.toString(seconds), signature);
    }

    static String signWith(Webhook webhook, String id, long seconds, String body) {
        try {
            return webhook.sign(id, seconds, body);
        } catch (WebhookSigningException e) {
            throw new IllegalStateException("webhook signing failed: " + e.getMessage(), e);
        }
    }

    static Webhook webhook(WebhookSecret secret) {
        try {
            return new Webhook(secret.key());
        } catch (Exception e) {
            throw new IllegalArgumentException("webhook secret rejected: " + e.getMessage(), e);
        }
    }
}
