package io.caravan.inbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.standardwebhooks.Webhook;
import io.caravan.events.InboxRecord;
import io.caravan.events.InboxSeal;
import io.caravan.testing.CaravanApp;
import io.caravan.testing.EmbeddedKafka;
import io.caravan.testing.Inbox;
import io.caravan.testing.LogCapture;
import io.caravan.testing.TemplateRow;
import io.caravan.testing.WebhookSender;
import io.caravan.webhook.WebhookHeaders;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
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
    static int port;

    @BeforeAll
    static void start() {
        EmbeddedKafka.createTopic(TOPIC, 3);
        Map<String, String> s =
                CaravanApp.settings("jdbc:h2:mem:inbound_" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "");
        port = CaravanApp.freePort();
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
    void authentic_webhook_is_answered_202_after_exactly_one_record_is_in_the_inbox() throws Exception {
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
        assertThat(InboxSeal.parse(CaravanApp.INBOX_SECRET).verify(record))
                .as("sealed by the receiver over the record as written")
                .isEqualTo(new InboxRecord(TOPIC, id, body, id, Inbox.header(record, "webhook-timestamp"), "crm"));
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
    void body_larger_than_max_body_size_is_refused_413() {
        String id = newId();
        String body = "{\"pad\":\"" + "x".repeat(3000) + "\"}";

        HttpResponse<String> response =
                WebhookSender.post(url, WebhookSender.sign(CURRENT, id, Instant.now(), body), body);

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(response.body()).contains("larger than the 2048 bytes accepted");
        assertThat(inbox(id)).isEmpty();
    }

    /**
     * Guards against buffering a huge body before the size check: the request announces 10 MiB and sends 16 bytes;
     * the answer arrives while 10 MiB are still unsent, so the server cannot have read the body.
     */
    @Test
    void body_announced_over_max_body_size_is_refused_413_before_it_is_sent() throws Exception {
        String id = newId();
        WebhookHeaders signed = WebhookSender.sign(CURRENT, id, Instant.now(), "{}");
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write((head(signed, "Content-Length: " + 10 * 1024 * 1024) + "{\"pad\":\"xxxxxx")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();

            String answer = readAnswer(socket);

            assertThat(answer).startsWith("HTTP/1.1 413");
            assertThat(answer).contains("body of 10485760 bytes (Content-Length) is larger than the 2048 bytes");
        }
        assertThat(inbox(id)).isEmpty();
    }

    /** Guards against a sender that waits for 100 Continue never being told to send its body. */
    @Test
    void expect_100_continue_is_answered_before_the_body_is_read() throws Exception {
        String id = newId();
        String body = "{\"type\":\"continue\"}";
        WebhookHeaders signed = WebhookSender.sign(CURRENT, id, Instant.now(), body);
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(head(signed, "Expect: 100-continue\r\nConnection: close\r\nContent-Length: " + body.length())
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            byte[] interim = new byte[25];
            int n = socket.getInputStream().read(interim);
            assertThat(new String(interim, 0, n, StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 100 Continue");

            out.write(body.getBytes(StandardCharsets.US_ASCII));
            out.flush();

            assertThat(readAnswer(socket)).contains(" 202 ").contains("queued");
        }
        assertThat(inbox(id)).hasSize(1);
    }

    /** Guards against a chunked body (no Content-Length) being read past the limit before it is refused. */
    @Test
    void chunked_body_is_refused_413_once_it_passes_max_body_size() throws Exception {
        String id = newId();
        WebhookHeaders signed = WebhookSender.sign(CURRENT, id, Instant.now(), "{}");
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            String chunk = "x".repeat(3000);
            out.write((head(signed, "Transfer-Encoding: chunked") + Integer.toHexString(chunk.length()) + "\r\n" + chunk
                            + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush(); // the last chunk is never sent: the body has not ended when the answer comes

            String answer = readAnswer(socket);

            assertThat(answer).startsWith("HTTP/1.1 413");
        }
        assertThat(inbox(id)).isEmpty();
    }

    /**
     * Guards against an absurd webhook-timestamp reaching the date arithmetic: 99999999999999999 was answered 500
     * with ~110 log lines. Each is now a 400 and one log line.
     */
    @Test
    void unparsable_or_absurd_timestamp_is_refused_400_with_one_log_line() {
        for (String timestamp : List.of("99999999999999999", "-1", "abc", "12345678901", "1.5", "+1700000000")) {
            String id = newId();
            String body = "{\"type\":\"absurd\"}";
            WebhookHeaders signed = WebhookSender.sign(CURRENT, id, Instant.now(), body);
            HttpResponse<String> response;
            List<LogCapture.Line> lines;
            try (LogCapture log = LogCapture.open()) {
                response = WebhookSender.post(url, new WebhookHeaders(id, timestamp, signed.signature()), body);
                lines = log.lines();
            }

            assertThat(response.statusCode()).as(timestamp).isEqualTo(400);
            assertThat(response.body()).as(timestamp).contains("webhook-timestamp is not whole seconds");
            assertThat(lines)
                    .as(timestamp)
                    .filteredOn(l -> l.message().contains(id))
                    .hasSize(1);
            assertThat(lines).as(timestamp).noneMatch(LogCapture.Line::stackTrace);
        }
    }

    /** Guards against a query string supplying or overriding webhook-* values (platform-http maps it to headers). */
    @Test
    void webhook_values_in_the_query_string_are_ignored() {
        String id = newId();
        String body = "{\"type\":\"query\"}";
        WebhookHeaders signed = WebhookSender.sign(CURRENT, id, Instant.now(), body);
        String forgedId = newId();
        String query = "?webhook-id=" + forgedId + "&webhook-timestamp=1&webhook-signature=v1,AAAA";

        HttpResponse<String> headersAndQuery = WebhookSender.post(url + query, signed, body);
        HttpResponse<String> queryOnly = WebhookSender.post(
                url + "?webhook-id=" + id + "&webhook-timestamp=" + signed.timestamp() + "&webhook-signature="
                        + signed.signature()
                                .replace("+", "%2B")
                                .replace("/", "%2F")
                                .replace("=", "%3D"),
                new WebhookHeaders(null, null, null),
                body);

        assertThat(headersAndQuery.statusCode()).as(headersAndQuery.body()).isEqualTo(202);
        assertThat(inbox(id)).singleElement().satisfies(r -> assertThat(Inbox.header(r, "webhook-id"))
                .isEqualTo(id));
        assertThat(inbox(forgedId)).isEmpty();
        assertThat(queryOnly.statusCode()).isEqualTo(400);
        assertThat(queryOnly.body()).contains("header webhook-id is missing");
    }

    /** Guards against echoing an unbounded webhook-id back to the sender. */
    @Test
    void overlong_webhook_id_is_refused_400_and_echoed_capped() {
        String id = "msg_" + "x".repeat(4_000);
        String body = "{\"type\":\"long\"}";

        HttpResponse<String> response =
                WebhookSender.post(url, WebhookSender.sign(CURRENT, id, Instant.now(), body), body);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("webhook-id is longer than 256").hasSizeLessThan(600);
        assertThat(response.body()).contains("\"webhookId\":\"msg_" + "x".repeat(252) + "…\"");
    }

    /** Guards against a second webhook-signature header being ignored (each header's v1 entries are tried). */
    @Test
    void signature_in_a_second_webhook_signature_header_is_accepted() throws Exception {
        String id = newId();
        String body = "{\"type\":\"two-headers\"}";
        WebhookHeaders signed = WebhookSender.sign(CURRENT, id, Instant.now(), body);
        WebhookHeaders stranger = WebhookSender.sign(WebhookSender.newSecret(), id, Instant.now(), body);
        HttpRequest request = HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/json")
                .header(WebhookHeaders.ID, id)
                .header(WebhookHeaders.TIMESTAMP, signed.timestamp())
                .header(WebhookHeaders.SIGNATURE, stranger.signature())
                .header(WebhookHeaders.SIGNATURE, signed.signature())
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();

        HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        assertThat(inbox(id)).hasSize(1);
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

    /**
     * Guards against two requests with one webhook-id at the same moment both being queued: claims of concurrent
     * requests share a ledger transaction, and a webhook-id twice in one must be claimed once.
     */
    @Test
    void concurrent_requests_with_one_webhook_id_queue_it_once() throws Exception {
        for (int attempt = 0; attempt < 5; attempt++) {
            String id = newId();
            String body = "{\"type\":\"burst\"}";
            WebhookHeaders signed = WebhookSender.sign(CURRENT, id, Instant.now(), body);
            ExecutorService senders = Executors.newFixedThreadPool(8);
            List<Integer> statuses;
            try {
                CountDownLatch start = new CountDownLatch(1);
                List<Future<Integer>> answers = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    answers.add(senders.submit(() -> {
                        start.await();
                        return WebhookSender.post(url, signed, body).statusCode();
                    }));
                }
                start.countDown();
                statuses = new ArrayList<>();
                for (Future<Integer> answer : answers) {
                    statuses.add(answer.get(30, TimeUnit.SECONDS));
                }
            } finally {
                senders.shutdownNow();
            }

            assertThat(statuses).as(id).containsOnlyOnce(202).allMatch(s -> s == 202 || s == 200 || s == 409);
            assertThat(inbox(id)).as(id).hasSize(1);
        }
    }

    /** The request line and headers of a signed POST to the endpoint, with {@code extra} header lines. */
    private static String head(WebhookHeaders signed, String extra) {
        return "POST /webhooks/crm HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n" + extra + "\r\n"
                + "webhook-id: " + signed.id() + "\r\nwebhook-timestamp: " + signed.timestamp() + "\r\n"
                + "webhook-signature: " + signed.signature() + "\r\n\r\n";
    }

    /** Reads one HTTP answer up to the end of the connection (the server closes it after refusing the body). */
    private static String readAnswer(Socket socket) throws Exception {
        return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    private static String newId() {
        return "msg_" + UUID.randomUUID().toString().replace("-", "");
    }

    private static List<ConsumerRecord<String, String>> inbox(String id) {
        return Inbox.recordsWithKey(EmbeddedKafka.bootstrapServers(), TOPIC, id);
    }
}
