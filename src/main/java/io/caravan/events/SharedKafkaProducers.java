package io.caravan.events;

import io.caravan.execution.DeliveryPool;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.camel.CamelContext;
import org.apache.camel.component.kafka.DefaultKafkaClientFactory;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.metrics.KafkaMetric;

/**
 * One Kafka producer client per distinct producer configuration, shared by every camel-kafka endpoint that names this
 * factory ({@code kafkaClientFactory=#caravanKafkaProducers}: every endpoint {@link KafkaEvents#producerUri} builds,
 * for feeds and triggers, and the inbound template's). camel-kafka creates a client (with its own network
 * I/O thread, buffer and connections) for each producer it starts, that is one per route's {@code to}; routes that
 * publish with the same settings to different topics can use one client, since a Kafka producer sends to any topic.
 *
 * <p>Each endpoint's producer gets a lease on the shared client: camel-kafka closes what the factory gave it when
 * its route stops, which ends the lease; the client itself is closed when its last lease ends. A transactional
 * configuration is never shared (a transaction belongs to one client and one route). Consumers are not shared.
 */
public final class SharedKafkaProducers extends DefaultKafkaClientFactory {
    /** The registry name routes refer to. */
    public static final String BEAN = "caravanKafkaProducers";

    /**
     * The registry name of the pool on which every asynchronous caravan Kafka producer continues its exchange after
     * the broker's ack ({@code workerPool=#caravanKafkaWorkers}). Without it camel-kafka gives each route's producer a
     * pool of its own (10 core threads that never time out, up to 20), so each Kafka-sink feed row held 10 threads.
     */
    public static final String WORKERS = "caravanKafkaWorkers";

    /**
     * Threads of {@link #WORKERS}: a continuation is the rest of a route after its Kafka write (the feed's outcome
     * step, the trigger's acknowledgement), short work that may block on the store; idle threads end.
     */
    static final int WORKER_THREADS = 32;

    /**
     * The shared continuation pool, owned by the Camel context (shut down with it, after the routes): at most
     * {@link #WORKER_THREADS} threads, none while nothing is sent, and a queue without a practical bound, so a
     * continuation is never refused (a refused one would leave its exchange unfinished).
     */
    public static ExecutorService workers(CamelContext camel) {
        return DeliveryPool.create(camel, camel, "caravan-kafka-worker", WORKER_THREADS, Integer.MAX_VALUE);
    }

    private final Map<Map<String, String>, Shared> clients = new HashMap<>();

    @Override
    @SuppressWarnings({"rawtypes", "unchecked"})
    public Producer getProducer(Properties props) {
        if (props.containsKey(ProducerConfig.TRANSACTIONAL_ID_CONFIG)) {
            return super.getProducer(props);
        }
        Map<String, String> key = new TreeMap<>();
        props.forEach((k, v) -> key.put(String.valueOf(k), String.valueOf(v)));
        synchronized (clients) {
            Shared shared = clients.computeIfAbsent(key, k -> new Shared(k, super.getProducer(props)));
            shared.leases++;
            return new Lease(shared);
        }
    }

    /** How many clients are open now (one per distinct configuration in use). */
    public int clients() {
        synchronized (clients) {
            return clients.size();
        }
    }

    private void release(Shared shared) {
        synchronized (clients) {
            if (--shared.leases > 0) {
                return;
            }
            clients.remove(shared.key);
        }
        shared.client.close();
    }

    private static final class Shared {
        final Map<String, String> key;
        final Producer<Object, Object> client;
        int leases;

        Shared(Map<String, String> key, Producer<Object, Object> client) {
            this.key = key;
            this.client = client;
        }
    }

    /** What one endpoint's producer holds: the shared client, which it may use but not close for the others. */
    private final class Lease implements Producer<Object, Object> {
        private final Shared shared;
        private final AtomicBoolean released = new AtomicBoolean();

        Lease(Shared shared) {
            this.shared = shared;
        }

        @Override
        public Future<RecordMetadata> send(ProducerRecord<Object, Object> record) {
            return shared.client.send(record);
        }

        @Override
        public Future<RecordMetadata> send(ProducerRecord<Object, Object> record, Callback callback) {
            return shared.client.send(record, callback);
        }

        @Override
        public void flush() {
            shared.client.flush();
        }

        @Override
        public List<PartitionInfo> partitionsFor(String topic) {
            return shared.client.partitionsFor(topic);
        }

        @Override
        public Map<MetricName, ? extends Metric> metrics() {
            return shared.client.metrics();
        }

        @Override
        public Uuid clientInstanceId(Duration timeout) {
            return shared.client.clientInstanceId(timeout);
        }

        @Override
        public void registerMetricForSubscription(KafkaMetric metric) {
            shared.client.registerMetricForSubscription(metric);
        }

        @Override
        public void unregisterMetricFromSubscription(KafkaMetric metric) {
            shared.client.unregisterMetricFromSubscription(metric);
        }

        @Override
        public void close() {
            if (released.compareAndSet(false, true)) {
                release(shared);
            }
        }

        @Override
        public void close(Duration timeout) {
            close();
        }

        @Override
        public void initTransactions() {
            throw notTransactional();
        }

        @Override
        public void beginTransaction() {
            throw notTransactional();
        }

        @Override
        public void sendOffsetsToTransaction(
                Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata groupMetadata) {
            throw notTransactional();
        }

        @Override
        public void commitTransaction() {
            throw notTransactional();
        }

        @Override
        public void abortTransaction() {
            throw notTransactional();
        }

        private UnsupportedOperationException notTransactional() {
            return new UnsupportedOperationException("a shared producer client runs no transactions");
        }
    }
}
