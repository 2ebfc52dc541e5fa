package io.caravan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.caravan.events.EventId;
import io.caravan.local.LocalAwsServers;
import io.caravan.store.DeadLetters;
import io.caravan.store.IdempotencyLedger;
import io.caravan.store.LedgerEntry;
import io.caravan.store.LedgerStatus;
import io.caravan.store.RouteConfigStore;
import io.caravan.store.Stores;
import io.caravan.testing.CaravanProcesses;
import io.caravan.testing.Databases;
import io.caravan.testing.EmbeddedKafka;
import io.caravan.testing.LocalAws;
import io.caravan.testing.TriggerRows;
import io.caravan.trigger.S3Notification;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Guards against losing a change, or publishing it again under a different key or event id, when the process dies
 * while the trigger routes publish to Kafka: caravan runs as a separate JVM against PostgreSQL and the test JVM's
 * Kafka, S3Proxy and ElasticMQ, is killed with SIGKILL once some but not all records are on the topic, and is started
 * again. While the first process runs, the store holds each ledger DONE write for a moment (a PostgreSQL trigger), so
 * the kill lands between the broker's ack and the ledger's DONE for the records in flight: those are published again
 * after the restart, with the same Idempotency-Key and event_id.
 */
class TriggerKafkaCrashRecoveryIT {
    private static final int CHANGES = 30;
    private static final List<String> CUSTOMERS = List.of("kafkacrasha", "kafkacrashb");
    private static final int RECORDS = CHANGES * CUSTOMERS.size();
    private static final ObjectMapper JSON = new ObjectMapper();
    private final CaravanProcesses processes = new CaravanProcesses();

    @AfterEach
    void tearDown() {
        processes.close();
    }

    @Test
    void killed_between_publish_and_ledger_then_restarted_publishes_every_change_under_one_key() throws Exception {
        LocalAwsServers aws = LocalAws.shared();
        long n = System.nanoTime() % 1_000_000;
        String bucket = "caravan-kafka-crash-" + n;
        String topic = "trigger-kafka-crash-" + n;
        aws.createBucket(bucket);
        EmbeddedKafka.createTopic(topic, 3);

        String storeDb = Databases.emptyPostgresDatabase();
        DataSource store = Databases.pool(Databases.postgresJdbcUrl(storeDb), "postgres", "");
        Stores.migrate(store);
        holdDoneWrites(store, true);
        Map<String, String> queueUrls = new HashMap<>();
        for (String customer : CUSTOMERS) {
            String queue = "q-" + customer + "-" + n;
            queueUrls.put(customer, aws.createQueueWithDlq(queue, 50, 2));
            Map<String, String> params = Map.of(
                    "customer",
                    customer,
                    "queue",
                    queue,
                    "bucket",
                    bucket,
                    "sink",
                    "kafka",
                    "targetTopic",
                    topic,
                    "concurrentConsumers",
                    "2",
                    "visibilityTimeout",
                    "2s",
                    "waitTime",
                    "1s",
                    "sweepInterval",
                    "1h");
            new RouteConfigStore(store, Clock.systemUTC()).upsert(TriggerRows.row(routeId(customer), params), "test");
        }

        List<String> changes = new ArrayList<>();
        for (int i = 1; i <= CHANGES; i++) {
            String change = "CHG-KCRASH-" + i;
            changes.add(change);
            aws.s3()
                    .putObject(
                            b -> b.bucket(bucket).key("archive/" + change + ".json"),
                            RequestBody.fromString("{\"changeId\":\"" + change + "\",\"modifications\":[]}"));
            for (String customer : CUSTOMERS) {
                String key = "customers/" + customer + "/" + change + ".json";
                aws.s3().putObject(b -> b.bucket(bucket).key(key), RequestBody.fromString("{}"));
                aws.sqs().sendMessage(b -> b.queueUrl(queueUrls.get(customer))
                        .messageBody(S3Notification.objectCreated(
                                LocalAwsServers.REGION.id(), bucket, key, 2, "\"e\"", Instant.now())));
            }
        }

        Map<String, String> env = CaravanProcesses.productionEnvironment(storeDb);
        env.put("CARAVAN_LEDGER_LEASE", "3s");
        // two store connections: claims wait behind held DONE writes, so publishing cannot run far ahead of them
        env.put("CARAVAN_DATASOURCE_POOL_SIZE", "2");
        env.put("CARAVAN_KAFKA_BROKERS", EmbeddedKafka.bootstrapServers());
        env.put("CAMEL_COMPONENT_KAFKA_BROKERS", EmbeddedKafka.bootstrapServers());
        env.put("CARAVAN_AWS_REGION", LocalAwsServers.REGION.id());
        env.put("CARAVAN_AWS_S3_ENDPOINT_OVERRIDE", aws.s3Endpoint().toString());
        env.put("CARAVAN_AWS_SQS_ENDPOINT_OVERRIDE", aws.sqsEndpoint().toString());

        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        int beforeCrash;
        Instant started = Instant.now();
        try (KafkaConsumer<String, String> consumer = consumer(topic)) {
            Process first = processes.start(env, "trigger-kafka-crash-run-1.log");
            long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            // some changes recorded and their triggers deleted, others on the topic but not yet DONE
            while ((records.size() < RECORDS / 4 || triggers(aws, bucket).size() > RECORDS - 3)
                    && System.nanoTime() < until) {
                consumer.poll(Duration.ofMillis(20)).forEach(records::add);
            }
            first.destroyForcibly().waitFor(); // SIGKILL mid-processing: no graceful stop
            assertThat(records.size()).as("records before the kill").isGreaterThanOrEqualTo(RECORDS / 4);
            Duration killedAfter = Duration.between(started, Instant.now());
            beforeCrash = drain(consumer, records);
            holdDoneWrites(store, false);
            int triggersLeft = triggers(aws, bucket).size();
            assertThat(beforeCrash)
                    .as("records on the topic when the process died")
                    .isLessThan(RECORDS);
            assertThat(triggersLeft).as("triggers left when the process died").isBetween(1, RECORDS - 3);

            processes.start(env, "trigger-kafka-crash-run-2.log");
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> triggers(aws, bucket).isEmpty());
            drain(consumer, records);
            System.out.printf(
                    "killed after %d ms with %d of %d records on the topic and %d triggers left; %d records in all, %d published again; done after %d ms%n",
                    killedAfter.toMillis(),
                    beforeCrash,
                    RECORDS,
                    triggersLeft,
                    records.size(),
                    records.size() - RECORDS,
                    Duration.between(started, Instant.now()).toMillis());
        }

        Map<String, List<ConsumerRecord<String, String>>> byKey =
                records.stream().collect(Collectors.groupingBy(r -> header(r, "Idempotency-Key")));
        Set<String> expectedKeys = new TreeSet<>();
        for (String change : changes) {
            for (String customer : CUSTOMERS) {
                expectedKeys.add(change + ":" + customer);
            }
        }
        // every change x customer published, and nothing under another key
        assertThat(new TreeSet<>(byKey.keySet())).isEqualTo(expectedKeys);
        for (Map.Entry<String, List<ConsumerRecord<String, String>>> copies : byKey.entrySet()) {
            String key = copies.getKey();
            String change = key.substring(0, key.indexOf(':'));
            String customer = key.substring(key.indexOf(':') + 1);
            String eventId = EventId.of(routeId(customer), change, customer);
            for (ConsumerRecord<String, String> r : copies.getValue()) {
                assertThat(r.key()).as("record key of %s", key).isEqualTo(change);
                assertThat(header(r, "Caravan-Change-Id")).isEqualTo(change);
                assertThat(header(r, "Caravan-Customer")).isEqualTo(customer);
                assertThat(header(r, "event_id"))
                        .as("event_id header of %s", key)
                        .isEqualTo(eventId);
                assertThat(JSON.readTree(r.value()).get("event_id").asText())
                        .as("event_id of %s", key)
                        .isEqualTo(eventId);
            }
        }
        // only records on the topic when the process died, and not yet DONE, are published again; the held DONE
        // writes make sure some were
        assertThat(records.size() - RECORDS).as("records published again").isBetween(1, beforeCrash);

        for (String change : changes) {
            List<Map<?, ?>> modifications = new ArrayList<>();
            for (Object m : (List<?>) JSON.readValue(
                            aws.s3()
                                    .getObjectAsBytes(b -> b.bucket(bucket).key("archive/" + change + ".json"))
                                    .asByteArray(),
                            Map.class)
                    .get("modifications")) {
                modifications.add((Map<?, ?>) m);
            }
            // one processed entry per customer, a re-publish included
            assertThat(modifications)
                    .as("modifications of %s", change)
                    .allSatisfy(m -> assertThat(m.get("type")).isEqualTo("processed"))
                    .extracting(m -> String.valueOf(m.get("customer")))
                    .containsExactlyInAnyOrderElementsOf(CUSTOMERS);
        }

        IdempotencyLedger ledger = new IdempotencyLedger(store, "test", Duration.ofSeconds(3), Clock.systemUTC());
        DeadLetters deadLetters = new DeadLetters(store, Clock.systemUTC());
        for (String customer : CUSTOMERS) {
            assertThat(ledger.findByRoute(routeId(customer)))
                    .as("ledger of %s", customer)
                    .hasSize(CHANGES)
                    .allSatisfy(e -> assertThat(e.status()).isEqualTo(LedgerStatus.DONE))
                    .extracting(LedgerEntry::key)
                    .containsExactlyInAnyOrderElementsOf(
                            changes.stream().map(c -> c + ":" + customer).toList());
            assertThat(deadLetters.findByRoute(routeId(customer))).isEmpty();
            await().atMost(Duration.ofSeconds(30)).until(() -> messagesIn(aws, queueUrls.get(customer)) == 0);
        }
    }

    /** Messages in the queue, visible or in flight. */
    private static int messagesIn(LocalAwsServers aws, String queueUrl) {
        return aws
                .sqs()
                .getQueueAttributes(b -> b.queueUrl(queueUrl)
                        .attributeNamesWithStrings(
                                "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"))
                .attributesAsStrings()
                .values()
                .stream()
                .mapToInt(Integer::parseInt)
                .sum();
    }

    private static String routeId(String customer) {
        return "trigger-" + customer;
    }

    /**
     * While on, each ledger UPDATE to DONE waits 300 ms in PostgreSQL before it is written: the window between the
     * broker's ack and the ledger's DONE that a crash can hit.
     */
    private static void holdDoneWrites(DataSource store, boolean on) throws Exception {
        try (Connection c = store.getConnection();
                Statement s = c.createStatement()) {
            if (on) {
                s.execute(
                        """
                        CREATE OR REPLACE FUNCTION hold_done_write() RETURNS trigger AS $$
                        BEGIN
                          IF NEW.status = 'DONE' THEN PERFORM pg_sleep(0.3); END IF;
                          RETURN NEW;
                        END $$ LANGUAGE plpgsql""");
                s.execute("CREATE TRIGGER hold_done_write BEFORE UPDATE ON idempotency_ledger"
                        + " FOR EACH ROW EXECUTE FUNCTION hold_done_write()");
            } else {
                s.execute("DROP TRIGGER hold_done_write ON idempotency_ledger");
            }
        }
    }

    private static KafkaConsumer<String, String> consumer(String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, EmbeddedKafka.bootstrapServers());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p);
        List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                .map(i -> new TopicPartition(topic, i.partition()))
                .toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return consumer;
    }

    /** Reads on up to the partitions' end offsets; returns how many records were read in all. */
    private static int drain(KafkaConsumer<String, String> consumer, List<ConsumerRecord<String, String>> records) {
        Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())
                && System.nanoTime() < until) {
            consumer.poll(Duration.ofMillis(100)).forEach(records::add);
        }
        return records.size();
    }

    private static String header(ConsumerRecord<String, String> r, String name) {
        return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    private static List<String> triggers(LocalAwsServers aws, String bucket) {
        return aws.s3().listObjectsV2(b -> b.bucket(bucket).prefix("customers/")).contents().stream()
                .map(S3Object::key)
                .toList();
    }
}
