package io.caravan.drain;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.caravan.events.InboxSeal;
import io.caravan.store.ClaimOutcome;
import io.caravan.store.DeadLetter;
import io.caravan.store.DrainProfile;
import io.caravan.store.Execution;
import io.caravan.store.ExecutionStatus;
import io.caravan.store.IdempotencyLedger;
import io.caravan.store.ReplayFilter;
import io.caravan.store.ReplayRequest;
import io.caravan.store.ReplayRequests;
import io.caravan.testing.CaravanApp;
import io.caravan.testing.Databases;
import io.caravan.testing.EmbeddedKafka;
import io.caravan.testing.Inbox;
import io.caravan.testing.TemplateRow;
import io.caravan.testing.WebhookSender;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.camel.component.micrometer.MicrometerConstants;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The scheduled queue drain against the whole app, a real in-JVM Kafka inbox and WireMock as the target. */
class QueueDrainTest {
    @RegisterExtension
    static final WireMockExtension TARGET = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort())
            .build();

    static final Map<Databases.Backend, CaravanApp> APPS = new EnumMap<>(Databases.Backend.class);
    static final Map<Databases.Backend, Integer> PORTS = new EnumMap<>(Databases.Backend.class);
    final List<Runnable> stops = new ArrayList<>();

    static synchronized CaravanApp app(Databases.Backend backend) {
        return APPS.computeIfAbsent(backend, b -> {
            Map<String, String> s = b == Databases.Backend.H2
                    ? CaravanApp.settings("jdbc:h2:mem:drain_" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "")
                    : CaravanApp.settings(Databases.postgresJdbcUrl(Databases.emptyPostgresDatabase()), "postgres", "");
            int port = CaravanApp.freePort();
            s.put("camel.server.enabled", "true");
            s.put("camel.server.port", String.valueOf(port));
            s.put("camel.component.kafka.brokers", EmbeddedKafka.bootstrapServers());
            // a drain every 5 s or less often leaves its group between executions (production default: 30 s)
            s.put(QueueDrainFamily.LEAVE_GROUP_GAP, "5s");
            CaravanApp app = CaravanApp.start(s);
            app.profiles().upsert(new DrainProfile("TEST_5x2", Duration.ofSeconds(1), 5, 2, "test"));
            PORTS.put(b, port);
            return app;
        });
    }

    @AfterEach
    void stopRoutes() {
        stops.forEach(Runnable::run);
        stops.clear();
    }

    @AfterAll
    static void stopApps() {
        APPS.values().forEach(CaravanApp::close);
        APPS.clear();
    }

    /** Guards against an execution taking more than its budget, or a backlog not draining past the first budget. */
    @ParameterizedTest
    @EnumSource(Databases.Backend.class)
    void backlog_drains_at_most_one_budget_per_execution(Databases.Backend backend) {
        CaravanApp app = app(backend);
        String id = "drain-budget-" + backend.name().toLowerCase();
        String topic = newTopic(1);
        Inbox.write(EmbeddedKafka.bootstrapServers(), topic, "crm", events("b", 25));
        stubOk("/" + id);

        start(app, drainRow(id, topic));

        await().atMost(Duration.ofSeconds(30)).until(() -> posts("/" + id).size() >= 25);
        awaitExecutionsAfterTheBacklog(app, id);
        stop(app, id);

        assertThat(posts("/" + id))
                .extracting(r -> r.getHeader("webhook-id"))
                .hasSize(25)
                .doesNotHaveDuplicates();
        List<Execution> working = executionsThatRead(app, id);
        assertThat(working).extracting(Execution::rowsDelivered).containsExactly(10, 10, 5);
        assertThat(working).extracting(Execution::cycles).containsExactly(2, 2, 1);
        assertThat(working).allSatisfy(e -> assertThat(e.status()).isEqualTo(ExecutionStatus.COMPLETE));
        MeterRegistry meters = app.camel()
                .getRegistry()
                .lookupByNameAndType(MicrometerConstants.METRICS_REGISTRY_NAME, MeterRegistry.class);
        assertThat(meters.find("caravan.drain.events.delivered")
                        .tag("route", id)
                        .counters())
                .as("the route's meters are removed with the route")
                .isEmpty();
    }

    @Test
    void each_event_goes_to_the_target_once_with_its_webhook_id_and_a_stable_key() {
        CaravanApp app = app(Databases.Backend.H2);
        String id = "drain-keys";
        String topic = newTopic(3);
        Inbox.write(EmbeddedKafka.bootstrapServers(), topic, "crm", events("k", 7));
        stubOk("/" + id);

        start(app, drainRow(id, topic));
        await().atMost(Duration.ofSeconds(20)).until(() -> posts("/" + id).size() >= 7);

        for (LoggedRequest r : posts("/" + id)) {
            String webhookId = r.getHeader("webhook-id");
            assertThat(r.getHeader("Idempotency-Key")).isEqualTo(id + ":crm:" + webhookId);
            assertThat(r.getBodyAsString()).isEqualTo("{\"event\":\"" + webhookId + "\"}");
        }
        assertThat(posts("/" + id)).extracting(r -> r.getHeader("webhook-id")).doesNotHaveDuplicates();
        MeterRegistry meters = app.camel()
                .getRegistry()
                .lookupByNameAndType(MicrometerConstants.METRICS_REGISTRY_NAME, MeterRegistry.class);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> meters.find("caravan.drain.events.delivered")
                                .tag("route", id)
                                .counter()
                                .count()
                        == 7.0);
    }

    /**
     * Guards against an idle drain holding a Kafka group member (its heartbeat thread) between executions far apart,
     * and against the next execution, which joins the group again, losing or repeating events.
     */
    @Test
    void a_drain_far_apart_leaves_the_group_between_executions_and_resumes_where_it_committed() {
        CaravanApp app = app(Databases.Backend.H2);
        String id = "drain-leaves";
        String topic = newTopic(2);
        Inbox.write(EmbeddedKafka.bootstrapServers(), topic, "crm", events("l", 4));
        stubOk("/" + id);
        start(app, drainRow(id, topic).schedule("every 5s"));
        await().atMost(Duration.ofSeconds(20)).until(() -> posts("/" + id).size() >= 4);

        await("no member of the drain's group between executions")
                .atMost(Duration.ofSeconds(15))
                .until(() -> Thread.getAllStackTraces().keySet().stream()
                        .noneMatch(t -> t.getName().endsWith("| caravan-drain-" + id)));

        Inbox.write(EmbeddedKafka.bootstrapServers(), topic, "crm", events("m", 3));
        await().atMost(Duration.ofSeconds(30)).until(() -> posts("/" + id).size() >= 7);
        assertThat(posts("/" + id))
                .extracting(r -> r.getHeader("webhook-id"))
                .hasSize(7)
                .doesNotHaveDuplicates();
        assertThat(executionsThatRead(app, id))
                .allSatisfy(e -> assertThat(e.status()).isEqualTo(ExecutionStatus.COMPLETE));
    }

    /**
     * Guards against a stopped caravan leaving its drains' inbox consumers open: they would stay members of their
     * groups (holding the partitions from a replacement pod until the session times out) and keep trying to reach the
     * broker after it is gone.
     */
    @Test
    void stopping_caravan_closes_the_inbox_consumer_of_a_drain_that_stays_in_its_group() {
        Map<String, String> s =
                CaravanApp.settings("jdbc:h2:mem:drain_stop_" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "");
        s.put("camel.component.kafka.brokers", EmbeddedKafka.bootstrapServers());
        CaravanApp own = CaravanApp.start(s);
        String id = "drain-stops";
        String topic = newTopic(1);
        try {
            own.profiles().upsert(new DrainProfile("TEST_5x2", Duration.ofSeconds(1), 5, 2, "test"));
            Inbox.write(EmbeddedKafka.bootstrapServers(), topic, "crm", events("s", 2));
            stubOk("/" + id);
            own.routeConfig().upsert(drainRow(id, topic).row(), "test"); // every second: stays in its group
            await().atMost(Duration.ofSeconds(20)).until(() -> posts("/" + id).size() >= 2);
            assertThat(consumerThreads(id)).isNotEmpty();
        } finally {
            own.close();
        }

        assertThat(consumerThreads(id)).isEmpty();
        assertThat(groupMembers("caravan-drain-" + id)).isZero();
    }

    private static List<String> consumerThreads(String routeId) {
        return Thread.getAllStackTraces().keySet().stream()
                .map(Thread::getName)
                .filter(name -> name.endsWith("| caravan-drain-" + routeId))
                .toList();
    }

    private static int groupMembers(String groupId) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, EmbeddedKafka.bootstrapServers());
        try (Admin admin = Admin.create(p)) {
            return admin.describeConsumerGroups(List.of(groupId))
                    .describedGroups()
                    .get(groupId)
                    .get()
                    .members()
                    .size();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Guards against parallel deliveries losing or repeating events, or committing offsets before the whole poll's
     * outcomes are recorded: every event once, deliveries overlapping, every execution complete.
     */
    @Test
    void parallel_deliveries_overlap_and_every_event_is_delivered_once_and_committed() {
        CaravanApp app = app(Databases.Backend.H2);
        String id = "drain-parallel";
        String topic = newTopic(2);
        Inbox.write(EmbeddedKafka.bootstrapServers(), topic, "crm", events("p", 10));
        TARGET.stubFor(post(urlPathEqualTo("/" + id))
                .willReturn(aResponse().withStatus(200).withFixedDelay(400)));
        start(app, drainRow(id, topic).param("parallelDeliveries", "5"));

        await().atMost(Duration.ofSeconds(30)).until(() -> posts("/" + id).size() >= 10);
        awaitOutcomes(app, id, 10);
        List<LoggedRequest> posts = posts("/" + id);
        assertThat(posts).extracting(r -> r.getHeader("webhook-id")).hasSize(10).doesNotHaveDuplicates();
        // the second POST arrived while the first was still being answered (400 ms)
        assertThat(Duration.between(
                        posts.get(0).getLoggedDate().toInstant(),
                        posts.get(1).getLoggedDate().toInstant()))
                .isLessThan(Duration.ofMillis(400));
        assertThat(executionsThatRead(app, id))
                .allSatisfy(e -> assertThat(e.status()).isEqualTo(ExecutionStatus.COMPLETE));

        // committed: a new execution reads nothing of them again
        int delivered = posts.size();
        awaitExecutionsAfterTheBacklog(app, id);
        assertThat(posts("/" + id)).hasSize(delivered);
        assertThat(executionsThatRead(app, id).stream()
                        .mapToInt(Execution::rowsRead)
                        .sum())
                .isEqualTo(10);
    }

    /** Guards against a re-read of the inbox (offsets reset, a new consumer group, an overlap) delivering again. */
    @Test
    void re_reading_the_whole_inbox_delivers_nothing_twice() {
        CaravanApp app = app(Databases.Backend.H2);
        String id = "drain-reread";
        String topic = newTopic(2);
        Inbox.write(EmbeddedKafka.bootstrapServers(), topic, "crm", events("r", 6));
        stubOk("/" + id);
        start(app, drainRow(id, topic));
        await().atMost(Duration.ofSeconds(20)).until(() -> posts("/" + id).size() >= 6);

        app.routeConfig()
                .upsert(drainRow(id, topic).param("groupId", id + "-again").row(), "test");
        await().atMost(Duration.ofSeconds(30))
                .until(() -> executionsThatRead(app, id).stream()
                                .mapToInt(Execution::rowsDuplicate)
                                .sum()
                        >= 6);

        assertThat(posts("/" + id)).hasSize(6);
    }

    @Test
    void transient_failure_is_retried_after_retry_after_then_delivered() {
        CaravanApp app = app(Databases.Backend.H2);
        String id = "drain-transient";
        String topic = newTopic(1);
        Inbox.write(EmbeddedKafka.bootstrapServers(), topic, "crm", events("t", 1));
        TARGET.stubFor(post(urlPathEqualTo("/" + id))
                .inScenario(id)
                .whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(503).withHeader("Retry-After", "1"))
                .willSetStateTo("recovered"));
        TARGET.stubFor(post(urlPathEqualTo("/" + id))
                .inScenario(id)
                .whenScenarioStateIs("recovered")
                .willReturn(aResponse().withStatus(200)));

        start(app, drainRow(id, topic));
        await().atMost(Duration.ofSeconds(20))
                .until(() -> executionsThatRead(app, id).stream().anyMatch(e -> e.rowsDelivered() == 1));

        List<LoggedRequest> posts = posts("/" + id);
        assertThat(posts).hasSize(2);
        assertThat(posts.get(0).getHeader("Idempotency-Key"))
                .isEqualTo(posts.get(1).getHeader("Idempotency-Key"));
        assertThat(Duration.between(
                        posts.get(0).getLoggedDate().toInstant(),
                        posts.get(1).getLoggedDate().toInstant()))
                .as("Retry-After honoured")
                .isGreaterThanOrEqualTo(Duration.ofMillis(900));
        assertThat(app.deadLetters().findByRoute(id)).isEmpty();
    }

    @Test
    void transient_failure_that_outlasts_the_retries_is_dead_lettered_and_the_drain_goes_on() {
        CaravanApp app = app(Databases.Backend.H2);
        String id = "drain-exhausted";
        String topic = newTopic(1);
        Inbox.write(EmbeddedKafka.bootstrapServers(), topic, "crm", events("x", 3));
        stubOk("/" + id);
        TARGET.stubFor(post(urlPathEqualTo("/" + id))
                .withHeader("webhook-id", equalTo("x-1"))
                .atPriority(1)
                .willReturn(aResponse().withStatus(503)));

        start(app, drainRow(id, topic).retry(3, 100, 200));
        awaitOutcomes(app, id, 3);

        assertThat(TARGET.findAll(postRequestedFor(urlPathEqualTo("/" + id)).withHeader("webhook-id", equalTo("x-1"))))
                .as("three attempts")
                .hasSize(3);
        List<DeadLetter> letters = app.deadLetters().findByRoute(id);
        assertThat(letters).singleElement().satisfies(l -> {
            assertThat(l.category()).isEqualTo("TRANSIENT");
            assertThat(l.attempts()).isEqualTo(3);
        });
        assertThat(posts("/" + id)).extracting(r -> r.getHeader("webhook-id")).contains("x-2", "x-3");
    }

    @Test
    void permanent_failure_is_dead_lettered_at_once_and_the_drain_goes_on() {
        CaravanApp app = app(Databases.Backend.H2);
        String id = "drain-permanent";
        String topic = newTopic(1);
        Inbox.write(EmbeddedKafka.bootstrapServers(), topic, "crm", events("p", 4));
        stubOk("/" + id);
        TARGET.stubFor(post(urlPathEqualTo("/" + id))
                .withHeader("webhook-id", equalTo("p-2"))
                .atPriority(1)
                .willReturn(aResponse().withStatus(422).withBody("{\"error\":\"unknown contact\"}")));

        start(app, drainRow(id, topic));
        awaitOutcomes(app, id, 4);

        assertThat(posts("/" + id)).hasSize(4);
        assertThat(TARGET.findAll(postRequestedFor(urlPathEqualTo("/" + id)).withHeader("webhook-id", equalTo("p-2"))))
                .as("no retry of a permanent failure")
                .hasSize(1);
        List<DeadLetter> letters = app.deadLetters().findByRoute(id);
        assertThat(letters).hasSize(1);
        assertThat(letters.get(0).category()).isEqualTo("PERMANENT");
        assertThat(letters.get(0).statusCode()).isEqualTo(422);
        assertThat(letters.get(0).idempotencyKey()).isEqualTo(id + ":crm:p-2");
        assertThat(letters.get(0).payload()).isEqualTo("{\"event\":\"p-2\"}");
    }

    @Test
    void webhook_posted_to_the_endpoint_reaches_the_target_through_the_inbox() {
        CaravanApp app = app(Databases.Backend.H2);
        String id = "drain-end-to-end";
        String topic = newTopic(3);
        String secret = WebhookSender.newSecret();
        start(app, TemplateRow.inboundWebhook(id + "-in", "shop", WebhookSender.secretFile(secret), topic));
        stubOk("/" + id);
        start(app, drainRow(id, topic));
        String url = "http://localhost:" + PORTS.get(Databases.Backend.H2) + "/webhooks/shop";

        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String webhookId = "msg_" + UUID.randomUUID();
            String body = "{\"type\":\"order.paid\",\"n\":" + i + "}";
            HttpResponse<String> response =
                    WebhookSender.post(url, WebhookSender.sign(secret, webhookId, Instant.now(), body), body);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
            ids.add(webhookId);
        }

        await().atMost(Duration.ofSeconds(20)).until(() -> posts("/" + id).size() >= 3);
        assertThat(posts("/" + id))
                .extracting(r -> r.getHeader("Idempotency-Key"))
                .containsExactlyInAnyOrderElementsOf(
                        ids.stream().map(w -> id + ":shop:" + w).toList());
    }

    /**
     * Guards against committing past an event whose outcome is not recorded: a key held under another owner's live
     * lease stops the drain at that offset; the event is polled again and delivered once the lease has run out.
     */
    @Test
    void event_held_by_another_owner_is_not_committed_past_and_is_delivered_after_its_lease() {
        CaravanApp app = app(Databases.Backend.H2);
        String id = "drain-held";
        String topic = newTopic(1);
        Inbox.write(EmbeddedKafka.bootstrapServers(), topic, "crm", events("h", 4));
        stubOk("/" + id);
        IdempotencyLedger other =
                new IdempotencyLedger(app.store(), "other-instance", Duration.ofSeconds(3), Clock.systemUTC());
        assertThat(other.claim(id, List.of(id + ":crm:h-2")).get(id + ":crm:h-2"))
                .isEqualTo(ClaimOutcome.CLAIMED);

        start(app, drainRow(id, topic));
        await().atMost(Duration.ofSeconds(30)).until(() -> posts("/" + id).size() >= 4);

        // the events after it are delivered at once; only its offset and those after it stay uncommitted
        assertThat(posts("/" + id))
                .extracting(r -> r.getHeader("webhook-id"))
                .containsExactly("h-1", "h-3", "h-4", "h-2");
        // the execution that delivered h-2 records its counts when it ends, which may be after the post arrived
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(executionsThatRead(app, id))
                .as("an execution stopped at the held event")
                .anySatisfy(e -> assertThat(e.detail()).contains("held by another owner"))
                .as("the events after it were polled again, as duplicates")
                .anySatisfy(e -> assertThat(e.rowsDuplicate()).isEqualTo(2)));
    }

    /**
     * Guards against the drain delivering what the inbound receiver never wrote: a record written straight to the
     * inbox topic without a seal (kcat), one sealed with another key, and a sealed record copied to the topic with
     * another body are dead-lettered as DATA_QUALITY, never delivered nor claimed, and committed past; the authentic
     * events around them are delivered.
     */
    /**
     * Guards against a replayed drain event sent under another Idempotency-Key or webhook-id, and against a replay
     * that sends a forged (QUARANTINED) inbox record.
     */
    @Test
    void a_replay_sends_the_event_with_its_key_and_webhook_id_and_never_a_forged_record() {
        CaravanApp app = app(Databases.Backend.H2);
        String id = "drain-replay";
        String topic = newTopic(1);
        String brokers = EmbeddedKafka.bootstrapServers();
        Inbox.write(brokers, topic, "crm", events("r", 2));
        Inbox.write(brokers, topic, "crm", Map.of("f-9", "{\"event\":\"forged\"}"), null);
        stubOk("/" + id);
        StubMapping down = TARGET.stubFor(post(urlPathEqualTo("/" + id))
                .withHeader("webhook-id", equalTo("r-1"))
                .atPriority(1)
                .willReturn(aResponse().withStatus(503)));
        start(app, drainRow(id, topic).retry(2, 50, 100));
        awaitOutcomes(app, id, 3);
        assertThat(app.deadLetters().findByRoute(id))
                .extracting(DeadLetter::replayStatus)
                .containsExactlyInAnyOrder(DeadLetter.PENDING, DeadLetter.QUARANTINED);

        TARGET.removeStub(down);
        ReplayRequests requests = new ReplayRequests(app.store(), Clock.systemUTC());
        long replay = requests.create(ReplayFilter.of(id, "", "", "", ""), 10, "test");
        await().atMost(Duration.ofSeconds(20))
                .until(() -> requests.find(replay).orElseThrow().status() == ReplayRequest.Status.DONE);

        assertThat(requests.find(replay).orElseThrow().resent()).isEqualTo(1);
        List<LoggedRequest> accepted = TARGET.getAllServeEvents().stream()
                .filter(e -> e.getRequest().getUrl().startsWith("/" + id)
                        && e.getResponse().getStatus() == 200
                        && "r-1".equals(e.getRequest().getHeader("webhook-id")))
                .map(e -> e.getRequest())
                .toList();
        assertThat(accepted).singleElement().satisfies(r -> {
            assertThat(r.getHeader("Idempotency-Key")).isEqualTo(id + ":crm:r-1");
            assertThat(r.getBodyAsString()).isEqualTo("{\"event\":\"r-1\"}");
        });
        assertThat(posts("/" + id)).noneMatch(r -> r.getBodyAsString().contains("forged"));
        assertThat(app.deadLetters().findByRoute(id))
                .extracting(DeadLetter::replayStatus)
                .containsExactlyInAnyOrder(DeadLetter.REPLAYED, DeadLetter.QUARANTINED);
    }

    @Test
    void unsealed_or_forged_inbox_records_are_dead_lettered_and_never_delivered() {
        CaravanApp app = app(Databases.Backend.H2);
        String id = "drain-forged";
        String topic = newTopic(1);
        String brokers = EmbeddedKafka.bootstrapServers();
        Inbox.write(brokers, topic, "crm", Map.of("a-1", "{\"event\":\"a-1\"}"));
        Inbox.write(brokers, topic, "crm", Map.of("a-2", "{\"event\":\"kcat\"}"), null);
        Inbox.write(brokers, topic, "crm", Map.of("f-1", "{\"event\":\"f-1\"}"), InboxSeal.parse(InboxSeal.newKey()));
        Inbox.write(brokers, topic, "crm", Map.of("a-3", "{\"event\":\"a-3\"}"));
        stubOk("/" + id);

        start(app, drainRow(id, topic));
        awaitOutcomes(app, id, 4);
        awaitExecutionsAfterTheBacklog(app, id);

        assertThat(posts("/" + id)).extracting(r -> r.getHeader("webhook-id")).containsExactly("a-1", "a-3");
        List<DeadLetter> letters = app.deadLetters().findByRoute(id);
        assertThat(letters).hasSize(2).allSatisfy(l -> {
            assertThat(l.category()).isEqualTo("DATA_QUALITY");
            assertThat(l.reason()).startsWith("inbox record not authenticated: ");
            assertThat(l.replayStatus()).isEqualTo(DeadLetter.QUARANTINED);
            assertThat(l.idempotencyKey()).isNull();
        });
        assertThat(letters)
                .extracting(DeadLetter::payload)
                .containsExactly("{\"event\":\"kcat\"}", "{\"event\":\"f-1\"}");
        assertThat(letters.get(0).reason()).contains("no caravan-inbox-seal header");
        assertThat(letters.get(1).reason()).contains("does not match");
        assertThat(letters.get(1).headers()).containsEntry("kafka.offset", "2").containsEntry("webhook-id", "f-1");
        assertThat(app.ledger().find(id + ":crm:a-2"))
                .as("a forged record claims no key")
                .isEmpty();
        assertThat(app.ledger().find(id + ":crm:f-1")).isEmpty();
        assertThat(executionsThatRead(app, id))
                .as("committed past: read once, no execution left INCOMPLETE")
                .allSatisfy(e -> assertThat(e.status()).isEqualTo(ExecutionStatus.COMPLETE))
                .extracting(Execution::rowsRead)
                .containsExactly(4);
    }

    private TemplateRow drainRow(String id, String topic) {
        return TemplateRow.queueDrain(id, "TEST_5x2", topic, TARGET.baseUrl() + "/" + id)
                .schedule("every 300ms")
                .param("pollTimeout", "500ms")
                .retry(3, 100, 2000);
    }

    private void start(CaravanApp app, TemplateRow row) {
        app.routeConfig().upsert(row.row(), "test");
        stops.add(() -> stop(app, row.routeId()));
        await("route " + row.routeId() + " started")
                .atMost(Duration.ofSeconds(15))
                .until(() -> app.reconciler().running().contains(row.routeId()));
    }

    private static void stop(CaravanApp app, String routeId) {
        if (app.reconciler().running().contains(routeId)) {
            app.routeConfig().setEnabled(routeId, false, "test");
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> !app.reconciler().running().contains(routeId));
        }
    }

    /** Waits until executions have recorded {@code n} events as delivered or dead-lettered. */
    private static void awaitOutcomes(CaravanApp app, String id, int n) {
        await().atMost(Duration.ofSeconds(20))
                .until(() -> executionsThatRead(app, id).stream()
                                .mapToInt(e -> e.rowsDelivered() + e.rowsDeadLettered())
                                .sum()
                        >= n);
    }

    private static void awaitExecutionsAfterTheBacklog(CaravanApp app, String id) {
        int now = finished(app, id).size();
        await().atMost(Duration.ofSeconds(20)).until(() -> finished(app, id).size() >= now + 1);
    }

    private static List<Execution> finished(CaravanApp app, String id) {
        List<Execution> recent = new ArrayList<>(app.executionLog().recent(id, 10_000));
        recent.removeIf(e -> e.status() == ExecutionStatus.RUNNING);
        Collections.reverse(recent);
        return recent;
    }

    private static List<Execution> executionsThatRead(CaravanApp app, String id) {
        return finished(app, id).stream().filter(e -> e.rowsRead() > 0).toList();
    }

    private static Map<String, String> events(String prefix, int n) {
        Map<String, String> events = new LinkedHashMap<>();
        for (int i = 1; i <= n; i++) {
            events.put(prefix + "-" + i, "{\"event\":\"" + prefix + "-" + i + "\"}");
        }
        return events;
    }

    private static String newTopic(int partitions) {
        String topic = "inbox-" + UUID.randomUUID();
        EmbeddedKafka.createTopic(topic, partitions);
        return topic;
    }

    private static void stubOk(String path) {
        TARGET.stubFor(post(urlPathEqualTo(path)).willReturn(aResponse().withStatus(200)));
    }

    private static List<LoggedRequest> posts(String path) {
        List<LoggedRequest> posts = new ArrayList<>(TARGET.findAll(postRequestedFor(urlPathEqualTo(path))));
        posts.sort(java.util.Comparator.comparing(LoggedRequest::getLoggedDate));
        return posts;
    }
}
