package io.caravan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.caravan.store.IdempotencyLedger;
import io.caravan.store.LedgerStatus;
import io.caravan.store.RouteConfigStore;
import io.caravan.store.Stores;
import io.caravan.testing.CaravanApp;
import io.caravan.testing.CaravanProcesses;
import io.caravan.testing.Databases;
import io.caravan.testing.EmbeddedKafka;
import io.caravan.testing.Inbox;
import io.caravan.testing.TemplateRow;
import io.caravan.testing.WebhookSender;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Guards against an acknowledged inbound webhook being lost, or queued twice, when the process dies while concurrent
 * requests are being claimed, written and completed (the ledger writes of concurrent requests share transactions):
 * caravan runs as a separate JVM against PostgreSQL and the test JVM's Kafka, takes signed webhooks from 8 senders,
 * is killed with SIGKILL, and is started again; the senders retry what was not acknowledged.
 */
class InboundCrashRecoveryIT {
    private static final int SENDERS = 8;
    private static final String ROUTE = "shop-webhooks";
    private final CaravanProcesses processes = new CaravanProcesses();

    @AfterEach
    void tearDown() {
        processes.close();
    }

    @Test
    void killed_while_taking_webhooks_then_restarted_loses_no_acknowledged_webhook_and_queues_none_twice_after_a_202()
            throws Exception {
        String topic = "inbox-inbound-crash-" + System.nanoTime();
        EmbeddedKafka.createTopic(topic, 3);
        String secret = WebhookSender.newSecret();
        String storeDb = Databases.emptyPostgresDatabase();
        DataSource store = Databases.pool(Databases.postgresJdbcUrl(storeDb), "postgres", "");
        Stores.migrate(store);
        new RouteConfigStore(store, Clock.systemUTC())
                .upsert(
                        TemplateRow.inboundWebhook(ROUTE, "shop", WebhookSender.secretFile(secret), topic)
                                .row(),
                        "test");

        Map<String, String> env = CaravanProcesses.productionEnvironment(storeDb);
        env.put("CARAVAN_INBOX_SECRET", CaravanApp.INBOX_SECRET);
        // the killed process's claims come back by owner-timeout takeover, not by the lease
        env.put("CARAVAN_LEDGER_LEASE", "10m");
        env.put("CARAVAN_LEDGER_HEARTBEAT", "1s");
        env.put("CARAVAN_LEDGER_OWNER_TIMEOUT", "3s");
        env.put("CAMEL_COMPONENT_KAFKA_BROKERS", EmbeddedKafka.bootstrapServers());
        env.put("CAMEL_SERVER_ENABLED", "true");
        env.put("CAMEL_SERVER_HOST", "127.0.0.1");

        // webhook-id -> the last answer its sender got (-1: no answer, the connection failed)
        Map<String, Integer> answers = new ConcurrentHashMap<>();
        Map<String, String> bodies = new ConcurrentHashMap<>();
        int firstPort = CaravanApp.freePort();
        env.put("CAMEL_SERVER_PORT", String.valueOf(firstPort));
        Process first = processes.start(env, "inbound-crash-recovery-run-1.log");
        String firstUrl = "http://127.0.0.1:" + firstPort + "/webhooks/shop";
        awaitEndpoint(firstUrl, secret);

        AtomicBoolean sending = new AtomicBoolean(true);
        List<Thread> senders = new ArrayList<>();
        for (int s = 0; s < SENDERS; s++) {
            int sender = s;
            Thread t = new Thread(() -> {
                for (int i = 0; sending.get(); i++) {
                    String id = "msg_" + sender + "_" + i;
                    String body = "{\"order\":\"" + sender + "-" + i + "\"}";
                    bodies.put(id, body);
                    answers.put(id, -1);
                    answers.put(id, send(firstUrl, secret, id, body));
                }
            });
            t.start();
            senders.add(t);
        }
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(10))
                .until(() -> answers.values().stream().filter(a -> a == 202).count() >= 300);
        first.destroyForcibly().waitFor(); // SIGKILL while the senders are still sending
        sending.set(false);
        for (Thread t : senders) {
            t.join(30_000);
        }
        List<String> acknowledgedBeforeCrash = answers.entrySet().stream()
                .filter(e -> e.getValue() == 202)
                .map(Map.Entry::getKey)
                .toList();
        List<String> unanswered = answers.entrySet().stream()
                .filter(e -> e.getValue() != 202)
                .map(Map.Entry::getKey)
                .toList();
        assertThat(unanswered).as("requests the kill left unanswered").isNotEmpty();

        int secondPort = CaravanApp.freePort();
        env.put("CAMEL_SERVER_PORT", String.valueOf(secondPort));
        processes.start(env, "inbound-crash-recovery-run-2.log");
        String secondUrl = "http://127.0.0.1:" + secondPort + "/webhooks/shop";
        awaitEndpoint(secondUrl, secret);
        // the senders retry what was not acknowledged; a claim of the killed process answers 409 until taken over
        for (String id : unanswered) {
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        int answer = send(secondUrl, secret, id, bodies.get(id));
                        answers.put(id, answer);
                        return answer == 202 || answer == 200;
                    });
        }

        Map<String, Long> inbox = Inbox.records(EmbeddedKafka.bootstrapServers(), topic).stream()
                .collect(Collectors.groupingBy(r -> r.key(), Collectors.counting()));
        assertThat(inbox.keySet()).as("every webhook sent is in the inbox").containsAll(answers.keySet());
        assertThat(acknowledgedBeforeCrash)
                .as("answered 202 before the crash: in the inbox exactly once, a retry is not queued again")
                .allSatisfy(id -> assertThat(inbox.get(id)).as(id).isEqualTo(1L));
        Map<String, Long> twice = inbox.entrySet().stream()
                .filter(e -> e.getValue() > 1)
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        assertThat(twice.keySet())
                .as("only requests in flight at the kill may be queued twice (the drain's key dedups them)")
                .isSubsetOf(unanswered)
                .hasSizeLessThanOrEqualTo(SENDERS);
        IdempotencyLedger ledger = new IdempotencyLedger(store, "test", Duration.ofSeconds(3), Clock.systemUTC());
        assertThat(ledger.findByRoute(ROUTE).stream()
                        .filter(e -> e.key().startsWith("inbound:shop:msg_"))
                        .collect(Collectors.toMap(e -> e.key(), e -> e.status())))
                .as("every webhook-id done in the ledger")
                .hasSize(answers.size())
                .allSatisfy((key, status) -> assertThat(status).isEqualTo(LedgerStatus.DONE));
    }

    private static int send(String url, String secret, String id, String body) {
        try {
            return WebhookSender.post(url, WebhookSender.sign(secret, id, Instant.now(), body), body)
                    .statusCode();
        } catch (IllegalStateException e) {
            return -1; // the process is gone (or not up yet)
        }
    }

    /** Waits until the endpoint answers (a probe webhook of its own, queued like any other). */
    private static void awaitEndpoint(String url, String secret) {
        String id = "probe_" + System.nanoTime();
        Function<String, Integer> probe = u -> send(u, secret, id, "{\"probe\":true}");
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> probe.apply(url) == 202);
    }
}
