package io.caravan.webhook;

import java.util.Base64;

/**
 * A Standard Webhooks signing secret: {@code whsec_} followed by the base64 of 24 to 64 random bytes. Parsing
 * says precisely what is wrong without echoing the value; {@link #toString()} never shows the key.
 */
public final class WebhookSecret {
    static final String PREFIX = "whsec_";
    private final byte[] key;

    private WebhookSecret(byte[] key) {
        this.key = key;
    }

    /** Parses a {@code whsec_...} secret; the reason of a failure never contains the secret itself. */
    public static WebhookSecret parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("webhook secret is empty");
        }
        String trimmed = text.strip();
        if (!trimmed.startsWith(PREFIX)) {
            throw new IllegalArgumentException("webhook secret must start with " + PREFIX);
        }
        byte[] key;
        try {
            key = Base64.getDecoder().decode(trimmed.substring(PREFIX.length()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("webhook secret after " + PREFIX + " is not base64");
        }
        if (key.length < 24 || key.length > 64) {
            throw new IllegalArgumentException(
                    "webhook secret must hold 24 to 64 bytes, not " + key.length + " (spec: 24 to 64)");
        }
        return new WebhookSecret(key);
    }

    byte[] key() {
        return key.clone();
    }

    @Override
    public String toString() {
        return PREFIX + "***";
    }
}
