package io.caravan;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.caravan.local.LocalAwsServers;
import io.caravan.store.IdempotencyLedger;
import io.caravan.store.LedgerStatus;
import io.caravan.store.RouteConfigStore;
import io.caravan.store.Stores;
import io.caravan.testing.CaravanProcesses;
import io.caravan.testing.Databases;
import io.caravan.testing.LocalAws;
import io.caravan.testing.TriggerRows;
import io.caravan.trigger.S3Notification;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Guards against losing a change or processing it twice under different keys when the process dies mid-processing:
 * caravan runs as a separate JVM against PostgreSQL and the test JVM's S3Proxy and ElasticMQ, is killed with SIGKILL
 * while the processing target holds requests, and is started again.
 */
class TriggerCrashRecoveryIT {
    private static final int CHANGES = 8;
    private static final String CUSTOMER = "crash";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final CaravanProcesses processes = new CaravanProcesses();
    private WireMockServer target;

    @AfterEach
    void tearDown() {
        processes.close();
        if (target != null) {
            target.stop();
        }
    }

    @Test
    void killed_mid_processing_then_restarted_processes_every_change_once_per_key() throws Exception {
        target = new WireMockServer(wireMockConfig().dynamicPort().containerThreads(20));
        target.start();
        target.stubFor(post(urlEqualTo("/process"))
                .willReturn(aResponse().withStatus(200).withFixedDelay(1500)));

        LocalAwsServers aws = LocalAws.shared();
        String bucket = "caravan-crash-" + System.nanoTime() % 1_000_000;
        String queue = "q-crash-" + System.nanoTime() % 1_000_000;
        aws.createBucket(bucket);
        String queueUrl = aws.createQueueWithDlq(queue, 50, 2);

        String storeDb = Databases.emptyPostgresDatabase();
        DataSource store = Databases.pool(Databases.postgresJdbcUrl(storeDb), "postgres", "");
        Stores.migrate(store);
        Map<String, String> params = Map.of(
                "customer",
                CUSTOMER,
                "queue",
                queue,
                "bucket",
                bucket,
                "target",
                target.baseUrl() + "/process",
                "concurrentConsumers",
                "2",
                "visibilityTimeout",
                "2s",
                "waitTime",
                "1s",
                "sweepInterval",
                "1h");
        new RouteConfigStore(store, Clock.systemUTC()).upsert(TriggerRows.row("trigger-crash", params), "test");

        List<String> changes = new ArrayList<>();
        for (int i = 1; i <= CHANGES; i++) {
            String change = "CHG-CRASH-" + i;
            changes.add(change);
            aws.s3()
                    .putObject(
                            b -> b.bucket(bucket).key("archive/" + change + ".json"),
                            RequestBody.fromString("{\"changeId\":\"" + change + "\",\"modifications\":[]}"));
            String key = "customers/" + CUSTOMER + "/" + change + ".json";
            aws.s3().putObject(b -> b.bucket(bucket).key(key), RequestBody.fromString("{}"));
            aws.sqs().sendMessage(b -> b.queueUrl(queueUrl)
                    .messageBody(S3Notification.objectCreated(
                            LocalAwsServers.REGION.id(), bucket, key, 2, "\"e\"", Instant.now())));
        }

        Map<String, String> env = CaravanProcesses.productionEnvironment(storeDb);
        env.put("CARAVAN_LEDGER_LEASE", "3s");
        env.put("CARAVAN_AWS_REGION", LocalAwsServers.REGION.id());
        env.put("CARAVAN_AWS_S3_ENDPOINT_OVERRIDE", aws.s3Endpoint().toString());
        env.put("CARAVAN_AWS_SQS_ENDPOINT_OVERRIDE", aws.sqsEndpoint().toString());

        Process first = processes.start(env, "trigger-crash-run-1.log");
        await().atMost(Duration.ofSeconds(60))
                .until(() -> target.getAllServeEvents().size() >= 3);
        first.destroyForcibly().waitFor(); // SIGKILL while requests are held: no graceful stop
        int triggersLeft = triggers(aws, bucket).size();
        assertThat(triggersLeft).as("changes left when the process died").isPositive();

        processes.start(env, "trigger-crash-run-2.log");
        await().atMost(Duration.ofSeconds(90)).until(() -> triggers(aws, bucket).isEmpty());

        for (String change : changes) {
            Map<?, ?> archive = JSON.readValue(
                    aws.s3()
                            .getObjectAsBytes(b -> b.bucket(bucket).key("archive/" + change + ".json"))
                            .asByteArray(),
                    Map.class);
            assertThat((List<?>) archive.get("modifications"))
                    .as("modifications of %s", change)
                    .singleElement()
                    .satisfies(m -> {
                        assertThat(((Map<?, ?>) m).get("type")).isEqualTo("processed");
                        assertThat(((Map<?, ?>) m).get("customer")).isEqualTo(CUSTOMER);
                    });
        }
        Map<String, Set<String>> keysByChange = target.getAllServeEvents().stream()
                .collect(Collectors.groupingBy(
                        e -> e.getRequest().getHeader("Caravan-Change-Id"),
                        Collectors.mapping(
                                e -> e.getRequest().getHeader("Idempotency-Key"),
                                Collectors.toCollection(TreeSet::new))));
        assertThat(keysByChange).hasSize(CHANGES);
        keysByChange.forEach(
                (change, keys) -> assertThat(keys).as("keys of %s", change).containsExactly(change + ":" + CUSTOMER));
        List<ServeEvent> all = target.getAllServeEvents();
        // only changes in flight when the process died may be sent again, with the same key: at most 2 consumers x 10
        assertThat(all.size() - CHANGES).isBetween(0, 20);
        IdempotencyLedger ledger = new IdempotencyLedger(store, "test", Duration.ofSeconds(3), Clock.systemUTC());
        assertThat(ledger.countByStatus("trigger-crash", LedgerStatus.DONE)).isEqualTo(CHANGES);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> Integer.parseInt(aws.sqs()
                                .getQueueAttributes(b ->
                                        b.queueUrl(queueUrl).attributeNamesWithStrings("ApproximateNumberOfMessages"))
                                .attributesAsStrings()
                                .get("ApproximateNumberOfMessages"))
                        == 0);
    }

    private static List<String> triggers(LocalAwsServers aws, String bucket) {
        return aws.s3().listObjectsV2(b -> b.bucket(bucket).prefix("customers/")).contents().stream()
                .map(S3Object::key)
                .toList();
    }
}
