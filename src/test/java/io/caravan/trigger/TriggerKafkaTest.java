package io.caravan.trigger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.caravan.events.EventId;
import io.caravan.events.SharedKafkaProducers;
import io.caravan.store.LedgerStatus;
import io.caravan.testing.Databases;
import io.caravan.testing.EmbeddedKafka;
import io.caravan.testing.Events;
import io.caravan.testing.PrometheusScrape;
import io.caravan.testing.TriggerFixture;
import io.caravan.testing.TriggerFixture.Customer;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The transient-trigger route with sink kafka: each customer's processing step publishes the change to a topic of
 * the in-JVM broker; the ledger records it done, and the archive the record's place, only after the broker's ack.
 */
class TriggerKafkaTest {
    static final Duration WAIT = Duration.ofSeconds(30);
    static final ObjectMapper JSON = new ObjectMapper();
    static final AtomicInteger TOPICS = new AtomicInteger();
    static TriggerFixture triggers;

    @BeforeAll
    static void start() {
        triggers = TriggerFixture.start(
                Databases.Backend.H2, Map.of("caravan.kafka.brokers", EmbeddedKafka.bootstrapServers()));
    }

    @AfterEach
    void stopRoutes() {
        triggers.stopRoutes();
    }

    @AfterAll
    static void stop() {
        triggers.close();
    }

    static String newTopic() {
        String topic = "trigger-changes-" + TOPICS.incrementAndGet();
        EmbeddedKafka.createTopic(topic, 3);
        return topic;
    }

    static Map<String, String> kafka(String topic) {
        return Map.of("sink", "kafka", "targetTopic", topic);
    }

    static String header(ConsumerRecord<String, String> r, String name) {
        return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    static List<Map<String, Object>> processed(TriggerFixture fixture, String changeId, Customer c) {
        return fixture.modifications(changeId).stream()
                .filter(m -> "processed".equals(m.get("type")) && c.code().equals(m.get("customer")))
                .toList();
    }

    @Test
    void each_customer_of_a_change_publishes_one_record_keyed_by_the_change_and_the_archive_records_where()
            throws Exception {
        String topic = newTopic();
        Map<String, String> params = new java.util.HashMap<>(kafka(topic));
        params.put("sharedTarget", triggers.target().baseUrl() + "/shared");
        Customer a = triggers.customer(params);
        Customer b = triggers.customer(params);
        String change = triggers.newChangeId();
        triggers.change(change, a, b);

        await().atMost(WAIT)
                .until(() -> !triggers.exists(TriggerFlowTest.triggerKey(a, change))
                        && !triggers.exists(TriggerFlowTest.triggerKey(b, change)));
        List<ConsumerRecord<String, String>> records = Events.readAll(topic);
        assertThat(records).hasSize(2);
        assertThat(records).extracting(ConsumerRecord::key).containsOnly(change);
        assertThat(records)
                .extracting(r -> header(r, "Idempotency-Key"))
                .containsExactlyInAnyOrder(change + ":" + a.code(), change + ":" + b.code());
        for (ConsumerRecord<String, String> r : records) {
            JsonNode event = JSON.readTree(r.value());
            String customer = header(r, "Caravan-Customer");
            String routeId = "trigger-" + customer;
            assertThat(event.get("event_id").asText())
                    .isEqualTo(header(r, "event_id"))
                    .isEqualTo(EventId.of(routeId, change, customer));
            assertThat(event.get("event_type").asText()).isEqualTo("CHANGE_TRIGGERED");
            assertThat(event.get("route").asText()).isEqualTo(routeId);
            assertThat(event.get("source_timestamp").asText()).isNotBlank();
            assertThat(event.get("data").get("changeId").asText()).isEqualTo(change);
            assertThat(header(r, "Caravan-Change-Id")).isEqualTo(change);
        }
        for (Customer c : List.of(a, b)) {
            ConsumerRecord<String, String> own = records.stream()
                    .filter(r -> header(r, "Caravan-Customer").equals(c.code()))
                    .findFirst()
                    .orElseThrow();
            assertThat(processed(triggers, change, c)).singleElement().satisfies(m -> assertThat(m)
                    .containsEntry("outcome", "kafka " + topic + "-" + own.partition() + "@" + own.offset())
                    .containsEntry("idempotencyKey", change + ":" + c.code()));
        }
        // the shared side effect stays an HTTP call, made once per change
        assertThat(triggers.requests("/shared", change)).hasSize(1);
        assertThat(triggers.requests("/process", change)).isEmpty();
    }

    /** Guards against publishing a change twice when S3 or SQS delivers its event twice. */
    @Test
    void the_same_event_delivered_twice_publishes_one_record() {
        String topic = newTopic();
        Map<String, String> params = new java.util.HashMap<>(kafka(topic));
        params.put("concurrentConsumers", "2");
        Customer c = triggers.customer(params);
        String change = triggers.newChangeId();
        triggers.change(change, c);
        triggers.notifyQueue(c, TriggerFlowTest.triggerKey(c, change));

        await().atMost(WAIT).until(() -> !triggers.exists(TriggerFlowTest.triggerKey(c, change)));
        await().atMost(WAIT).until(() -> triggers.messagesInQueue(c) == 0);
        assertThat(Events.readAll(topic)).singleElement().satisfies(r -> assertThat(r.key())
                .isEqualTo(change));
        assertThat(processed(triggers, change, c)).hasSize(1);
    }

    /**
     * Guards against every Kafka trigger row building a producer client (its I/O thread and buffer) of its own, and
     * against one row's stop closing the client another row still publishes through.
     */
    @Test
    void kafka_trigger_rows_on_different_topics_share_one_producer_client_which_closes_with_the_last_row() {
        SharedKafkaProducers producers = triggers.app()
                .camel()
                .getRegistry()
                .lookupByNameAndType(SharedKafkaProducers.BEAN, SharedKafkaProducers.class);
        String topicA = newTopic();
        String topicB = newTopic();
        Customer a = triggers.customer(kafka(topicA));
        Customer b = triggers.customer(kafka(topicB));
        String first = triggers.newChangeId();
        triggers.change(first, a, b);

        assertThat(Events.read(topicA, 1)).singleElement().satisfies(r -> assertThat(header(r, "Caravan-Customer"))
                .isEqualTo(a.code()));
        assertThat(Events.read(topicB, 1)).singleElement().satisfies(r -> assertThat(header(r, "Caravan-Customer"))
                .isEqualTo(b.code()));
        assertThat(producers.clients()).as("one client for both rows").isEqualTo(1);

        triggers.app().routeConfig().setEnabled(a.routeId(), false, "test");
        await().atMost(WAIT).until(() -> !triggers.app().reconciler().running().contains(a.routeId()));
        String second = triggers.newChangeId();
        triggers.change(second, b);
        assertThat(Events.read(topicB, 2))
                .as("the other row's client stays open")
                .extracting(ConsumerRecord::key)
                .containsExactly(first, second);
        assertThat(producers.clients()).isEqualTo(1);

        triggers.stopRoutes();
        assertThat(producers.clients()).as("closed with its last row").isZero();
    }

    @Test
    void an_unreachable_broker_keeps_the_trigger_and_leaves_the_message_for_redelivery() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        try (TriggerFixture offline = TriggerFixture.start(
                Databases.Backend.H2, Map.of("caravan.kafka.brokers", "127.0.0.1:" + closedPort))) {
            Customer c = offline.customer(
                    Map.of("sink", "kafka", "targetTopic", "trigger-changes-offline", "publishTimeout", "500ms"));
            String change = offline.newChangeId();
            offline.change(change, c);

            // failed, came back after the visibility timeout, failed again
            await().atMost(WAIT).untilAsserted(() -> assertThat(PrometheusScrape.of(offline.app())
                            .value(
                                    "caravan_trigger_processing_seconds_count",
                                    Map.of("route", c.routeId(), "outcome", "redelivery")))
                    .hasValueSatisfying(v -> assertThat(v).isGreaterThanOrEqualTo(2.0)));
            assertThat(offline.exists(TriggerFlowTest.triggerKey(c, change))).isTrue();
            assertThat(offline.messagesInQueue(c)).isEqualTo(1);
            assertThat(processed(offline, change, c)).isEmpty();
            assertThat(offline.modifications(change)).isEmpty();
            assertThat(offline.app().ledger().find(change + ":" + c.code()).map(e -> e.status()))
                    .isNotEqualTo(java.util.Optional.of(LedgerStatus.DONE));
            assertThat(offline.app().deadLetters().findByRoute(c.routeId())).isEmpty();
            offline.stopRoutes();
        }
    }
}
