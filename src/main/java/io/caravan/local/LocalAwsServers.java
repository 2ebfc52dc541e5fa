package io.caravan.local;

import java.net.URI;
import java.util.Map;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * S3 and SQS as real protocol servers inside the JVM: S3Proxy with its in-memory blob store (no authentication)
 * and ElasticMQ. Used by local mode and the tests; never part of the production build. Neither emits S3 event
 * notifications: whoever writes a trigger also sends the notification (see S3Notification#objectCreated).
 */
public final class LocalAwsServers implements AutoCloseable {
    public static final Region REGION = Region.EU_CENTRAL_1;

    private final S3Proxy s3Proxy;
    private final SQSRestServer sqsServer;
    private final URI s3Endpoint;
    private final URI sqsEndpoint;
    private final S3Client s3;
    private final SqsClient sqs;

    private LocalAwsServers(S3Proxy s3Proxy, SQSRestServer sqsServer, int s3Port, int sqsPort) {
        this.s3Proxy = s3Proxy;
        this.sqsServer = sqsServer;
        this.s3Endpoint = URI.create("http://127.0.0.1:" + s3Port);
        this.sqsEndpoint = URI.create("http://127.0.0.1:" + sqsPort);
        var credentials =
                StaticCredentialsProvider.create(AwsBasicCredentials.create("caravan-local", "caravan-local"));
        this.s3 = S3Client.builder()
                .region(REGION)
                .endpointOverride(s3Endpoint)
                .forcePathStyle(true)
                .credentialsProvider(credentials)
                .httpClient(ApacheHttpClient.builder().maxConnections(50).build())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .build();
        this.sqs = SqsClient.builder()
                .region(REGION)
                .endpointOverride(sqsEndpoint)
                .credentialsProvider(credentials)
                .httpClient(ApacheHttpClient.builder().maxConnections(50).build())
                .build();
    }

    /** Starts both servers on 127.0.0.1; a port of 0 picks a free one. */
    public static LocalAwsServers start(int s3Port, int sqsPort) {
        S3Proxy s3Proxy = S3Proxy.builder()
                .blobStore(new TransientNio2BlobStore())
                .endpoint(URI.create("http://127.0.0.1:" + s3Port))
                .awsAuthentication(AuthenticationType.NONE, null, null)
                .build();
        SQSRestServer sqsServer = null;
        try {
            s3Proxy.start();
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (!"STARTED".equals(s3Proxy.getState())) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("S3Proxy did not start: " + s3Proxy.getState());
                }
                Thread.sleep(10);
            }
            sqsServer = sqsPort == 0
                    ? SQSRestServerBuilder.withInterface("127.0.0.1")
                            .withDynamicPort()
                            .start()
                    : SQSRestServerBuilder.withInterface("127.0.0.1")
                            .withPort(sqsPort)
                            .start();
            int actualSqsPort = sqsServer.waitUntilStarted().localAddress().getPort();
            return new LocalAwsServers(s3Proxy, sqsServer, s3Proxy.getPort(), actualSqsPort);
        } catch (Exception e) {
            stopQuietly(s3Proxy, sqsServer);
            throw new IllegalStateException("local S3 and SQS servers did not start", e);
        }
    }

    public URI s3Endpoint() {
        return s3Endpoint;
    }

    public URI sqsEndpoint() {
        return sqsEndpoint;
    }

    /** A client of the local S3 server (for setting up and inspecting buckets). */
    public S3Client s3() {
        return s3;
    }

    /** A client of the local SQS server. */
    public SqsClient sqs() {
        return sqs;
    }

    public void createBucket(String bucket) {
        try {
            s3.createBucket(b -> b.bucket(bucket));
        } catch (BucketAlreadyOwnedByYouException e) {
            // already there
        } catch (software.amazon.awssdk.services.s3.model.S3Exception e) {
            if (e.statusCode() != 409) {
                throw e;
            }
        }
    }

    /**
     * Creates {@code queue} and {@code queue-dlq}, with a redrive policy moving a message to the DLQ after
     * {@code maxReceiveCount} receives, and returns the queue's URL.
     */
    public String createQueueWithDlq(String queue, int maxReceiveCount, int visibilityTimeoutSeconds) {
        String dlq = sqs.createQueue(b -> b.queueName(queue + "-dlq")).queueUrl();
        String dlqArn = sqs.getQueueAttributes(b -> b.queueUrl(dlq).attributeNamesWithStrings("QueueArn"))
                .attributesAsStrings()
                .get("QueueArn");
        return sqs.createQueue(b -> b.queueName(queue)
                        .attributesWithStrings(Map.of(
                                "VisibilityTimeout",
                                String.valueOf(visibilityTimeoutSeconds),
                                "RedrivePolicy",
                                "{\"maxReceiveCount\":\"" + maxReceiveCount + "\",\"deadLetterTargetArn\":\"" + dlqArn
                                        + "\"}")))
                .queueUrl();
    }

    @Override
    public void close() {
        s3.close();
        sqs.close();
        stopQuietly(s3Proxy, sqsServer);
    }

    private static void stopQuietly(S3Proxy s3Proxy, SQSRestServer sqsServer) {
        try {
            s3Proxy.stop();
        } catch (Exception ignored) {
            // stopping at shutdown
        }
        if (sqsServer != null) {
            sqsServer.stopAndWait();
        }
    }
}
