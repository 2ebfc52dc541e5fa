package io.caravan.local;

import io.caravan.LocalStandIn;
import io.caravan.trigger.S3Notification;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import javax.sql.DataSource;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;

/**
 * Local mode's S3 and SQS: starts S3Proxy and ElasticMQ in the JVM, points caravan's AWS endpoints at them, creates
 * the demo bucket and one queue (with a DLQ) per demo customer, and plays the frontend: every few seconds it writes a
 * change to archive/, then a trigger per customer, and, because no local S3 emits event notifications, sends each
 * customer's queue the notification JSON S3 would have sent. The demo targets log what the trigger routes POST.
 */
public final class LocalTriggerDemo extends RouteBuilder {
    private static final Logger LOG = LoggerFactory.getLogger("caravan.demo");
    static final String BUCKET = "caravan-changes";
    static final List<String> CUSTOMERS = List.of("hts", "htsnonprod");

    private final LocalAwsServers aws;
    private final long periodMillis;
    private final AtomicLong changes = new AtomicLong();

    /** The stand-in registered in META-INF/services. */
    public static final class Installer implements LocalStandIn {
        @Override
        public void install(CamelContext camel, Function<String, Optional<DataSource>> sources) {
            var properties = camel.getPropertiesComponent();
            int s3Port = Integer.parseInt(
                    properties.resolveProperty("caravan.local.s3.port").orElse("9444"));
            int sqsPort = Integer.parseInt(
                    properties.resolveProperty("caravan.local.sqs.port").orElse("9324"));
            long period = Long.parseLong(properties
                    .resolveProperty("caravan.local.trigger-demo.period-ms")
                    .orElse("15000"));
            LocalAwsServers aws = LocalAwsServers.start(s3Port, sqsPort);
            properties.addOverrideProperty(
                    "caravan.aws.s3.endpoint-override", aws.s3Endpoint().toString());
            properties.addOverrideProperty(
                    "caravan.aws.sqs.endpoint-override", aws.sqsEndpoint().toString());
            properties.addOverrideProperty("caravan.aws.region", LocalAwsServers.REGION.id());
            aws.createBucket(BUCKET);
            for (String customer : CUSTOMERS) {
                aws.createQueueWithDlq(queue(customer), 5, 30);
            }
            LOG.info(
                    "local S3 (S3Proxy) at {} and SQS (ElasticMQ) at {}: bucket {}, queues {}",
                    aws.s3Endpoint(),
                    aws.sqsEndpoint(),
                    BUCKET,
                    CUSTOMERS.stream().map(LocalTriggerDemo::queue).toList());
            try {
                camel.addService(new ServiceSupport() {
                    @Override
                    protected void doStop() {
                        aws.close();
                    }
                });
                camel.addRoutes(new LocalTriggerDemo(aws, period));
            } catch (Exception e) {
                aws.close();
                throw new IllegalStateException("local trigger demo could not start", e);
            }
        }
    }

    private LocalTriggerDemo(LocalAwsServers aws, long periodMillis) {
        this.aws = aws;
        this.periodMillis = periodMillis;
    }

    static String queue(String customer) {
        return "caravan-trigger-" + customer;
    }

    @Override
    public void configure() {
        from("timer:demo-frontend?delay=5000&period=" + periodMillis)
                .routeId("demo-frontend-writer")
                .process(e -> writeChange());
        from("platform-http:/demo/changes/notify?httpMethodRestrict=POST")
                .routeId("demo-change-notify")
                .process(e -> answer(e, "notification sent"));
        from("platform-http:/demo/changes/meeting?httpMethodRestrict=POST")
                .routeId("demo-change-meeting")
                .process(e -> answer(e, "meeting scheduled"));
    }

    private void writeChange() {
        String changeId = "CHG-" + Instant.now().toEpochMilli() + "-" + changes.incrementAndGet();
        aws.s3()
                .putObject(
                        b -> b.bucket(BUCKET)
                                .key("archive/" + changeId + ".json")
                                .contentType("application/json"),
                        RequestBody.fromString(
                                "{\"changeId\":\"" + changeId
                                        + "\",\"title\":\"Patch window\",\"customers\":[\"hts\",\"htsnonprod\"],\"modifications\":[]}"));
        for (String customer : CUSTOMERS) {
            String key = "customers/" + customer + "/" + changeId + ".json";
            String body = "{\"changeId\":\"" + changeId + "\"}";
            PutObjectResponse put = aws.s3()
                    .putObject(
                            b -> b.bucket(BUCKET).key(key).contentType("application/json"),
                            RequestBody.fromString(body));
            String notification = S3Notification.objectCreated(
                    LocalAwsServers.REGION.id(), BUCKET, key, body.length(), put.eTag(), Instant.now());
            String url =
                    aws.sqs().getQueueUrl(b -> b.queueName(queue(customer))).queueUrl();
            aws.sqs().sendMessage(b -> b.queueUrl(url).messageBody(notification));
        }
        LOG.info("frontend wrote archive/{}.json and triggers for {}", changeId, CUSTOMERS);
    }

    private void answer(Exchange e, String what) {
        LOG.info(
                "{} for change {} customer {} (Idempotency-Key {})",
                what,
                e.getMessage().getHeader("Caravan-Change-Id"),
                e.getMessage().getHeader("Caravan-Customer"),
                e.getMessage().getHeader("Idempotency-Key"));
        e.getMessage().getHeaders().clear();
        e.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
        e.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
        e.getMessage().setBody("{\"status\":\"ok\"}");
    }
}
