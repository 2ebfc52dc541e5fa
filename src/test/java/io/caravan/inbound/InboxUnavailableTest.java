package io.caravan.inbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.caravan.testing.CaravanApp;
import io.caravan.testing.EmbeddedKafka;
import io.caravan.testing.Inbox;
import io.caravan.testing.TemplateRow;
import io.caravan.testing.WebhookSender;
import io.caravan.webhook.WebhookHeaders;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Guards against answering 2xx for an event the inbox never got, and against a failed write marking the webhook-id
 * seen: two instances share one store (as replicas share PostgreSQL); one reaches no broker.
 */
class InboxUnavailableTest {
    static final String TOPIC = "inbox-unavailable-test";

    @Test
    void unacknowledged_write_is_answered_503_and_the_senders_retry_is_queued() {
        EmbeddedKafka.createTopic(TOPIC, 1);
        String store = "jdbc:h2:mem:inbox_down_" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
        String secret = WebhookSender.newSecret();
        int downPort = CaravanApp.freePort();
        int upPort = CaravanApp.freePort();
        try (CaravanApp down = start(store, downPort, "localhost:" + CaravanApp.freePort());
                CaravanApp up = start(store, upPort, EmbeddedKafka.bootstrapServers())) {
            down.routeConfig()
                    .upsert(
                            TemplateRow.inboundWebhook("erp-webhooks", "erp", WebhookSender.secretFile(secret), TOPIC)
                                    .param("sendTimeout", "1s")
                                    .row(),
                            "test");
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> down.reconciler().running().contains("erp-webhooks")
                            && up.reconciler().running().contains("erp-webhooks"));
            String id = "msg_" + UUID.randomUUID();
            String body = "{\"type\":\"order.created\"}";
            WebhookHeaders signed = WebhookSender.sign(secret, id, Instant.now(), body);

            HttpResponse<String> refused = WebhookSender.post(url(downPort), signed, body);

            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
            assertThat(refused.body()).contains("did not acknowledge");
            assertThat(refused.headers().firstValue("Retry-After")).isPresent();
            assertThat(down.ledger().find("inbound:erp:" + id))
                    .as("not marked seen")
                    .isEmpty();

            HttpResponse<String> retried = WebhookSender.post(url(upPort), signed, body);

            assertThat(retried.statusCode()).as(retried.body()).isEqualTo(202);
            assertThat(Inbox.recordsWithKey(EmbeddedKafka.bootstrapServers(), TOPIC, id))
                    .hasSize(1);
        }
    }

    private static CaravanApp start(String store, int port, String brokers) {
        Map<String, String> s = CaravanApp.settings(store, "sa", "");
        s.put("camel.server.enabled", "true");
        s.put("camel.server.port", String.valueOf(port));
        s.put("camel.component.kafka.brokers", brokers);
        return CaravanApp.start(s);
    }

    private static String url(int port) {
        return "http://localhost:" + port + "/webhooks/erp";
    }
}
