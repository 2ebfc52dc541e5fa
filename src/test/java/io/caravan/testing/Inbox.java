package io.caravan.testing;

import io.caravan.events.InboxRecord;
import io.caravan.events.InboxSeal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** A Kafka inbox topic seen from outside caravan, with plain Kafka clients: what it holds, and writing to it. */
public final class Inbox {
    private Inbox() {}

    /** Every record of the topic, read from the beginning of each partition up to its end. */
    public static List<ConsumerRecord<String, String>> records(String bootstrapServers, String topic) {
        Map<String, Object> config = Map.of(
                "bootstrap.servers",
                bootstrapServers,
                "group.id",
                "inbox-reader-" + UUID.randomUUID(),
                "enable.auto.commit",
                "false",
                "key.deserializer",
                StringDeserializer.class.getName(),
                "value.deserializer",
                StringDeserializer.class.getName());
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            List<ConsumerRecord<String, String>> records = new ArrayList<>();
            Instant deadline = Instant.now().plusSeconds(10);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))
                    && Instant.now().isBefore(deadline)) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            return records;
        }
    }

    /** Records whose key is {@code key}. */
    public static List<ConsumerRecord<String, String>> recordsWithKey(
            String bootstrapServers, String topic, String key) {
        return records(bootstrapServers, topic).stream()
                .filter(r -> key.equals(r.key()))
                .toList();
    }

    public static String header(ConsumerRecord<String, String> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /**
     * Writes events as the inbound endpoint does (key and webhook-id = id, caravan-source = source, sealed with the
     * test apps' inbox key {@link CaravanApp#INBOX_SECRET}), acknowledged.
     */
    public static void write(String bootstrapServers, String topic, String source, Map<String, String> eventsById) {
        write(bootstrapServers, topic, source, eventsById, InboxSeal.parse(CaravanApp.INBOX_SECRET));
    }

    /**
     * Writes events the way someone with access to the topic could (kcat): the inbound endpoint's headers, sealed
     * with {@code seal}, or with no seal at all when it is null.
     */
    public static void write(
            String bootstrapServers, String topic, String source, Map<String, String> eventsById, InboxSeal seal) {
        Map<String, Object> config = Map.of(
                "bootstrap.servers",
                bootstrapServers,
                "acks",
                "all",
                "key.serializer",
                StringSerializer.class.getName(),
                "value.serializer",
                StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
            for (Map.Entry<String, String> e : eventsById.entrySet()) {
                ProducerRecord<String, String> record = new ProducerRecord<>(topic, e.getKey(), e.getValue());
                record.headers().add("webhook-id", e.getKey().getBytes(StandardCharsets.UTF_8));
                record.headers().add("caravan-source", source.getBytes(StandardCharsets.UTF_8));
                if (seal != null) {
                    String value =
                            seal.seal(new InboxRecord(topic, e.getKey(), e.getValue(), e.getKey(), null, source));
                    record.headers().add(InboxRecord.SEAL_HEADER, value.getBytes(StandardCharsets.UTF_8));
                }
                producer.send(record).get();
            }
        } catch (Exception e) {
            throw new IllegalStateException("writing to " + topic + " failed", e);
        }
    }
}
