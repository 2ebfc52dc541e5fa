package io.caravan.inbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.standardwebhooks.Webhook;
import io.caravan.testing.CaravanApp;
import io.caravan.testing.EmbeddedKafka;
import io.caravan.testing.Inbox;
import io.caravan.testing.TemplateRow;
import io.caravan.testing.WebhookSender;
import io.caravan.webhook.WebhookHeaders;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.camel.component.micrometer.MicrometerConstants;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The inbound webhook endpoint against the whole app, a real in-JVM Kafka inbox and an H2 store. */
class InboundWebhookTest {
    static final String TOPIC = "inbox-inbound-test";
    static final String CURRENT = WebhookSender.newSecret();
    static final String PREVIOUS = WebhookSender.newSecret();
    static CaravanApp app;
    static String url;

    @BeforeAll
    static void start() {
        EmbeddedKafka.createTopic(TOPIC, 3);
        Map<String, String> s =
                CaravanApp.settings("jdbc:h2:mem:inbound_" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "");
        int port = CaravanApp.freePort();
        s.put("camel.server.enabled", "true");
        s.put("camel.server.port", String.valueOf(port));
        s.put("camel.component.kafka.brokers", EmbeddedKafka.bootstrapServers());
        app = CaravanApp.start(s);
        app.routeConfig()
                .upsert(
                        TemplateRow.inboundWebhook("crm-webhooks", "crm", WebhookSender.secretFile(CURRENT), TOPIC)
                                .param("previousSecret", WebhookSender.secretFile(PREVIOUS))
                                .param("maxBodySize", "2048")
                                .row(),
                        "test");
        await().atMost(Duration.ofSeconds(15))
                .until(() -> app.reconciler().running().contains("crm-webhooks"));
        url = "http://localhost:" + port + "/webhooks/crm";
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    @Test
    void authentic_webhook_is_answered_202_after_exactly_one_record_is_in_the_inbox() {
        String id = newId();
        String body = "{\"type\":\"contact.updated\",\"data\":{\"id\":\"c-1\",\"name\":\"Zoë\"}}";

        HttpResponse<String> response =
                WebhookSender.post(url, WebhookSender.sign(CURRENT, id, Instant.now(), body), body);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        assertThat(response.body()).contains("queued", id);
        List<ConsumerRecord<String, String>> records = inbox(id);
        assertThat(records).hasSize(1);
        ConsumerRecord<String, String> record = records.get(0);
        assertThat(record.value()).isEqualTo(body);
        assertThat(Inbox.header(record, "webhook-id")).isEqualTo(id);
        assertThat(Inbox.header(record, "caravan-source")).isEqualTo("crm");
        assertThat(Inbox.header(record, "webhook-signature"))
                .as("the sender's HTTP headers are not copied")
                .isNull();
    }

    @Test
    void webhook_signed_with_the_previous_secret_during_a_rotation_is_accepted() {
        String id = newId();
        String body = "{\"type\":\"rotation\"}";

        HttpResponse<String> response =
                WebhookSender.post(url, WebhookSender.sign(PREVIOUS, id, Instant.now(), body), body);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        assertThat(inbox(id)).hasSize(1);
    }

    @Test
    void webhook_signed_by_the_standard_webhooks_library_is_accepted() throws Exception {
        String id = newId();
        String body = "{\"type\":\"library\"}";
        long now = Instant.now().getEpochSecond();
        String signature = new Webhook(CURRENT).sign(id, now, body);

        HttpResponse<String> response =
                WebhookSender.post(url, new WebhookHeaders(id, Long.toString(now), signature), body);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        assertThat(inbox(id)).hasSize(1);
    }

    @Test
    void webhook_signed_by_an_independent_hmac_of_the_spec_is_accepted() throws Exception {
        String id = newId();
        String body = "{\"type\":\"independent\",\"note\":\"ünïcode\"}";
        long now = Instant.now().getEpochSecond();
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Base64.getDecoder().decode(CURRENT.substring("whsec_".length())), "HmacSHA256"));
        String signature = "v1,"
                + Base64.getEncoder()
                        .encodeToString(mac.doFinal((id + "." + now + "." + body).getBytes(StandardCharsets.UTF_8)));

        HttpResponse<String> response =
                WebhookSender.post(url, new WebhookHeaders(id, Long.toString(now), signature), body);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    }

    @Test
    void wrong_signature_is_refused_401_with_the_reason_and_nothing_is_queued() {
        String id = newId();
        String body = "{\"type\":\"forged\"}";
        WebhookHeaders signed = WebhookSender.sign(WebhookSender.newSecret(), id, Instant.now(), body);

        HttpResponse<String> response = WebhookSender.post(url, signed, body);

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.body()).contains("no v1 signature").doesNotContain(CURRENT);
        assertThat(inbox(id)).isEmpty();
        MeterRegistry meters = app.camel()
                .getRegistry()
                .lookupByNameAndType(MicrometerConstants.METRICS_REGISTRY_NAME, MeterRegistry.class);
        assertThat(meters.find("caravan.inbound.requests")
                        .tag("route", "crm-webhooks")
                        .tag("status", "401")
                        .counter()
                        .count())
                .isGreaterThanOrEqualTo(1.0);
    }

    @Test
    void body_changed_after_signing_is_refused_401() {
        String id = newId();
        WebhookHeaders signed = WebhookSender.sign(CURRENT, id, Instant.now(), "{\"amount\":1}");

        HttpResponse<String> response = WebhookSender.post(url, signed, "{\"amount\":1000}");

        assertThat(response.statusCode()).isEqualTo(401);
    }

    @Test
    void timestamp_beyond_the_tolerance_is_refused_401() {
        String id = newId();
        String body = "{\"type\":\"stale\"}";
        WebhookHeaders signed = WebhookSender.sign(CURRENT, id, Instant.now().minus(Duration.ofMinutes(6)), body);

        HttpResponse<String> response = WebhookSender.post(url, signed, body);

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.body()).contains("tolerance is 300 s");
        assertThat(inbox(id)).isEmpty();
    }

    @Test
    void missing_header_is_refused_400() {
        String id = newId();
        String body = "{\"type\":\"unsigned\"}";
        WebhookHeaders signed = WebhookSender.sign(CURRENT, id, Instant.now(), body);

        HttpResponse<String> response = WebhookSender.post(url, new WebhookHeaders(id, signed.timestamp(), null), body);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("header webhook-signature is missing");
    }

    @Test
    void body_that_is_not_json_is_refused_400_even_when_signed() {
        String id = newId();
        String body = "name=value&x=1";

        HttpResponse<String> response =
                WebhookSender.post(url, WebhookSender.sign(CURRENT, id, Instant.now(), body), body);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("body is not JSON");
        assertThat(inbox(id)).isEmpty();
    }

    @Test
    void body_larger_than_max_body_size_is_refused_400() {
        String id = newId();
        String body = "{\"pad\":\"" + "x".repeat(3000) + "\"}";

        HttpResponse<String> response =
                WebhookSender.post(url, WebhookSender.sign(CURRENT, id, Instant.now(), body), body);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("at most 2048");
    }

    /** Guards against a sender's retry (same webhook-id) being queued twice. */
    @Test
    void replayed_webhook_id_is_acknowledged_and_not_queued_again() {
        String id = newId();
        String body = "{\"type\":\"retry\"}";
        WebhookHeaders signed = WebhookSender.sign(CURRENT, id, Instant.now(), body);

        HttpResponse<String> first = WebhookSender.post(url, signed, body);
        HttpResponse<String> replay = WebhookSender.post(url, signed, body);
        HttpResponse<String> resigned = WebhookSender.post(
                url, WebhookSender.sign(CURRENT, id, Instant.now().plusSeconds(1), body), body);

        assertThat(first.statusCode()).isEqualTo(202);
        assertThat(replay.statusCode()).isEqualTo(200);
        assertThat(replay.body()).contains("duplicate");
        assertThat(resigned.statusCode()).isEqualTo(200);
        assertThat(inbox(id)).hasSize(1);
    }

    private static String newId() {
        return "msg_" + UUID.randomUUID().toString().replace("-", "");
    }

    private static List<ConsumerRecord<String, String>> inbox(String id) {
        return Inbox.recordsWithKey(EmbeddedKafka.bootstrapServers(), TOPIC, id);
    }
}
