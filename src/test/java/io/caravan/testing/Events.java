package io.caravan.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.BiFunction;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Writes seed-002 events to the test broker, and makes Standard Webhooks secrets in files for subscriptions. */
public final class Events {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static KafkaProducer<String, String> producer;

    private Events() {}

    /** An event {event_id, event_type, route, timestamp, source_timestamp, data} as a feed's Kafka sink writes it. */
    public static String event(String eventId, Map<String, Object> data) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("event_id", eventId);
        e.put("event_type", "ROW_CHANGED");
        e.put("route", "test-feed");
        e.put("timestamp", "2026-11-23T10:00:00Z");
        e.put("source_timestamp", "2026-11-23T09:59:59Z");
        e.put("data", data);
        try {
            return JSON.writeValueAsString(e);
        } catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** Sends and waits for the broker's acknowledgement. */
    public static synchronized void send(String topic, String key, String value) {
        if (producer == null) {
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, EmbeddedKafka.bootstrapServers());
            p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            producer = new KafkaProducer<>(p);
        }
        try {
            producer.send(new ProducerRecord<>(topic, key, value)).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads the topic from its beginning until {@code count} records arrived (or 30 s passed). */
    public static List<ConsumerRecord<String, String>> read(String topic, int count) {
        return readFromBeginning(topic, (consumer, partitions) -> records -> records.size() >= count);
    }

    /** Every record the topic holds now (reads up to the partitions' end offsets, or for 30 s). */
    public static List<ConsumerRecord<String, String>> readAll(String topic) {
        return readFromBeginning(topic, (consumer, partitions) -> {
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            return records -> partitions.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp));
        });
    }

    private static List<ConsumerRecord<String, String>> readFromBeginning(
            String topic,
            BiFunction<
                            KafkaConsumer<String, String>,
                            List<TopicPartition>,
                            Predicate<List<ConsumerRecord<String, String>>>>
                    enough) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, EmbeddedKafka.bootstrapServers());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(i -> new TopicPartition(topic, i.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Predicate<List<ConsumerRecord<String, String>>> done = enough.apply(consumer, partitions);
            long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!done.test(records) && System.nanoTime() < until) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    /** A new whsec_ secret written to a file in {@code dir}; returns the file: reference. */
    public static String secretFile(Path dir, String name) {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        Path file = dir.resolve(name);
        try {
            Files.writeString(file, "whsec_" + Base64.getEncoder().encodeToString(key));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return "file:" + file.toAbsolutePath();
    }

    /** The raw HMAC key of a whsec_ secret file, for a test's own signature check. */
    public static byte[] keyOf(String fileRef) {
        try {
            String text = Files.readString(Path.of(fileRef.substring("file:".length())))
                    .strip();
            return Base64.getDecoder().decode(text.substring("whsec_".length()));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
