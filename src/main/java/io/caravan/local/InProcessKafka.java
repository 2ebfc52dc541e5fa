package io.caravan.local;

import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A real single-node Kafka (KRaft, broker and controller in one) inside this JVM, from Apache Kafka's own jars.
 * Local mode and the tests use it; a production build does not contain it.
 */
public final class InProcessKafka implements AutoCloseable {
    private final KafkaClusterTestKit cluster;

    private InProcessKafka(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
    }

    /** Formats a fresh log directory (deleted on close), starts the node and waits until the broker is ready. */
    public static InProcessKafka start() {
        try {
            // our own directory: the test kit's default one is deleted by a JVM shutdown hook of its own, which
            // races the broker's orderly stop (after Camel's routes) and fails it with missing checkpoint files
            Path logs = Files.createTempDirectory("caravan-kafka-");
            KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                            .setBaseDirectory(logs)
                            .setCombined(true)
                            .setNumBrokerNodes(1)
                            .setNumControllerNodes(1)
                            .build())
                    .setConfigProp("offsets.topic.replication.factor", "1")
                    .setConfigProp("offsets.topic.num.partitions", "3")
                    .setConfigProp("transaction.state.log.replication.factor", "1")
                    .setConfigProp("transaction.state.log.min.isr", "1")
                    .setConfigProp("group.initial.rebalance.delay.ms", "0")
                    .setConfigProp("num.partitions", "3")
                    .setConfigProp("auto.create.topics.enable", "true")
                    .setDeleteOnClose(true)
                    .build();
            cluster.format();
            bindToLoopback(cluster);
            cluster.startup();
            cluster.waitForReadyBrokers();
            return new InProcessKafka(cluster);
        } catch (Exception e) {
            throw new IllegalStateException("the in-process Kafka broker did not start", e);
        }
    }

    /**
     * The test kit pre-binds each listener's socket on the wildcard address (to know the ports before the node
     * starts), which would expose the local broker and controller on every interface. Closing those sockets before
     * startup makes the kit open each listener again on its configured host (localhost) and the same port. The kit
     * has no option for this; if a Kafka upgrade renames the field, local mode fails to start here instead of
     * silently listening on every interface.
     */
    @SuppressWarnings("unchecked")
    private static void bindToLoopback(KafkaClusterTestKit cluster) throws Exception {
        java.lang.reflect.Field managerField = KafkaClusterTestKit.class.getDeclaredField("socketFactoryManager");
        managerField.setAccessible(true);
        Object manager = managerField.get(cluster);
        java.lang.reflect.Field socketsField = manager.getClass().getDeclaredField("sockets");
        socketsField.setAccessible(true);
        synchronized (manager) {
            for (Map<String, ServerSocketChannel> byListener :
                    ((Map<Integer, Map<String, ServerSocketChannel>>) socketsField.get(manager)).values()) {
                for (ServerSocketChannel socket : byListener.values()) {
                    socket.close();
                }
            }
        }
    }

    /** host:port of the broker's client listener (PLAINTEXT on localhost). */
    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    /** Creates {@code topic} with {@code partitions} partitions; an existing topic is left as it is. */
    public void createTopic(String topic, int partitions) {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers()))) {
            admin.createTopics(java.util.List.of(new NewTopic(topic, partitions, (short) 1)))
                    .all()
                    .get();
        } catch (java.util.concurrent.ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("topic " + topic + " could not be created", e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        try {
            cluster.close();
        } catch (Exception e) {
            throw new IllegalStateException("the in-process Kafka broker did not stop cleanly", e);
        }
    }
}
