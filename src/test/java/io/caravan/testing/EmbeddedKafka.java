package io.caravan.testing;

import io.caravan.local.InProcessKafka;

/**
 * One real Kafka broker (KRaft) per test JVM, started on first use and stopped when the JVM exits. Tests give
 * the app {@code camel.component.kafka.brokers = bootstrapServers()} and use topic names of their own.
 */
public final class EmbeddedKafka {
    private static InProcessKafka kafka;

    private EmbeddedKafka() {}

    public static synchronized String bootstrapServers() {
        return broker().bootstrapServers();
    }

    public static synchronized void createTopic(String topic, int partitions) {
        broker().createTopic(topic, partitions);
    }

    private static InProcessKafka broker() {
        if (kafka == null) {
            kafka = InProcessKafka.start();
            Runtime.getRuntime().addShutdownHook(new Thread(kafka::close, "embedded-kafka-stop"));
        }
        return kafka;
    }
}
