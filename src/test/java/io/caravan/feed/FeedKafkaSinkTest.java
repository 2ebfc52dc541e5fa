package io.caravan.feed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.caravan.events.EventId;
import io.caravan.events.SharedKafkaProducers;
import io.caravan.store.DeadLetter;
import io.caravan.store.DrainProfile;
import io.caravan.store.LedgerStatus;
import io.caravan.store.ReplayFilter;
import io.caravan.store.ReplayRequest;
import io.caravan.store.ReplayRequests;
import io.caravan.testing.Databases;
import io.caravan.testing.EmbeddedKafka;
import io.caravan.testing.Events;
import io.caravan.testing.FeedFixture;
import io.caravan.testing.FeedRow;
import io.caravan.testing.SharedFeedApps;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.camel.component.kafka.KafkaComponent;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The watermark feed with its Kafka sink: rows become seed-002 events on a topic, with ids a replay keeps. */
class FeedKafkaSinkTest {
    @RegisterExtension
    static final SharedFeedApps APPS = new SharedFeedApps();

    private static final ObjectMapper JSON = new ObjectMapper();
    static final Instant T0 = Instant.now().minus(Duration.ofMinutes(10)).truncatedTo(ChronoUnit.SECONDS);

    @ParameterizedTest
    @EnumSource(Databases.Backend.class)
    void rows_become_keyed_events_and_a_replay_from_an_older_watermark_repeats_the_same_event_ids(
            Databases.Backend backend) throws Exception {
        FeedFixture feeds = onBroker(backend);
        FeedFixture.Source source = feeds.newSource();
        source.table().insert(1, 8, T0);
        String id = "kafka-sink-" + backend.name().toLowerCase();
        String topic = "feed-events-" + backend.name().toLowerCase();
        EmbeddedKafka.createTopic(topic, 2);
        feeds.app().profiles().upsert(new DrainProfile("TEST_5x4", Duration.ofSeconds(1), 5, 4, "test"));
        FeedRow row = FeedRow.jdbc(id, "TEST_5x4", source.name(), "http://localhost/unused")
                .param("sink", "kafka")
                .param("targetTopic", topic)
                .param("eventType", "HOURS_CHANGED");

        feeds.startFeed(row);
        List<ConsumerRecord<String, String>> first = Events.read(topic, 8);
        assertThat(first).hasSize(8);
        for (ConsumerRecord<String, String> r : first) {
            JsonNode event = JSON.readTree(r.value());
            assertThat(event.fieldNames())
                    .toIterable()
                    .containsExactly("event_id", "event_type", "route", "timestamp", "source_timestamp", "data");
            assertThat(event.get("event_type").asText()).isEqualTo("HOURS_CHANGED");
            assertThat(event.get("route").asText()).isEqualTo(id);
            assertThat(r.key())
                    .as("record key = object id")
                    .isEqualTo(event.get("data").get("id").asText());
            assertThat(new String(r.headers().lastHeader("event_id").value(), StandardCharsets.UTF_8))
                    .isEqualTo(event.get("event_id").asText());
        }
        feeds.awaitMoreExecutions(id, 1);
        assertThat(feeds.app().watermarks().find(id))
                .get()
                .extracting(w -> w.id())
                .isEqualTo("8");

        // replay: the feed starts again from before its first row (watermark and ledger entries gone)
        feeds.stopFeed(id);
        try (Connection c = feeds.app().store().getConnection();
                PreparedStatement w = c.prepareStatement("DELETE FROM watermark WHERE route_id = ?");
                PreparedStatement l = c.prepareStatement("DELETE FROM idempotency_ledger WHERE route_id = ?")) {
            w.setString(1, id);
            w.executeUpdate();
            l.setString(1, id);
            l.executeUpdate();
        }
        feeds.startFeed(row);
        List<ConsumerRecord<String, String>> all = Events.read(topic, 16);
        assertThat(all).hasSize(16);
        Map<String, List<String>> idsByObject = all.stream()
                .collect(Collectors.groupingBy(
                        ConsumerRecord::key, Collectors.mapping(FeedKafkaSinkTest::eventId, Collectors.toList())));
        assertThat(idsByObject).hasSize(8);
        idsByObject.forEach((object, ids) -> assertThat(ids)
                .as("event ids of object %s, first run and replay", object)
                .hasSize(2)
                .containsOnly(EventId.of(
                        id, object, T0.plusNanos(Long.parseLong(object) * 1000).toString())));
    }

    /** Guards against a replayed Kafka-sink dead letter published under another record key or event id. */
    @Test
    void a_replayed_dead_letter_is_published_again_with_its_record_key_and_event_id() throws Exception {
        FeedFixture feeds = onBroker(Databases.Backend.H2);
        String id = "kafka-sink-replay";
        String topic = "feed-events-replay";
        EmbeddedKafka.createTopic(topic, 1);
        feeds.app().profiles().upsert(new DrainProfile("TEST_5x4", Duration.ofSeconds(1), 5, 4, "test"));
        feeds.startFeed(FeedRow.jdbc(id, "TEST_5x4", feeds.newSource().name(), "http://localhost/unused")
                .param("sink", "kafka")
                .param("targetTopic", topic)
                .param("eventType", "HOURS_CHANGED"));
        // what the feed's failure handling records when the broker does not acknowledge an event
        String event = "{\"event_id\":\"evt-7\",\"event_type\":\"HOURS_CHANGED\",\"data\":{\"id\":\"7\"}}";
        long letter = feeds.app()
                .deadLetters()
                .record(DeadLetter.of(
                        id,
                        "c-7",
                        "HOURS:7:1",
                        "TRANSIENT",
                        null,
                        "broker did not acknowledge",
                        3,
                        event,
                        Map.of("kafka.KEY", "7", "event_id", "evt-7")));

        ReplayRequests requests = new ReplayRequests(feeds.app().store(), Clock.systemUTC());
        long replay = requests.create(ReplayFilter.one(letter), 10, "test");
        await().atMost(Duration.ofSeconds(20))
                .until(() -> requests.find(replay).orElseThrow().status() == ReplayRequest.Status.DONE);

        assertThat(Events.read(topic, 1)).singleElement().satisfies(r -> {
            assertThat(r.key()).isEqualTo("7");
            assertThat(r.value()).isEqualTo(event);
            assertThat(new String(r.headers().lastHeader("event_id").value(), StandardCharsets.UTF_8))
                    .isEqualTo("evt-7");
        });
        assertThat(feeds.app().deadLetters().find(letter).orElseThrow().replayStatus())
                .isEqualTo(DeadLetter.REPLAYED);
        assertThat(feeds.app().ledger().find("HOURS:7:1").orElseThrow().status())
                .isEqualTo(LedgerStatus.DONE);
        feeds.stopFeed(id);
    }

    /**
     * Guards against every Kafka-sink feed building a producer client (its I/O thread and buffer) and a continuation
     * pool (10 threads that never end) of its own, and against one feed's stop closing the client another feed still
     * publishes through.
     */
    @Test
    void
            kafka_sink_feeds_on_different_topics_share_one_producer_client_and_pool_and_the_client_closes_with_the_last_feed()
                    throws Exception {
        FeedFixture feeds = onBroker(Databases.Backend.H2);
        SharedKafkaProducers producers = feeds.app()
                .camel()
                .getRegistry()
                .lookupByNameAndType(SharedKafkaProducers.BEAN, SharedKafkaProducers.class);
        feeds.app().profiles().upsert(new DrainProfile("TEST_5x4", Duration.ofSeconds(1), 5, 4, "test"));
        FeedFixture.Source hours = feeds.newSource();
        FeedFixture.Source expenses = feeds.newSource();
        hours.table().insert(1, 3, T0);
        expenses.table().insert(1, 2, T0);
        EmbeddedKafka.createTopic("feed-shared-hours", 1);
        EmbeddedKafka.createTopic("feed-shared-expenses", 1);
        feeds.startFeed(FeedRow.jdbc("kafka-shared-hours", "TEST_5x4", hours.name(), "http://localhost/unused")
                .param("sink", "kafka")
                .param("targetTopic", "feed-shared-hours")
                .param("eventType", "HOURS_CHANGED"));
        feeds.startFeed(FeedRow.jdbc("kafka-shared-expenses", "TEST_5x4", expenses.name(), "http://localhost/unused")
                .param("sink", "kafka")
                .param("targetTopic", "feed-shared-expenses")
                .param("eventType", "EXPENSES_CHANGED"));

        assertThat(Events.read("feed-shared-hours", 3))
                .hasSize(3)
                .extracting(FeedKafkaSinkTest::route)
                .containsOnly("kafka-shared-hours");
        assertThat(Events.read("feed-shared-expenses", 2))
                .hasSize(2)
                .extracting(FeedKafkaSinkTest::route)
                .containsOnly("kafka-shared-expenses");
        assertThat(producers.clients()).as("one client for both feeds").isEqualTo(1);
        assertThat(Thread.getAllStackTraces().keySet())
                .extracting(Thread::getName)
                .as("no feed has a continuation pool of its own (camel-kafka's names its threads KafkaProducer[topic])")
                .noneMatch(name -> name.contains("KafkaProducer[feed-shared-"));

        feeds.stopFeed("kafka-shared-hours");
        expenses.table().insert(3, 4, T0.plusSeconds(60));
        assertThat(Events.read("feed-shared-expenses", 4))
                .as("the other feed's client stays open")
                .hasSize(4);
        assertThat(producers.clients()).isEqualTo(1);

        feeds.stopFeed("kafka-shared-expenses");
        assertThat(producers.clients()).as("closed with its last feed").isZero();
    }

    /** The class's app on {@code backend}, its kafka component pointed at the test broker. */
    private static FeedFixture onBroker(Databases.Backend backend) {
        FeedFixture feeds = APPS.on(backend);
        feeds.app()
                .camel()
                .getComponent("kafka", KafkaComponent.class)
                .getConfiguration()
                .setBrokers(EmbeddedKafka.bootstrapServers());
        return feeds;
    }

    private static String eventId(ConsumerRecord<String, String> r) {
        return field(r, "event_id");
    }

    private static String route(ConsumerRecord<String, String> r) {
        return field(r, "route");
    }

    private static String field(ConsumerRecord<String, String> r, String name) {
        try {
            return JSON.readTree(r.value()).get(name).asText();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
