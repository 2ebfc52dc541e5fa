package io.caravan.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.caravan.testing.CaravanApp;
import io.caravan.testing.EmbeddedKafka;
import io.caravan.testing.Events;
import io.caravan.testing.SubscriptionRow;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several deliveries of one subscription in flight (maxInFlight), against a receiver that records the order events
 * arrive in and how many it holds at once: same-key events stay in order, different keys overlap, and the offset is
 * never committed past an unfinished event.
 */
class ConcurrentDeliveryTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger NAMES = new AtomicInteger();

    @TempDir
    static Path secrets;

    private static CaravanApp app;
    private static HttpServer server;
    private static final Receiver receiver = new Receiver();
    private final List<String> subscriptions = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 100);
        server.setExecutor(Executors.newFixedThreadPool(40));
        server.createContext("/", receiver::handle);
        server.start();
        Map<String, String> s = CaravanApp.settings("jdbc:h2:mem:concurrent_delivery;DB_CLOSE_DELAY=-1", "sa", "");
        s.put("camel.component.kafka.brokers", EmbeddedKafka.bootstrapServers());
        app = CaravanApp.start(s);
    }

    @AfterAll
    static void stop() {
        app.close();
        server.stop(0);
    }

    @BeforeEach
    void reset() {
        receiver.reset();
    }

    @AfterEach
    void stopSubscriptions() {
        receiver.failing.clear();
        receiver.delayMs = 0;
        for (String id : subscriptions) {
            app.routeConfig().setEnabled(id, false, "test");
        }
        await().atMost(Duration.ofSeconds(30))
                .until(() -> subscriptions.stream().noneMatch(app.reconciler().running()::contains));
    }

    /**
     * Guards against concurrency that reorders one key's events, and against a maxInFlight that is not one: each key's
     * events arrive in the order they were produced, several keys are in flight at once, never more than maxInFlight.
     */
    @Test
    void same_key_events_arrive_in_order_while_different_keys_are_in_flight_together() {
        Case c = newCase();
        receiver.delayMs = 30;
        int keys = 6;
        int perKey = 8;
        // key by key, so delivering in offset order one at a time would never overlap two keys
        for (int k = 0; k < keys; k++) {
            for (int i = 0; i < perKey; i++) {
                Events.send(c.topic, "key-" + k, Events.event(c.id(k, i), Map.of("seq", i)));
            }
        }
        start(SubscriptionRow.of(c.routeId, c.topic, c.url(), c.secret).param("maxInFlight", "4"));

        await().atMost(Duration.ofSeconds(60))
                .until(() -> receiver.received(c.n).size() >= keys * perKey);
        List<String> received = receiver.received(c.n);
        assertThat(received).hasSize(keys * perKey).doesNotHaveDuplicates();
        for (int k = 0; k < keys; k++) {
            int key = k;
            assertThat(received.stream().filter(id -> id.startsWith(c.keyPrefix(key))))
                    .as("key-%d in production order", k)
                    .containsExactly(java.util.stream.IntStream.range(0, perKey)
                            .mapToObj(i -> c.id(key, i))
                            .toArray(String[]::new));
        }
        assertThat(receiver.maxInFlight.get()).isBetween(2, 4);
        await().atMost(Duration.ofSeconds(10)).until(() -> committed(c) == keys * perKey);
    }

    /**
     * Guards against a failing event that holds back other keys, lets its own key's later events overtake it, or
     * has the offset committed past it: while it is retried, other keys' events are delivered, its key's next event
     * waits, and the committed offset stays at or below it; once it succeeds its key goes on in order.
     */
    @Test
    void a_failing_event_in_a_window_holds_its_key_and_the_offset_while_other_keys_are_delivered() {
        Case c = newCase();
        String stuck = c.id(0, 1);
        receiver.failing.add(stuck);
        for (int i = 0; i < 3; i++) {
            Events.send(c.topic, "key-0", Events.event(c.id(0, i), Map.of("seq", i)));
        }
        for (int i = 0; i < 5; i++) {
            Events.send(c.topic, "key-1", Events.event(c.id(1, i), Map.of("seq", i)));
        }
        start(SubscriptionRow.of(c.routeId, c.topic, c.url(), c.secret)
                .param("maxInFlight", "4")
                .retry(1000, 100, 100));

        await().atMost(Duration.ofSeconds(30))
                .until(() -> receiver.attempts(stuck) >= 3
                        && receiver.received(c.n)
                                .containsAll(List.of(
                                        c.id(0, 0), c.id(1, 0), c.id(1, 1), c.id(1, 2), c.id(1, 3), c.id(1, 4))));
        assertThat(receiver.received(c.n))
                .as("key-0's next event waits for the failing one")
                .doesNotContain(c.id(0, 2));
        assertThat(committed(c))
                .as("offset held at or below the failing event (offset 1)")
                .isLessThanOrEqualTo(1);

        receiver.failing.remove(stuck);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> receiver.received(c.n).contains(c.id(0, 2)));
        List<String> received = receiver.received(c.n);
        assertThat(received.stream().filter(id -> id.startsWith(c.keyPrefix(0))))
                .containsExactly(c.id(0, 0), stuck, c.id(0, 2));
        await().atMost(Duration.ofSeconds(10)).until(() -> committed(c) == 8);
        assertThat(received).doesNotHaveDuplicates();
    }

    private long committed(Case c) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, EmbeddedKafka.bootstrapServers());
        try (Admin admin = Admin.create(p)) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(
                            "caravan-webhook-" + c.routeId)
                    .partitionsToOffsetAndMetadata()
                    .get();
            OffsetAndMetadata o = offsets.get(new TopicPartition(c.topic, 0));
            return o == null ? 0 : o.offset();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void start(SubscriptionRow row) {
        app.routeConfig().upsert(row.row(), "test");
        subscriptions.add(row.routeId());
        await("subscription " + row.routeId() + " running")
                .atMost(Duration.ofSeconds(20))
                .until(() -> app.reconciler().running().contains(row.routeId()));
    }

    private Case newCase() {
        int n = NAMES.incrementAndGet();
        String topic = "concurrent-test-" + n;
        EmbeddedKafka.createTopic(topic, 1);
        return new Case(n, "conc-" + n, topic, Events.secretFile(secrets, "secret-" + n));
    }

    private record Case(int n, String routeId, String topic, String secret) {
        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/hooks/" + n;
        }

        String keyPrefix(int key) {
            return "evt-" + n + "-k" + key + "-";
        }

        String id(int key, int seq) {
            return keyPrefix(key) + seq;
        }
    }

    /** Answers 200 after delayMs (503 for the failing ids), recording delivered event ids in arrival order. */
    private static final class Receiver {
        final Set<String> failing = ConcurrentHashMap.newKeySet();
        final AtomicInteger maxInFlight = new AtomicInteger();
        volatile long delayMs;
        private final AtomicInteger inFlight = new AtomicInteger();
        private final List<String> delivered = new CopyOnWriteArrayList<>();
        private final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();

        void reset() {
            delivered.clear();
            attempts.clear();
            maxInFlight.set(0);
        }

        List<String> received(int n) {
            return delivered.stream()
                    .filter(id -> id.startsWith("evt-" + n + "-"))
                    .collect(Collectors.toList());
        }

        int attempts(String id) {
            AtomicInteger a = attempts.get(id);
            return a == null ? 0 : a.get();
        }

        void handle(com.sun.net.httpserver.HttpExchange http) throws java.io.IOException {
            int now = inFlight.incrementAndGet();
            maxInFlight.accumulateAndGet(now, Math::max);
            try {
                String id = JSON.readTree(http.getRequestBody()).get("event_id").asText();
                attempts.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
                if (delayMs > 0) {
                    Thread.sleep(delayMs);
                }
                int status = failing.contains(id) ? 503 : 200;
                if (status == 200) {
                    delivered.add(id);
                }
                http.sendResponseHeaders(status, -1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                http.sendResponseHeaders(500, -1);
            } finally {
                inFlight.decrementAndGet();
                http.close();
            }
        }
    }
}
