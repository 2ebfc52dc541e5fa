package io.caravan.testing;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.caravan.local.LocalAwsServers;
import io.caravan.trigger.OrphanSweeper;
import io.caravan.trigger.S3Notification;
import io.caravan.trigger.S3TransientTriggerFamily;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;

/**
 * A running caravan whose trigger routes read the shared in-JVM S3Proxy and ElasticMQ ({@link LocalAws}), for the
 * trigger tests of a class. S3 is reached through a WireMock proxy ({@link #s3Faults()}) that forwards every request
 * unless a test stubs a fault for a path of its own; the processing targets are another WireMock
 * ({@link #target()}: /process and /shared answer 200 unless a test says otherwise). Each test makes its own
 * customers (fresh codes, queues and routes), so tests share the app without seeing each other's triggers.
 */
public final class TriggerFixture implements AutoCloseable {
    private static final AtomicInteger NAMES = new AtomicInteger();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final LocalAwsServers aws = LocalAws.shared();
    private final WireMockServer s3Faults;
    private final WireMockServer target;
    private final Map<String, String> settings;
    private final String bucket;
    private final List<String> routes = new ArrayList<>();
    private CaravanApp app;

    /** A customer with its queue and its running trigger route. */
    public record Customer(String code, String routeId, String queueUrl) {}

    private TriggerFixture(Map<String, String> settings) {
        bucket = "caravan-test-" + NAMES.incrementAndGet() + "-" + System.nanoTime() % 100_000;
        aws.createBucket(bucket);
        s3Faults = new WireMockServer(wireMockConfig().dynamicPort().containerThreads(40));
        s3Faults.start();
        s3Faults.stubFor(any(anyUrl())
                .atPriority(10)
                .willReturn(aResponse().proxiedFrom(aws.s3Endpoint().toString())));
        target = new WireMockServer(wireMockConfig().dynamicPort().containerThreads(40));
        target.start();
        target.stubFor(post(urlPathEqualTo("/process"))
                .atPriority(10)
                .willReturn(aResponse().withStatus(200)));
        target.stubFor(post(urlPathEqualTo("/shared"))
                .atPriority(10)
                .willReturn(aResponse().withStatus(200)));
        this.settings = settings;
        settings.put("caravan.aws.s3.endpoint-override", s3Faults.baseUrl());
        settings.put("caravan.aws.sqs.endpoint-override", aws.sqsEndpoint().toString());
        settings.put("caravan.aws.region", LocalAwsServers.REGION.id());
        settings.put("caravan.ledger.lease", "5s");
        this.app = CaravanApp.start(settings);
    }

    /** Caravan on a new, empty store of {@code backend}. */
    public static TriggerFixture start(Databases.Backend backend) {
        return start(backend, Map.of());
    }

    /** As {@link #start(Databases.Backend)}, with more settings (e.g. caravan.kafka.brokers). */
    public static TriggerFixture start(Databases.Backend backend, Map<String, String> settings) {
        int n = NAMES.incrementAndGet();
        Map<String, String> s = backend == Databases.Backend.H2
                ? CaravanApp.settings("jdbc:h2:mem:trigger_store_" + n + ";DB_CLOSE_DELAY=-1", "sa", "")
                : CaravanApp.settings(Databases.postgresJdbcUrl(Databases.emptyPostgresDatabase()), "postgres", "");
        s.putAll(settings);
        return new TriggerFixture(s);
    }

    public CaravanApp app() {
        return app;
    }

    public LocalAwsServers aws() {
        return aws;
    }

    public String bucket() {
        return bucket;
    }

    /** The S3 proxy: stub a fault with a priority below 10 to make one path fail. */
    public WireMockServer s3Faults() {
        return s3Faults;
    }

    /** The processing targets, /process and /shared. */
    public WireMockServer target() {
        return target;
    }

    /** A fresh customer code (and queue), never used by another test. */
    public String newCode() {
        return "c" + NAMES.incrementAndGet();
    }

    /**
     * A customer with a queue (visibility 1 s, DLQ after 50 receives) and a running route; {@code params} override the
     * test defaults (target /process, no shared target, 1 s long polling, a sweeper that only runs when asked).
     */
    public Customer customer(String code, Map<String, String> params) {
        return customer(code, params, 50);
    }

    /** As {@link #customer(String, Map)}, with the queue's redrive policy moving a message after that many receives. */
    public Customer customer(String code, Map<String, String> params, int maxReceiveCount) {
        String queue = "q-" + code;
        String queueUrl = aws.createQueueWithDlq(queue, maxReceiveCount, 1);
        Map<String, String> p = new LinkedHashMap<>();
        p.put("customer", code);
        p.put("queue", queue);
        p.put("bucket", bucket);
        p.put("target", target.baseUrl() + "/process");
        p.put("visibilityTimeout", "1s");
        p.put("waitTime", "1s");
        p.put("sweepInterval", "1h");
        p.putAll(params);
        String routeId = "trigger-" + code;
        app.routeConfig().upsert(TriggerRows.row(routeId, p), "test");
        routes.add(routeId);
        await("route " + routeId + " started")
                .atMost(Duration.ofSeconds(20))
                .until(() -> app.reconciler().running().contains(routeId));
        return new Customer(code, routeId, queueUrl);
    }

    public Customer customer(Map<String, String> params) {
        return customer(newCode(), params);
    }

    public Customer customer() {
        return customer(Map.of());
    }

    public String newChangeId() {
        return "CHG-" + NAMES.incrementAndGet();
    }

    /** Writes archive/&lt;changeId&gt;.json. */
    public void writeArchive(String changeId, String json) {
        put("archive/" + changeId + ".json", json);
    }

    /** The frontend's write of a change: the archive, then a trigger per customer, each with its notification. */
    public void change(String changeId, Customer... customers) {
        writeArchive(changeId, "{\"changeId\":\"" + changeId + "\",\"title\":\"Patch window\",\"modifications\":[]}");
        for (Customer c : customers) {
            notifyQueue(c, writeTrigger(c, changeId));
        }
    }

    /** Writes customers/&lt;code&gt;/&lt;changeId&gt;.json without a notification (the notification is lost). */
    public String writeTrigger(Customer customer, String changeId) {
        String key = "customers/" + customer.code() + "/" + changeId + ".json";
        put(key, "{\"changeId\":\"" + changeId + "\"}");
        return key;
    }

    /** Sends the customer's queue the notification S3 sends for a PUT of {@code key}. */
    public void notifyQueue(Customer customer, String key) {
        send(
                customer,
                S3Notification.objectCreated(LocalAwsServers.REGION.id(), bucket, key, 20, "\"etag\"", Instant.now()));
    }

    /** Sends the customer's queue any message body. */
    public void send(Customer customer, String body) {
        aws.sqs().sendMessage(b -> b.queueUrl(customer.queueUrl()).messageBody(body));
    }

    public PutObjectResponse put(String key, String body) {
        return aws.s3()
                .putObject(
                        b -> b.bucket(bucket).key(key).contentType("application/json"), RequestBody.fromString(body));
    }

    public boolean exists(String key) {
        try {
            aws.s3().headObject(b -> b.bucket(bucket).key(key));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        }
    }

    /** The archive's modifications[], oldest first. */
    @SuppressWarnings("unchecked")
    public List<Map<String, Object>> modifications(String changeId) {
        try {
            Map<String, Object> doc = JSON.readValue(
                    aws.s3()
                            .getObjectAsBytes(b -> b.bucket(bucket).key("archive/" + changeId + ".json"))
                            .asByteArray(),
                    Map.class);
            return (List<Map<String, Object>>) doc.getOrDefault("modifications", List.of());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Messages in the customer's queue, visible or in flight (0: every message was acknowledged). */
    public int messagesInQueue(Customer customer) {
        return messagesIn(customer.queueUrl());
    }

    /** Messages in the customer's dead-letter queue ({@code <queue>-dlq}). */
    public int messagesInDlq(Customer customer) {
        return messagesIn(aws.sqs()
                .getQueueUrl(b -> b.queueName("q-" + customer.code() + "-dlq"))
                .queueUrl());
    }

    private int messagesIn(String queueUrl) {
        Map<String, String> a = aws.sqs()
                .getQueueAttributes(b -> b.queueUrl(queueUrl)
                        .attributeNamesWithStrings(
                                "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"))
                .attributesAsStrings();
        return Integer.parseInt(a.get("ApproximateNumberOfMessages"))
                + Integer.parseInt(a.get("ApproximateNumberOfMessagesNotVisible"));
    }

    /** Requests the processing target received at {@code path} for the change. */
    public List<ServeEvent> requests(String path, String changeId) {
        return target.getAllServeEvents().stream()
                .filter(e -> e.getRequest().getUrl().startsWith(path))
                .filter(e -> changeId.equals(e.getRequest().getHeader("Caravan-Change-Id")))
                .toList();
    }

    public OrphanSweeper sweeper(Customer customer) {
        return app.camel()
                .getRegistry()
                .lookupByNameAndType(S3TransientTriggerFamily.sweeperName(customer.routeId()), OrphanSweeper.class);
    }

    /** Disables every route this fixture started (after each test). */
    public void stopRoutes() {
        for (String id : routes) {
            app.routeConfig().setEnabled(id, false, "test");
        }
        await("trigger routes stopped").atMost(Duration.ofSeconds(30)).until(() -> routes.stream()
                .noneMatch(id -> app.reconciler().running().contains(id)));
        routes.clear();
        s3Faults.resetToDefaultMappings();
        s3Faults.stubFor(any(anyUrl())
                .atPriority(10)
                .willReturn(aResponse().proxiedFrom(aws.s3Endpoint().toString())));
        target.resetAll();
        target.stubFor(post(urlPathEqualTo("/process"))
                .atPriority(10)
                .willReturn(aResponse().withStatus(200)));
        target.stubFor(post(urlPathEqualTo("/shared"))
                .atPriority(10)
                .willReturn(aResponse().withStatus(200)));
    }

    @Override
    public void close() {
        app.close();
        s3Faults.stop();
        target.stop();
    }
}
