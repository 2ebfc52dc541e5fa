package io.caravan.trigger;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.caravan.store.DeadLetter;
import io.caravan.store.ReplayFilter;
import io.caravan.store.ReplayRequest;
import io.caravan.store.ReplayRequests;
import io.caravan.testing.Databases;
import io.caravan.testing.PrometheusScrape;
import io.caravan.testing.TriggerFixture;
import io.caravan.testing.TriggerFixture.Customer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The transient-trigger route against real S3 (S3Proxy) and SQS (ElasticMQ) servers in the JVM, one flow of seed
 * 003's diagrams per test, with caravan's stricter failure semantics: a trigger is deleted only after the archive
 * recorded the outcome, a retryable failure leaves the message for redelivery, a permanent one is quarantined.
 */
class TriggerFlowTest {
    static final Duration WAIT = Duration.ofSeconds(30);
    static TriggerFixture triggers;

    @BeforeAll
    static void start() {
        triggers = TriggerFixture.start(Databases.Backend.H2);
    }

    @AfterEach
    void stopRoutes() {
        triggers.stopRoutes();
    }

    @AfterAll
    static void stop() {
        triggers.close();
    }

    static List<Map<String, Object>> entries(String changeId, String type, String customer) {
        return triggers.modifications(changeId).stream()
                .filter(m -> type.equals(m.get("type")) && customer.equals(m.get("customer")))
                .toList();
    }

    static String triggerKey(Customer c, String changeId) {
        return "customers/" + c.code() + "/" + changeId + ".json";
    }

    void awaitHandled(Customer c) {
        await("queue of " + c.code() + " empty").atMost(WAIT).until(() -> triggers.messagesInQueue(c) == 0);
    }

    List<DeadLetter> deadLetters(Customer c) {
        return triggers.app().deadLetters().findByRoute(c.routeId());
    }

    @Test
    void a_change_is_processed_recorded_in_the_archive_and_its_trigger_deleted() {
        Customer c = triggers.customer();
        String change = triggers.newChangeId();
        triggers.change(change, c);

        await().atMost(WAIT).until(() -> !triggers.exists(triggerKey(c, change)));
        awaitHandled(c);
        List<ServeEvent> posts = triggers.requests("/process", change);
        assertThat(posts).singleElement().satisfies(e -> {
            assertThat(e.getRequest().getHeader("Idempotency-Key")).isEqualTo(change + ":" + c.code());
            assertThat(e.getRequest().getBodyAsString()).contains("\"changeId\":\"" + change + "\"");
        });
        assertThat(entries(change, "processed", c.code())).singleElement().satisfies(m -> {
            assertThat(m).containsEntry("outcome", "HTTP 200").containsEntry("idempotencyKey", change + ":" + c.code());
            assertThat(m).containsKey("timestamp");
        });
        assertThat(deadLetters(c)).isEmpty();
        assertThat(PrometheusScrape.of(triggers.app())
                        .value(
                                "caravan_trigger_processing_seconds_count",
                                Map.of("route", c.routeId(), "outcome", "acknowledged")))
                .hasValueSatisfying(v -> assertThat(v).isGreaterThanOrEqualTo(1.0));
    }

    /** Guards against processing a change twice when S3 or SQS delivers its event twice. */
    @Test
    void the_same_event_delivered_twice_is_processed_once() {
        Customer c = triggers.customer(Map.of("concurrentConsumers", "2"));
        String change = triggers.newChangeId();
        triggers.change(change, c);
        triggers.notifyQueue(c, triggerKey(c, change));

        await().atMost(WAIT).until(() -> !triggers.exists(triggerKey(c, change)));
        awaitHandled(c);
        assertThat(triggers.requests("/process", change)).hasSize(1);
        assertThat(entries(change, "processed", c.code())).hasSize(1);
    }

    @Test
    void an_event_whose_trigger_is_already_deleted_is_acknowledged_and_skipped() {
        Customer c = triggers.customer();
        String change = triggers.newChangeId();
        triggers.writeArchive(change, "{\"changeId\":\"" + change + "\"}");
        triggers.notifyQueue(c, triggerKey(c, change));

        awaitHandled(c);
        assertThat(triggers.requests("/process", change)).isEmpty();
        assertThat(triggers.modifications(change)).isEmpty();
        assertThat(deadLetters(c)).isEmpty();
    }

    @Test
    void events_out_of_order_and_a_late_duplicate_process_each_change_once() {
        Customer c = triggers.customer();
        String first = triggers.newChangeId();
        String second = triggers.newChangeId();
        triggers.writeArchive(first, "{\"changeId\":\"" + first + "\"}");
        triggers.writeArchive(second, "{\"changeId\":\"" + second + "\"}");
        String firstKey = triggers.writeTrigger(c, first);
        String secondKey = triggers.writeTrigger(c, second);
        triggers.notifyQueue(c, secondKey);
        triggers.notifyQueue(c, firstKey);

        await().atMost(WAIT).until(() -> !triggers.exists(firstKey) && !triggers.exists(secondKey));
        triggers.notifyQueue(c, firstKey); // a late copy of an event already handled
        awaitHandled(c);
        assertThat(triggers.requests("/process", first)).hasSize(1);
        assertThat(triggers.requests("/process", second)).hasSize(1);
        assertThat(entries(first, "processed", c.code())).hasSize(1);
        assertThat(entries(second, "processed", c.code())).hasSize(1);
    }

    /** Guards against a second meeting per change, or one customer's entry overwriting the other's. */
    @Test
    void two_customers_of_one_change_make_the_shared_side_effect_once_and_both_record_their_entry() {
        String shared = triggers.target().baseUrl() + "/shared";
        Customer a = triggers.customer(Map.of("sharedTarget", shared));
        Customer b = triggers.customer(Map.of("sharedTarget", shared));
        String change = triggers.newChangeId();
        triggers.change(change, a, b);

        await().atMost(WAIT)
                .until(() -> !triggers.exists(triggerKey(a, change)) && !triggers.exists(triggerKey(b, change)));
        awaitHandled(a);
        awaitHandled(b);
        assertThat(triggers.requests("/shared", change)).singleElement().satisfies(e -> assertThat(
                        e.getRequest().getHeader("Idempotency-Key"))
                .isEqualTo(change));
        assertThat(triggers.requests("/process", change))
                .extracting(e -> e.getRequest().getHeader("Idempotency-Key"))
                .containsExactlyInAnyOrder(change + ":" + a.code(), change + ":" + b.code());
        assertThat(entries(change, "processed", a.code())).hasSize(1);
        assertThat(entries(change, "processed", b.code())).hasSize(1);
        assertThat(triggers.modifications(change))
                .filteredOn(m -> "shared_processed".equals(m.get("type")))
                .hasSize(1);
    }

    /** Guards against the seed's flow, which deletes the trigger on a retryable failure and so loses the change. */
    @Test
    void a_retryable_processing_failure_keeps_the_trigger_and_succeeds_on_redelivery() {
        Customer c = triggers.customer();
        String change = triggers.newChangeId();
        triggers.target()
                .stubFor(post(urlPathEqualTo("/process"))
                        .withHeader("Caravan-Change-Id", equalTo(change))
                        .inScenario(change)
                        .whenScenarioStateIs(STARTED)
                        .willReturn(aResponse().withStatus(503))
                        .willSetStateTo("recovered"));
        triggers.change(change, c);

        await().atMost(WAIT).until(() -> !triggers.exists(triggerKey(c, change)));
        awaitHandled(c);
        List<ServeEvent> posts = triggers.requests("/process", change);
        assertThat(posts).hasSize(2);
        assertThat(posts)
                .extracting(e -> e.getRequest().getHeader("Idempotency-Key"))
                .containsOnly(change + ":" + c.code());
        assertThat(entries(change, "processed", c.code())).hasSize(1);
        assertThat(deadLetters(c)).isEmpty();
    }

    /** Guards against caravan acknowledging a message that keeps failing: SQS's redrive policy must see it. */
    @Test
    void a_message_that_keeps_failing_retryably_reaches_the_queue_dlq_and_the_trigger_stays() {
        Customer c = triggers.customer(triggers.newCode(), Map.of(), 2);
        String change = triggers.newChangeId();
        triggers.target()
                .stubFor(post(urlPathEqualTo("/process"))
                        .withHeader("Caravan-Change-Id", equalTo(change))
                        .willReturn(aResponse().withStatus(503)));
        triggers.change(change, c);

        await().atMost(WAIT).until(() -> triggers.messagesInDlq(c) == 1);
        awaitHandled(c);
        assertThat(triggers.requests("/process", change)).hasSize(2);
        assertThat(triggers.exists(triggerKey(c, change))).isTrue();
        assertThat(triggers.modifications(change)).isEmpty();
        assertThat(deadLetters(c)).isEmpty();
    }

    /** Guards against a slow processing step letting the message reappear and be received a second time. */
    @Test
    void long_processing_extends_the_message_visibility_so_it_is_not_received_again() {
        Customer c = triggers.customer(Map.of("visibilityTimeout", "2s", "concurrentConsumers", "2"));
        String change = triggers.newChangeId();
        triggers.target()
                .stubFor(post(urlPathEqualTo("/process"))
                        .withHeader("Caravan-Change-Id", equalTo(change))
                        .willReturn(aResponse().withStatus(200).withFixedDelay(3500)));
        triggers.change(change, c);

        await().atMost(WAIT).until(() -> !triggers.exists(triggerKey(c, change)));
        awaitHandled(c);
        assertThat(triggers.requests("/process", change)).hasSize(1);
        assertThat(entries(change, "processed", c.code())).hasSize(1);
        assertThat(PrometheusScrape.of(triggers.app())
                        .value(
                                "caravan_trigger_processing_seconds_count",
                                Map.of("route", c.routeId(), "outcome", "redelivery")))
                .as("no delivery of the message was left for redelivery")
                .isEmpty();
    }

    /** Guards against deleting the trigger when the archive could not record the outcome (the seed's second loss). */
    @Test
    void an_archive_update_failure_keeps_the_trigger_then_succeeds_without_processing_again() {
        Customer c = triggers.customer();
        String change = triggers.newChangeId();
        String archivePath = "/" + triggers.bucket() + "/archive/" + change + ".json";
        triggers.s3Faults()
                .stubFor(put(urlPathEqualTo(archivePath))
                        .atPriority(1)
                        .willReturn(aResponse().withStatus(503)));
        triggers.change(change, c);

        await().atMost(WAIT).until(() -> triggers.requests("/process", change).size() == 1);
        // two deliveries failed to record, each keeping the trigger
        await().atMost(WAIT)
                .until(() -> PrometheusScrape.of(triggers.app())
                                .forRoute("caravan_trigger_archive_update_failures_total", c.routeId())
                                .orElse(0.0)
                        >= 2.0);
        assertThat(triggers.exists(triggerKey(c, change))).isTrue();
        assertThat(triggers.modifications(change)).isEmpty();

        triggers.s3Faults().resetToDefaultMappings();
        triggers.s3Faults()
                .stubFor(com.github.tomakehurst.wiremock.client.WireMock.any(
                                com.github.tomakehurst.wiremock.client.WireMock.anyUrl())
                        .atPriority(10)
                        .willReturn(aResponse()
                                .proxiedFrom(triggers.aws().s3Endpoint().toString())));
        await().atMost(WAIT).until(() -> !triggers.exists(triggerKey(c, change)));
        awaitHandled(c);
        assertThat(triggers.requests("/process", change)).hasSize(1);
        assertThat(entries(change, "processed", c.code())).hasSize(1);
    }

    @Test
    void a_failed_trigger_delete_after_the_record_acknowledges_and_the_sweeper_cleans_up() {
        Customer c = triggers.customer(Map.of("orphanAge", "0s"));
        String change = triggers.newChangeId();
        String triggerPath = "/" + triggers.bucket() + "/" + triggerKey(c, change);
        triggers.s3Faults()
                .stubFor(delete(urlPathEqualTo(triggerPath))
                        .atPriority(1)
                        .willReturn(aResponse().withStatus(503)));
        triggers.change(change, c);

        await().atMost(WAIT).until(() -> entries(change, "processed", c.code()).size() == 1);
        awaitHandled(c);
        assertThat(triggers.exists(triggerKey(c, change))).isTrue();

        triggers.s3Faults()
                .removeStub(triggers.s3Faults().getStubMappings().stream()
                        .filter(m -> m.getPriority() != null && m.getPriority() == 1)
                        .findFirst()
                        .orElseThrow());
        assertThat(triggers.sweeper(c).sweep().redriven()).isEqualTo(1);
        await().atMost(WAIT).until(() -> !triggers.exists(triggerKey(c, change)));
        awaitHandled(c);
        assertThat(triggers.requests("/process", change)).hasSize(1);
        assertThat(entries(change, "processed", c.code())).hasSize(1);
    }

    @Test
    void a_malformed_message_is_dead_lettered_with_its_reason_and_acknowledged() {
        Customer c = triggers.customer();
        triggers.send(c, "this is not an S3 event");
        triggers.send(c, "{\"Records\":[]}");

        awaitHandled(c);
        assertThat(deadLetters(c))
                .hasSize(2)
                .allSatisfy(d -> {
                    assertThat(d.category()).isEqualTo("DATA_QUALITY");
                    assertThat(d.reason()).startsWith("malformed S3 event: ");
                })
                .extracting(DeadLetter::payload)
                .containsExactlyInAnyOrder("this is not an S3 event", "{\"Records\":[]}");
    }

    /**
     * Guards against dead-letter amplification: one 144 KB message of 1,000 bad records made 1,000 dead letters,
     * each holding the whole message. Over the records cap it is now one dead letter with a capped payload.
     */
    @Test
    void a_message_of_1000_bad_records_is_one_bounded_dead_letter_and_acknowledged() throws Exception {
        Customer c = triggers.customer();
        List<String> records = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            records.add(minimalRecord("archive/bad-" + i + ".json"));
        }
        String body = "{\"Records\":[" + String.join(",", records) + "]}";
        assertThat(body.length()).isBetween(100_000, 200_000);

        triggers.send(c, body);

        awaitHandled(c);
        assertThat(deadLetters(c)).singleElement().satisfies(d -> {
            assertThat(d.category()).isEqualTo("DATA_QUALITY");
            assertThat(d.reason()).contains("the message has 1000 records; at most 100 are processed");
            assertThat(d.payload().getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(64 * 1024);
            assertThat(body).startsWith(d.payload());
            assertThat(d.payloadTruncated()).isTrue();
            assertThat(d.payloadSize()).isEqualTo(body.getBytes(StandardCharsets.UTF_8).length);
            assertThat(d.payloadSha256()).isEqualTo(sha256(body));
        });
    }

    /**
     * Guards against one bad record stopping the good ones of its message, and against one dead letter per bad
     * record: the good triggers are processed, the bad records are one dead letter listing the first ten.
     */
    @Test
    void good_records_of_a_message_are_processed_and_its_bad_records_are_one_dead_letter() throws Exception {
        Customer c = triggers.customer();
        String first = triggers.newChangeId();
        String second = triggers.newChangeId();
        List<String> records = new ArrayList<>();
        for (String change : List.of(first, second)) {
            triggers.writeArchive(change, "{\"changeId\":\"" + change + "\"}");
            records.add(minimalRecord(triggers.writeTrigger(c, change)));
        }
        for (int i = 0; i < 30; i++) {
            records.add(minimalRecord("archive/bad-" + i + ".json"));
        }

        triggers.send(c, "{\"Records\":[" + String.join(",", records) + "]}");

        awaitHandled(c);
        assertThat(triggers.requests("/process", first)).hasSize(1);
        assertThat(triggers.requests("/process", second)).hasSize(1);
        assertThat(deadLetters(c)).singleElement().satisfies(d -> {
            assertThat(d.category()).isEqualTo("DATA_QUALITY");
            assertThat(d.reason())
                    .startsWith("30 of 32 records rejected: trigger key 'archive/bad-0.json' rejected: ")
                    .contains("'archive/bad-9.json'")
                    .doesNotContain("'archive/bad-10.json'")
                    .endsWith("; and 20 more");
        });
    }

    /** A record with only what caravan reads: S3 sends more, a forger need not. */
    static String minimalRecord(String key) {
        return "{\"eventSource\":\"aws:s3\",\"eventName\":\"ObjectCreated:Put\",\"s3\":{\"bucket\":{\"name\":\""
                + triggers.bucket() + "\"},\"object\":{\"key\":\"" + key + "\"}}}";
    }

    static String sha256(String text) throws Exception {
        return HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void the_s3_test_event_is_acknowledged_and_ignored() {
        Customer c = triggers.customer();
        triggers.send(
                c,
                "{\"Service\":\"Amazon S3\",\"Event\":\"s3:TestEvent\",\"Time\":\"2026-11-23T10:15:30.000Z\","
                        + "\"Bucket\":\"" + triggers.bucket() + "\",\"RequestId\":\"R\",\"HostId\":\"H\"}");
        awaitHandled(c);
        assertThat(deadLetters(c)).isEmpty();
    }

    /** Guards against a route processing keys outside its customer's prefix (path tricks, other customers). */
    @Test
    void keys_outside_customers_with_dot_dot_or_of_another_customer_are_rejected_and_never_processed() {
        Customer c = triggers.customer();
        Customer other = triggers.customer();
        String change = triggers.newChangeId();
        triggers.writeArchive(change, "{\"changeId\":\"" + change + "\"}");
        String othersTrigger = triggers.writeTrigger(other, change);
        triggers.put("archive/x.json", "{}");
        triggers.notifyQueue(c, "archive/" + change + ".json");
        triggers.notifyQueue(c, "customers/" + c.code() + "/../../archive/" + change + ".json");
        triggers.notifyQueue(c, othersTrigger);

        awaitHandled(c);
        assertThat(deadLetters(c))
                .extracting(DeadLetter::reason)
                .containsExactlyInAnyOrder(
                        "trigger key 'archive/" + change + ".json' rejected: the key is not under customers/",
                        "trigger key 'customers/" + c.code() + "/../../archive/" + change
                                + ".json' rejected: the key contains '..'",
                        "trigger key '" + othersTrigger + "' rejected: the key is for customer '" + other.code()
                                + "', this route serves '" + c.code() + "'");
        assertThat(triggers.requests("/process", change)).isEmpty();
        assertThat(triggers.exists(othersTrigger)).isTrue();
    }

    @Test
    void a_missing_archive_is_dead_lettered_and_the_trigger_quarantined() {
        Customer c = triggers.customer();
        String change = triggers.newChangeId();
        triggers.notifyQueue(c, triggers.writeTrigger(c, change));

        awaitHandled(c);
        assertQuarantined(c, change, "archive/" + change + ".json does not exist");
    }

    @Test
    void an_archive_that_is_not_json_is_dead_lettered_and_the_trigger_quarantined() {
        Customer c = triggers.customer();
        String change = triggers.newChangeId();
        triggers.writeArchive(change, "<change/>");
        triggers.notifyQueue(c, triggers.writeTrigger(c, change));

        awaitHandled(c);
        assertQuarantined(c, change, "archive/" + change + ".json is not JSON");
    }

    @Test
    void an_archive_over_the_size_limit_is_dead_lettered_and_the_trigger_quarantined() {
        Customer c = triggers.customer(Map.of("maxArchiveBytes", "100"));
        String change = triggers.newChangeId();
        triggers.writeArchive(change, "{\"changeId\":\"" + change + "\",\"notes\":\"" + "x".repeat(200) + "\"}");
        triggers.notifyQueue(c, triggers.writeTrigger(c, change));

        awaitHandled(c);
        assertQuarantined(c, change, "over the archive size limit of 100 bytes");
    }

    @Test
    void a_permanent_processing_failure_is_recorded_in_the_archive_dead_lettered_and_quarantined() {
        Customer c = triggers.customer();
        String change = triggers.newChangeId();
        triggers.target()
                .stubFor(post(urlPathEqualTo("/process"))
                        .withHeader("Caravan-Change-Id", equalTo(change))
                        .willReturn(aResponse().withStatus(422).withBody("unknown recipients")));
        triggers.change(change, c);

        awaitHandled(c);
        assertQuarantined(c, change, "HTTP 422");
        assertThat(entries(change, "failed", c.code())).singleElement().satisfies(m -> assertThat(m)
                .containsEntry("outcome", "PERMANENT"));
        assertThat(triggers.requests("/process", change)).hasSize(1);
    }

    /** Guards against a quarantined trigger that a replay cannot bring back once the cause is fixed. */
    @Test
    void a_replay_re_drives_a_quarantined_trigger_once_its_archive_exists() {
        Customer c = triggers.customer();
        String change = triggers.newChangeId();
        triggers.notifyQueue(c, triggers.writeTrigger(c, change));
        awaitHandled(c);
        assertQuarantined(c, change, "does not exist");
        DeadLetter letter = deadLetters(c).get(0);

        triggers.writeArchive(change, "{\"changeId\":\"" + change + "\",\"modifications\":[]}");
        ReplayRequests requests = new ReplayRequests(triggers.app().store(), Clock.systemUTC());
        long request = requests.create(ReplayFilter.one(letter.id()), 10, "test");

        await().atMost(WAIT).until(() -> requests.find(request).orElseThrow().status() == ReplayRequest.Status.DONE);
        await().atMost(WAIT).until(() -> entries(change, "processed", c.code()).size() == 1);
        assertThat(triggers.requests("/process", change)).singleElement().satisfies(e -> assertThat(
                        e.getRequest().getHeader("Idempotency-Key"))
                .isEqualTo(change + ":" + c.code()));
        await().atMost(WAIT).until(() -> !triggers.exists(triggerKey(c, change)));
        assertThat(triggers.exists("failed/" + c.code() + "/" + change + ".json"))
                .isFalse();
        assertThat(triggers.app().deadLetters().find(letter.id()).orElseThrow().replayStatus())
                .isEqualTo(DeadLetter.REPLAYED);
    }

    void assertQuarantined(Customer c, String change, String reason) {
        assertThat(triggers.exists(triggerKey(c, change))).isFalse();
        assertThat(triggers.exists("failed/" + c.code() + "/" + change + ".json"))
                .isTrue();
        assertThat(deadLetters(c)).singleElement().satisfies(d -> {
            assertThat(d.reason()).contains(reason);
            assertThat(d.idempotencyKey()).isEqualTo(change + ":" + c.code());
        });
    }

    /** Guards against lost modification entries when several customers update one archive at the same time. */
    @Test
    void customers_racing_on_one_archive_lose_no_modification_entry() {
        List<Customer> customers = java.util.stream.IntStream.range(0, 6)
                .mapToObj(i -> triggers.customer(Map.of("concurrentConsumers", "2")))
                .toList();
        List<String> changes = List.of(triggers.newChangeId(), triggers.newChangeId(), triggers.newChangeId());
        changes.forEach(change -> triggers.change(change, customers.toArray(Customer[]::new)));

        for (Customer c : customers) {
            awaitHandled(c);
        }
        for (String change : changes) {
            assertThat(triggers.modifications(change))
                    .extracting(m -> m.get("customer"))
                    .containsExactlyInAnyOrderElementsOf(
                            customers.stream().map(Customer::code).toList());
        }
    }

    @Test
    void the_sweeper_re_drives_an_orphaned_trigger_whose_event_was_lost() {
        Customer c = triggers.customer(Map.of("orphanAge", "0s"));
        String change = triggers.newChangeId();
        triggers.writeArchive(change, "{\"changeId\":\"" + change + "\"}");
        triggers.writeTrigger(c, change); // S3's notification never arrives

        OrphanSweeper.Sweep sweep = triggers.sweeper(c).sweep();
        assertThat(sweep.orphaned()).isEqualTo(1);
        assertThat(sweep.redriven()).isEqualTo(1);
        await().atMost(WAIT).until(() -> !triggers.exists(triggerKey(c, change)));
        assertThat(entries(change, "processed", c.code())).hasSize(1);
        PrometheusScrape metrics = PrometheusScrape.of(triggers.app());
        assertThat(metrics.forRoute("caravan_trigger_redrives_total", c.routeId()))
                .hasValue(1.0);
        assertThat(metrics.forRoute("caravan_trigger_orphaned", c.routeId())).hasValue(1.0);
    }

    @Test
    void the_sweeper_gives_up_after_max_redrives_dead_letters_and_quarantines_the_trigger() {
        Customer c = triggers.customer(Map.of("orphanAge", "0s", "maxRedrives", "2"));
        String change = triggers.newChangeId();
        triggers.target()
                .stubFor(post(urlPathEqualTo("/process"))
                        .withHeader("Caravan-Change-Id", equalTo(change))
                        .willReturn(aResponse().withStatus(503)));
        triggers.writeArchive(change, "{\"changeId\":\"" + change + "\"}");
        triggers.writeTrigger(c, change);

        assertThat(triggers.sweeper(c).sweep().redriven()).isEqualTo(1);
        assertThat(triggers.sweeper(c).sweep().redriven()).isEqualTo(1);
        assertThat(triggers.sweeper(c).sweep().gaveUp()).isEqualTo(1);
        assertThat(triggers.exists("failed/" + c.code() + "/" + change + ".json"))
                .isTrue();
        assertThat(deadLetters(c)).singleElement().satisfies(d -> {
            assertThat(d.category()).isEqualTo("SYSTEM");
            assertThat(d.reason()).contains("2 re-drives");
        });
        await().atMost(WAIT).until(() -> triggers.messagesInQueue(c) == 0);
        assertThat(triggers.exists(triggerKey(c, change))).isFalse();
    }
}
