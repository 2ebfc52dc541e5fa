package io.caravan;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.caravan.store.RouteConfigStore;
import io.caravan.testing.CaravanProcesses;
import io.caravan.testing.Databases;
import io.caravan.testing.EmbeddedKafka;
import io.caravan.testing.Events;
import io.caravan.testing.SubscriptionRow;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Guards against losing an event when the process dies between the POSTs and the offset commit of a full delivery
 * window: caravan runs as a separate JVM (PostgreSQL store, the broker in this test JVM), is killed with SIGKILL while
 * the subscriber still holds the first event of each of three keys, and is started again: those events are sent
 * again with the same webhook-ids, every event arrives, and each key's events arrive in order.
 */
class WebhookCrashRecoveryIT {
    private static final int EVENTS = 6;
    private static final int KEYS = 3;

    @TempDir
    Path dir;

    private final CaravanProcesses processes = new CaravanProcesses();
    private WireMockServer subscriber;

    @AfterEach
    void tearDown() {
        processes.close();
        if (subscriber != null) {
            subscriber.stop();
        }
    }

    @Test
    void killed_between_the_post_and_the_offset_commit_resends_the_event_with_the_same_webhook_id() throws Exception {
        subscriber = new WireMockServer(wireMockConfig().dynamicPort());
        subscriber.start();
        // the first answer takes long enough for the process to be killed while it waits
        subscriber.stubFor(post(urlEqualTo("/hooks"))
                .willReturn(aResponse().withStatus(200).withFixedDelay(10_000)));
        String topic = "crash-events";
        EmbeddedKafka.createTopic(topic, 1);
        for (int i = 1; i <= EVENTS; i++) {
            Events.send(topic, "obj-" + (i - 1) % KEYS, Events.event("evt-crash-" + i, Map.of("id", i)));
        }

        String storeDb = Databases.emptyPostgresDatabase();
        DataSource store = Databases.pool(Databases.postgresJdbcUrl(storeDb), "postgres", "");
        io.caravan.store.Stores.migrate(store);
        new RouteConfigStore(store, Clock.systemUTC())
                .upsert(
                        SubscriptionRow.of(
                                        "crash-hooks",
                                        topic,
                                        subscriber.baseUrl() + "/hooks",
                                        Events.secretFile(dir, "secret"))
                                .param("timeout", "30s")
                                .row(),
                        "test");

        Map<String, String> env = CaravanProcesses.productionEnvironment(storeDb);
        env.put("CARAVAN_KAFKA_BROKERS", EmbeddedKafka.bootstrapServers());

        Process first = processes.start(env, "webhook-crash-run-1.log");
        await().atMost(Duration.ofSeconds(60)).until(() -> requests().size() >= KEYS);
        first.destroyForcibly().waitFor(); // SIGKILL while each key's first POST waits for its answer
        assertThat(requests())
                .as("one event per key in flight; each key's second event waits for its first")
                .extracting(r -> r.getHeader("webhook-id"))
                .containsExactlyInAnyOrder("evt-crash-1", "evt-crash-2", "evt-crash-3");

        subscriber.resetAll();
        subscriber.stubFor(post(urlEqualTo("/hooks")).willReturn(aResponse().withStatus(200)));
        processes.start(env, "webhook-crash-run-2.log");
        await().atMost(Duration.ofSeconds(60)).until(() -> requests().size() >= EVENTS);

        List<String> ids =
                requests().stream().map(r -> r.getHeader("webhook-id")).toList();
        assertThat(ids)
                .as("after the restart: the interrupted events again, same webhook-ids, then the rest; none twice")
                .containsExactlyInAnyOrder(
                        "evt-crash-1", "evt-crash-2", "evt-crash-3", "evt-crash-4", "evt-crash-5", "evt-crash-6");
        for (int k = 1; k <= KEYS; k++) {
            assertThat(ids.indexOf("evt-crash-" + k))
                    .as("obj-%d's events in order", k - 1)
                    .isLessThan(ids.indexOf("evt-crash-" + (k + KEYS)));
        }
    }

    private List<LoggedRequest> requests() {
        return subscriber.findAll(postRequestedFor(urlEqualTo("/hooks")));
    }
}
