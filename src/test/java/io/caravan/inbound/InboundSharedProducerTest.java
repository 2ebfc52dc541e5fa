package io.caravan.inbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.caravan.events.SharedKafkaProducers;
import io.caravan.testing.CaravanApp;
import io.caravan.testing.EmbeddedKafka;
import io.caravan.testing.Inbox;
import io.caravan.testing.TemplateRow;
import io.caravan.testing.WebhookSender;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Guards against every inbound row building a Kafka producer client (and its I/O thread) of its own: rows with the
 * same producer settings share one client, each record still lands on its own row's topic, and the client lives
 * exactly as long as a row uses it.
 */
class InboundSharedProducerTest {
    static final String ORDERS = "inbox-shared-orders";
    static final String PAYMENTS = "inbox-shared-payments";

    @Test
    void two_inbound_rows_share_one_producer_client_and_each_record_lands_on_its_rows_topic() {
        EmbeddedKafka.createTopic(ORDERS, 1);
        EmbeddedKafka.createTopic(PAYMENTS, 1);
        String secret = WebhookSender.newSecret();
        Map<String, String> s =
                CaravanApp.settings("jdbc:h2:mem:inbound_shared_" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "");
        int port = CaravanApp.freePort();
        s.put("camel.server.enabled", "true");
        s.put("camel.server.port", String.valueOf(port));
        s.put("camel.component.kafka.brokers", EmbeddedKafka.bootstrapServers());
        try (CaravanApp app = CaravanApp.start(s)) {
            SharedKafkaProducers producers = app.camel()
                    .getRegistry()
                    .lookupByNameAndType(SharedKafkaProducers.BEAN, SharedKafkaProducers.class);
            String secretRef = WebhookSender.secretFile(secret);
            app.routeConfig()
                    .upsert(
                            TemplateRow.inboundWebhook("orders-in", "orders", secretRef, ORDERS)
                                    .row(),
                            "test");
            app.routeConfig()
                    .upsert(
                            TemplateRow.inboundWebhook("payments-in", "payments", secretRef, PAYMENTS)
                                    .row(),
                            "test");
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> app.reconciler().running().containsAll(Set.of("orders-in", "payments-in")));
            String order = "msg_" + UUID.randomUUID();
            String payment = "msg_" + UUID.randomUUID();

            HttpResponse<String> a = post(port, "orders", secret, order, "{\"type\":\"order.created\"}");
            HttpResponse<String> b = post(port, "payments", secret, payment, "{\"type\":\"payment.settled\"}");

            assertThat(a.statusCode()).as(a.body()).isEqualTo(202);
            assertThat(b.statusCode()).as(b.body()).isEqualTo(202);
            assertThat(Inbox.records(EmbeddedKafka.bootstrapServers(), ORDERS))
                    .singleElement()
                    .satisfies(r -> assertThat(r.key()).isEqualTo(order));
            assertThat(Inbox.records(EmbeddedKafka.bootstrapServers(), PAYMENTS))
                    .singleElement()
                    .satisfies(r -> assertThat(r.key()).isEqualTo(payment));
            assertThat(producers.clients()).as("one client for both rows").isEqualTo(1);

            app.routeConfig().setEnabled("orders-in", false, "test");
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> !app.reconciler().running().contains("orders-in"));
            HttpResponse<String> c = post(port, "payments", secret, "msg_" + UUID.randomUUID(), "{\"n\":2}");
            assertThat(c.statusCode()).as("the other row's client stays open").isEqualTo(202);

            app.routeConfig().setEnabled("payments-in", false, "test");
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> !app.reconciler().running().contains("payments-in"));
            assertThat(producers.clients()).as("closed with its last row").isZero();
        }
    }

    private static HttpResponse<String> post(int port, String source, String secret, String id, String body) {
        return WebhookSender.post(
                "http://localhost:" + port + "/webhooks/" + source,
                WebhookSender.sign(secret, id, Instant.now(), body),
                body);
    }
}
