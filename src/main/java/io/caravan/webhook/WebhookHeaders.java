package io.caravan.webhook;

/** The three Standard Webhooks headers, as sent by delivery and read by the inbound endpoint. */
public record WebhookHeaders(String id, String timestamp, String signature) {
    public static final String ID = "webhook-id";
    public static final String TIMESTAMP = "webhook-timestamp";
    public static final String SIGNATURE = "webhook-signature";
}
