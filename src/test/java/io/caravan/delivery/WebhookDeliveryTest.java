package io.caravan.delivery;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.caravan.store.DeadLetter;
import io.caravan.store.ReplayFilter;
import io.caravan.store.ReplayRequest;
import io.caravan.store.ReplayRequests;
import io.caravan.testing.CaravanApp;
import io.caravan.testing.EmbeddedKafka;
import io.caravan.testing.Events;
import io.caravan.testing.PrometheusScrape;
import io.caravan.testing.SubscriptionRow;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * webhook-delivery against the real in-JVM broker and WireMock subscribers, on one caravan (H2) shared by the
 * tests; each test uses its own topic, subscription and subscriber path.
 */
class WebhookDeliveryTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger NAMES = new AtomicInteger();

    @TempDir
    static Path secrets;

    private static CaravanApp app;
    private static WireMockServer subscriber;
    private final List<String> subscriptions = new ArrayList<>();

    @BeforeAll
    static void start() {
        subscriber = new WireMockServer(wireMockConfig().dynamicPort().containerThreads(30));
        subscriber.start();
        Map<String, String> s = CaravanApp.settings("jdbc:h2:mem:webhook_delivery;DB_CLOSE_DELAY=-1", "sa", "");
        s.put("camel.component.kafka.brokers", EmbeddedKafka.bootstrapServers());
        app = CaravanApp.start(s);
    }

    @AfterAll
    static void stop() {
        app.close();
        subscriber.stop();
    }

    @AfterEach
    void stopSubscriptions() {
        for (String id : subscriptions) {
            app.routeConfig().setEnabled(id, false, "test");
        }
        await().atMost(Duration.ofSeconds(30))
                .until(() -> subscriptions.stream().noneMatch(app.reconciler().running()::contains));
    }

    @Test
    void each_event_is_posted_with_standard_webhooks_headers_that_an_independent_hmac_verifies() throws Exception {
        Case c = newCase();
        subscriber.stubFor(post(urlEqualTo(c.path)).willReturn(aResponse().withStatus(204)));
        for (int i = 1; i <= 3; i++) {
            // one key: its events are delivered in order
            Events.send(c.topic, "obj-1", Events.event("evt-" + c.n + "-" + i, Map.of("id", i, "name", "n" + i)));
        }
        start(SubscriptionRow.of(c.routeId, c.topic, c.url(), c.secret));

        List<LoggedRequest> received = awaitRequests(c.path, 3);
        for (int i = 0; i < 3; i++) {
            LoggedRequest r = received.get(i);
            JsonNode body = JSON.readTree(r.getBodyAsString());
            assertThat(r.getHeader("webhook-id")).isEqualTo(body.get("event_id").asText());
            assertThat(body.get("event_id").asText()).isEqualTo("evt-" + c.n + "-" + (i + 1)); // in key order
            assertThat(r.getHeader("Content-Type")).startsWith("application/json");
            assertThat(signatures(r)).containsExactly(independentSignature(Events.keyOf(c.secret), r));
            // and as a subscriber would check it: the Standard Webhooks reference library's verify
            new com.standardwebhooks.Webhook(secretText(c.secret))
                    .verify(
                            r.getBodyAsString(),
                            Map.of(
                                    "webhook-id", List.of(r.getHeader("webhook-id")),
                                    "webhook-timestamp", List.of(r.getHeader("webhook-timestamp")),
                                    "webhook-signature", List.of(r.getHeader("webhook-signature"))));
        }
        await().untilAsserted(() ->
                assertThat(metric("caravan_webhook_delivered_total", c.routeId)).isEqualTo(3.0));
    }

    @Test
    void during_a_secret_rotation_each_post_carries_one_signature_per_secret() throws Exception {
        Case c = newCase();
        String next = Events.secretFile(secrets, "next-" + c.n);
        subscriber.stubFor(post(urlEqualTo(c.path)).willReturn(aResponse().withStatus(200)));
        Events.send(c.topic, "obj-1", Events.event("evt-rot-" + c.n, Map.of("id", 1)));
        start(SubscriptionRow.of(c.routeId, c.topic, c.url(), c.secret).param("rotationSecret", next));

        LoggedRequest r = awaitRequests(c.path, 1).get(0);
        assertThat(signatures(r))
                .containsExactlyInAnyOrder(
                        independentSignature(Events.keyOf(c.secret), r), independentSignature(Events.keyOf(next), r));
    }

    @Test
    void a_429_is_retried_after_the_retry_after_it_asked_for_with_the_same_webhook_id() throws Exception {
        Case c = newCase();
        subscriber.stubFor(post(urlEqualTo(c.path))
                .inScenario(c.routeId)
                .whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "2"))
                .willSetStateTo("answered"));
        subscriber.stubFor(post(urlEqualTo(c.path))
                .inScenario(c.routeId)
                .whenScenarioStateIs("answered")
                .willReturn(aResponse().withStatus(200)));
        Events.send(c.topic, "obj-1", Events.event("evt-429-" + c.n, Map.of("id", 1)));
        start(SubscriptionRow.of(c.routeId, c.topic, c.url(), c.secret).retry(5, 100, 10_000));

        List<LoggedRequest> requests = awaitRequests(c.path, 2);
        long gapMs = requests.get(1).getLoggedDate().getTime()
                - requests.get(0).getLoggedDate().getTime();
        assertThat(gapMs)
                .as("the retry waited for Retry-After (2 s), not the 100 ms policy")
                .isGreaterThanOrEqualTo(2000);
        assertThat(requests).extracting(r -> r.getHeader("webhook-id")).containsOnly("evt-429-" + c.n);
        assertThat(app.deadLetters().count(c.routeId)).isZero();
    }

    @Test
    void a_client_error_is_dead_lettered_at_once_after_one_request() throws Exception {
        Case c = newCase();
        subscriber.stubFor(
                post(urlEqualTo(c.path)).willReturn(aResponse().withStatus(422).withBody("bad field")));
        Events.send(c.topic, "obj-1", Events.event("evt-422-" + c.n, Map.of("id", 1)));
        start(SubscriptionRow.of(c.routeId, c.topic, c.url(), c.secret).retry(5, 100, 1000));

        await().atMost(Duration.ofSeconds(20)).until(() -> app.deadLetters().count(c.routeId) == 1);
        DeadLetter letter = app.deadLetters().findByRoute(c.routeId).get(0);
        assertThat(letter.category()).isEqualTo("PERMANENT");
        assertThat(letter.statusCode()).isEqualTo(422);
        assertThat(letter.idempotencyKey()).isEqualTo("evt-422-" + c.n);
        assertThat(letter.payload()).contains("evt-422-" + c.n);
        assertThat(subscriber.findAll(postRequestedFor(urlEqualTo(c.path)))).hasSize(1);
    }

    @Test
    void exhausted_server_errors_are_dead_lettered_and_the_next_event_is_still_delivered() throws Exception {
        Case c = newCase();
        answer(c.path, "evt-500-" + c.n, 503);
        answer(c.path, "evt-ok-" + c.n, 200);
        Events.send(c.topic, "obj-1", Events.event("evt-500-" + c.n, Map.of("id", 1)));
        // the same key: the next event waits for the first one's outcome
        Events.send(c.topic, "obj-1", Events.event("evt-ok-" + c.n, Map.of("id", 2)));
        start(SubscriptionRow.of(c.routeId, c.topic, c.url(), c.secret).retry(3, 50, 200));

        List<LoggedRequest> requests = awaitRequests(c.path, 4);
        assertThat(requests)
                .extracting(r -> r.getHeader("webhook-id"))
                .containsExactly("evt-500-" + c.n, "evt-500-" + c.n, "evt-500-" + c.n, "evt-ok-" + c.n);
        DeadLetter letter = app.deadLetters().findByRoute(c.routeId).get(0);
        assertThat(letter.category()).isEqualTo("TRANSIENT");
        assertThat(letter.attempts()).isEqualTo(3);
        await().untilAsserted(() -> assertThat(metric("caravan_webhook_dead_lettered_total", c.routeId))
                .isEqualTo(1.0));
        assertThat(metric("caravan_webhook_retries_total", c.routeId)).isEqualTo(2.0);
    }

    @Test
    void a_slow_subscriber_does_not_hold_up_a_healthy_one_on_the_same_topic() throws Exception {
        Case slow = newCase();
        Case healthy = newCase();
        subscriber.stubFor(post(urlEqualTo(slow.path))
                .willReturn(aResponse().withStatus(200).withFixedDelay(1000)));
        subscriber.stubFor(post(urlEqualTo(healthy.path)).willReturn(aResponse().withStatus(200)));
        for (int i = 1; i <= 10; i++) {
            Events.send(slow.topic, "obj-" + i, Events.event("evt-slow-" + slow.n + "-" + i, Map.of("id", i)));
        }
        start(SubscriptionRow.of(slow.routeId, slow.topic, slow.url(), slow.secret)
                .param("maxInFlight", "1"));
        start(SubscriptionRow.of(healthy.routeId, slow.topic, healthy.url(), healthy.secret));

        awaitRequests(healthy.path, 10);
        assertThat(subscriber.findAll(postRequestedFor(urlEqualTo(slow.path))).size())
                .as("the slow subscriber is still working through the same events")
                .isLessThan(10);
        // lets the slow subscription finish quickly, so stopping it does not wait out its backlog
        subscriber.stubFor(post(urlEqualTo(slow.path)).willReturn(aResponse().withStatus(200)));
    }

    @Test
    void batch_delivery_posts_several_events_as_one_json_array() throws Exception {
        Case c = newCase();
        subscriber.stubFor(post(urlEqualTo(c.path)).willReturn(aResponse().withStatus(200)));
        for (int i = 1; i <= 6; i++) {
            Events.send(c.topic, "obj-" + i, Events.event("evt-b-" + c.n + "-" + i, Map.of("id", i)));
        }
        start(SubscriptionRow.of(c.routeId, c.topic, c.url(), c.secret).param("batchSize", "3"));

        await().atMost(Duration.ofSeconds(30)).until(() -> eventsIn(c.path).size() == 6);
        List<LoggedRequest> requests = subscriber.findAll(postRequestedFor(urlEqualTo(c.path)));
        assertThat(requests).hasSize(2);
        for (LoggedRequest r : requests) {
            JsonNode array = JSON.readTree(r.getBodyAsString());
            assertThat(array.isArray()).isTrue();
            assertThat(array).hasSize(3);
            assertThat(r.getHeader("webhook-id")).startsWith("batch_");
            assertThat(signatures(r)).containsExactly(independentSignature(Events.keyOf(c.secret), r));
        }
        assertThat(eventsIn(c.path))
                .containsExactly(
                        "evt-b-" + c.n + "-1",
                        "evt-b-" + c.n + "-2",
                        "evt-b-" + c.n + "-3",
                        "evt-b-" + c.n + "-4",
                        "evt-b-" + c.n + "-5",
                        "evt-b-" + c.n + "-6");
    }

    @Test
    void field_selection_sends_only_the_chosen_data_fields_and_the_whole_envelope() throws Exception {
        Case c = newCase();
        subscriber.stubFor(post(urlEqualTo(c.path)).willReturn(aResponse().withStatus(200)));
        Events.send(
                c.topic, "obj-1", Events.event("evt-f-" + c.n, Map.of("id", 1, "symbol", "AAPL", "secretNote", "x")));
        start(SubscriptionRow.of(c.routeId, c.topic, c.url(), c.secret).param("fields", "id, symbol"));

        JsonNode body = JSON.readTree(awaitRequests(c.path, 1).get(0).getBodyAsString());
        assertThat(body.get("data").fieldNames()).toIterable().containsExactlyInAnyOrder("id", "symbol");
        assertThat(body.fieldNames())
                .toIterable()
                .containsExactlyInAnyOrder("event_id", "event_type", "route", "timestamp", "source_timestamp", "data");
    }

    @Test
    void debug_mode_records_what_would_be_sent_and_sends_nothing() throws Exception {
        Case c = newCase();
        subscriber.stubFor(post(urlEqualTo(c.path)).willReturn(aResponse().withStatus(200)));
        for (int i = 1; i <= 2; i++) {
            Events.send(c.topic, "obj-" + i, Events.event("evt-d-" + c.n + "-" + i, Map.of("id", i)));
        }
        start(SubscriptionRow.of(c.routeId, c.topic, c.url(), c.secret).param("debug", "true"));

        await().atMost(Duration.ofSeconds(20))
                .untilAsserted(() -> assertThat(metric("caravan_webhook_debug_total", c.routeId))
                        .isEqualTo(2.0));
        assertThat(subscriber.findAll(postRequestedFor(urlEqualTo(c.path)))).isEmpty();
    }

    @Test
    void the_rate_limit_spaces_posts_at_least_one_interval_apart() throws Exception {
        Case c = newCase();
        subscriber.stubFor(post(urlEqualTo(c.path)).willReturn(aResponse().withStatus(200)));
        for (int i = 1; i <= 6; i++) {
            Events.send(c.topic, "obj-" + i, Events.event("evt-r-" + c.n + "-" + i, Map.of("id", i)));
        }
        start(SubscriptionRow.of(c.routeId, c.topic, c.url(), c.secret).throttle(5));

        List<LoggedRequest> requests = awaitRequests(c.path, 6);
        long spanMs = requests.get(5).getLoggedDate().getTime()
                - requests.get(0).getLoggedDate().getTime();
        assertThat(spanMs)
                .as("six POSTs at 5 per second span at least five intervals of 200 ms")
                .isGreaterThanOrEqualTo(950);
    }

    /**
     * Guards against committing past an event whose outcome was never recorded: while dead_letter cannot be written,
     * a refused event (or batch) is not committed and comes again; once the store is back it is dead-lettered and
     * the next event still arrives.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"1", "2"})
    void an_outcome_that_cannot_be_recorded_is_not_committed_and_comes_again(String batchSize) throws Exception {
        Case c = newCase();
        answer(c.path, "evt-lost-" + c.n, 400);
        answer(c.path, "evt-next-" + c.n, 200);
        Events.send(c.topic, "obj-1", Events.event("evt-lost-" + c.n + "-1", Map.of("id", 1)));
        Events.send(c.topic, "obj-2", Events.event("evt-lost-" + c.n + "-2", Map.of("id", 2)));
        try (var conn = app.store().getConnection();
                var s = conn.createStatement()) {
            s.execute("ALTER TABLE dead_letter RENAME TO dead_letter_offline");
        }
        try {
            start(SubscriptionRow.of(c.routeId, c.topic, c.url(), c.secret).param("batchSize", batchSize));
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> subscriber
                                    .findAll(postRequestedFor(urlEqualTo(c.path)))
                                    .size()
                            >= 3);
        } finally {
            try (var conn = app.store().getConnection();
                    var s = conn.createStatement()) {
                s.execute("ALTER TABLE dead_letter_offline RENAME TO dead_letter");
            }
        }
        Events.send(c.topic, "obj-3", Events.event("evt-next-" + c.n, Map.of("id", 3)));

        await().atMost(Duration.ofSeconds(30)).until(() -> eventsIn(c.path).contains("evt-next-" + c.n));
        // other keys' events are delivered alongside: the dead letters may be written just after evt-next arrived.
        // Counted per event: when the store comes back between two lanes' writes, the window whose other lane could
        // not record is read again, and its recorded event is posted (same webhook-id) and dead-lettered once more
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(app.deadLetters().findByRoute(c.routeId).stream()
                                .map(io.caravan.store.DeadLetter::idempotencyKey)
                                .distinct())
                        .hasSize(batchSize.equals("1") ? 2 : 1));
        assertThat(eventsIn(c.path)).contains("evt-lost-" + c.n + "-1", "evt-lost-" + c.n + "-2");
    }

    /**
     * Guards against a replayed webhook that carries a new webhook-id, a stale signature, or is sent again once
     * delivered.
     */
    @Test
    void a_replay_after_the_subscriber_recovers_sends_the_original_event_and_webhook_id_signed_afresh()
            throws Exception {
        Case c = newCase();
        String id = "evt-down-" + c.n;
        answer(c.path, id, 503);
        Events.send(c.topic, "obj-1", Events.event(id, Map.of("id", 1)));
        start(SubscriptionRow.of(c.routeId, c.topic, c.url(), c.secret).retry(2, 50, 200));
        await().atMost(Duration.ofSeconds(20)).until(() -> app.deadLetters().count(c.routeId) == 1);
        DeadLetter letter = app.deadLetters().findByRoute(c.routeId).get(0);

        answer(c.path, id, 204); // the subscriber is back: the newest stub wins
        ReplayRequests requests = new ReplayRequests(app.store(), Clock.systemUTC());
        long replay = requests.create(ReplayFilter.of(c.routeId, "", "", "", ""), 10, "test");
        await().atMost(Duration.ofSeconds(20))
                .until(() -> requests.find(replay).orElseThrow().status() == ReplayRequest.Status.DONE);
        long again = requests.create(ReplayFilter.one(letter.id()), 10, "test");
        await().atMost(Duration.ofSeconds(20))
                .until(() -> requests.find(again).orElseThrow().status() == ReplayRequest.Status.DONE);

        List<LoggedRequest> delivered = subscriber.getAllServeEvents().stream()
                .filter(e -> e.getRequest().getUrl().equals(c.path)
                        && e.getResponse().getStatus() == 204)
                .map(com.github.tomakehurst.wiremock.stubbing.ServeEvent::getRequest)
                .toList();
        assertThat(delivered).singleElement().satisfies(r -> {
            assertThat(r.getHeader("webhook-id")).isEqualTo(id);
            assertThat(JSON.readTree(r.getBodyAsString()).get("event_id").asText())
                    .isEqualTo(id);
            assertThat(signatures(r)).containsExactly(independentSignature(Events.keyOf(c.secret), r));
        });
        assertThat(app.deadLetters().find(letter.id()).orElseThrow().replayStatus())
                .isEqualTo(DeadLetter.ALREADY_DELIVERED);
        assertThat(requests.find(replay).orElseThrow().resent()).isEqualTo(1);
        assertThat(requests.find(again).orElseThrow().alreadyDelivered()).isEqualTo(1);
    }

    /** The subscriber answers POSTs whose body contains {@code text} with {@code status}. */
    private static void answer(String path, String text, int status) {
        subscriber.stubFor(post(urlEqualTo(path))
                .withRequestBody(containing(text))
                .willReturn(aResponse().withStatus(status)));
    }

    /** The event ids a subscriber received, in order, unpacking batches. */
    private static List<String> eventsIn(String path) throws Exception {
        List<String> ids = new ArrayList<>();
        for (LoggedRequest r : subscriber.findAll(postRequestedFor(urlEqualTo(path)))) {
            JsonNode body = JSON.readTree(r.getBodyAsString());
            if (body.isArray()) {
                body.forEach(e -> ids.add(e.get("event_id").asText()));
            } else {
                ids.add(body.get("event_id").asText());
            }
        }
        return ids;
    }

    private void start(SubscriptionRow row) {
        app.routeConfig().upsert(row.row(), "test");
        subscriptions.add(row.routeId());
        await("subscription " + row.routeId() + " running")
                .atMost(Duration.ofSeconds(20))
                .until(() -> app.reconciler().running().contains(row.routeId()));
    }

    private static List<LoggedRequest> awaitRequests(String path, int count) {
        await("" + count + " requests at " + path)
                .atMost(Duration.ofSeconds(30))
                .until(() ->
                        subscriber.findAll(postRequestedFor(urlEqualTo(path))).size() >= count);
        return subscriber.findAll(postRequestedFor(urlEqualTo(path)));
    }

    private double metric(String name, String routeId) {
        return PrometheusScrape.of(app).forRoute(name, routeId).orElse(0.0);
    }

    /** The whsec_ text of a file: secret reference. */
    private static String secretText(String fileRef) throws Exception {
        return java.nio.file.Files.readString(java.nio.file.Path.of(fileRef.substring("file:".length())))
                .strip();
    }

    static List<String> signatures(LoggedRequest r) {
        return List.of(r.getHeader("webhook-signature").split(" "));
    }

    /** The Standard Webhooks signature computed here, without caravan's code: v1,base64(HMAC-SHA256(id.ts.body)). */
    static String independentSignature(byte[] key, LoggedRequest r) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        String signed = r.getHeader("webhook-id") + "." + r.getHeader("webhook-timestamp") + "." + r.getBodyAsString();
        return "v1," + Base64.getEncoder().encodeToString(mac.doFinal(signed.getBytes(StandardCharsets.UTF_8)));
    }

    private Case newCase() {
        int n = NAMES.incrementAndGet();
        String topic = "webhook-test-" + n;
        EmbeddedKafka.createTopic(topic, 1);
        return new Case(n, "sub-" + n, topic, "/hooks/" + n, Events.secretFile(secrets, "secret-" + n));
    }

    private record Case(int n, String routeId, String topic, String path, String secret) {
        String url() {
            return subscriber.baseUrl() + path;
        }
    }
}
