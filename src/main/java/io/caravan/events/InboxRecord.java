package io.caravan.events;

import io.caravan.webhook.WebhookHeaders;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A record of a Kafka inbox as the inbound receiver writes it and the queue drain reads it: the topic, the record key
 * (the webhook-id), the body as the sender signed it, and the headers webhook-id, webhook-timestamp and
 * caravan-source. {@link #sealedContent()} is what the receiver's {@link InboxSeal} covers.
 */
public record InboxRecord(String topic, String key, String value, String webhookId, String timestamp, String source) {
    /** Record header: the sender's name (the inbound row's source). */
    public static final String SOURCE_HEADER = "caravan-source";
    /** Record header: the receiver's seal over the record, {@code v1,<base64 HMAC-SHA256>}. */
    public static final String SEAL_HEADER = "caravan-inbox-seal";
    /** The record headers the seal covers besides topic, key and value; each may appear at most once. */
    public static final String[] SEALED_HEADERS = {WebhookHeaders.ID, WebhookHeaders.TIMESTAMP, SOURCE_HEADER};

    private static final byte[] CONTEXT = "caravan-inbox-record-v1".getBytes(StandardCharsets.US_ASCII);

    /**
     * Every part with its length in front (-1 for an absent part), so no two different records share the bytes:
     * ("a", "bc") and ("ab", "c") differ, and an absent header differs from an empty one.
     */
    byte[] sealedContent() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128 + (value == null ? 0 : value.length() * 3));
        out.writeBytes(CONTEXT);
        for (String part : new String[] {topic, key, value, webhookId, timestamp, source}) {
            if (part == null) {
                out.writeBytes(ByteBuffer.allocate(4).putInt(-1).array());
            } else {
                byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
                out.writeBytes(ByteBuffer.allocate(4).putInt(bytes.length).array());
                out.writeBytes(bytes);
            }
        }
        return out.toByteArray();
    }
}
