package io.caravan.execution;

import io.caravan.template.Schedule;
import java.time.Duration;
import java.util.Properties;
import org.apache.camel.CamelContext;
import org.apache.camel.component.kafka.KafkaComponent;
import org.apache.camel.component.kafka.KafkaConfiguration;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;

/** The Kafka consumer of a scheduled execution that drains a topic within its budget (queue drain, saga). */
public final class ScheduledConsumer {
    private ScheduledConsumer() {}

    /**
     * The cluster settings of Camel's kafka component (brokers, SASL/TLS), with the row's own: its group, manual
     * commits, at most {@code maxPollRecords} per poll, and a poll interval longer than the schedule's, so the consumer
     * keeps its partitions between executions.
     */
    public static Properties properties(
            CamelContext camel, String groupId, String clientId, int maxPollRecords, Schedule schedule) {
        KafkaConfiguration cluster =
                camel.getComponent("kafka", KafkaComponent.class).getConfiguration();
        Properties p = cluster.createConsumerProperties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.getBrokers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, String.valueOf(maxPollRecords));
        long interval = schedule instanceof Schedule.Every every
                ? every.interval().toMillis()
                : Duration.ofHours(1).toMillis();
        p.put(
                ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG,
                String.valueOf(Math.max(Duration.ofMinutes(5).toMillis(), 3 * interval)));
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        return p;
    }
}
