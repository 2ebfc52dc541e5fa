package io.caravan.delivery;

import java.time.Instant;
import java.util.List;

/**
 * What one POST to a subscriber carries: the webhook-id (an event's id, or for a batch a hash of its events'
 * ids), the JSON body (one event, or an array of events) and when the oldest of its events entered the topic.
 * Built once per record or batch, so every retry sends the same id and body.
 */
public record OutgoingWebhook(String id, String body, List<String> eventIds, Instant producedAt) {

    public OutgoingWebhook {
        eventIds = List.copyOf(eventIds);
    }

    public int events() {
        return eventIds.size();
    }
}
