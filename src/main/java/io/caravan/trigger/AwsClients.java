package io.caravan.trigger;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;

/**
 * The S3 and SQS clients of one trigger route, from configuration alone: the region, credentials from the default
 * chain or from assuming the customer's role, and, for local mode only, endpoint overrides pointing at in-process
 * servers (which accept any credentials, so none are looked up then).
 */
public final class AwsClients implements AutoCloseable {

    /** Where the clients connect and as whom. */
    public record Settings(
            String region,
            Optional<String> roleArn,
            Optional<URI> s3EndpointOverride,
            Optional<URI> sqsEndpointOverride,
            int maxConnections) {}

    private final SdkHttpClient http;
    private final AwsCredentialsProvider credentials;
    private final StsClient sts;
    private final S3Client s3;
    private final SqsClient sqs;

    public AwsClients(Settings settings, String sessionName) {
        Region region = Region.of(settings.region());
        http = ApacheHttpClient.builder()
                .maxConnections(settings.maxConnections())
                .connectionTimeout(Duration.ofSeconds(5))
                .socketTimeout(Duration.ofSeconds(30))
                .build();
        boolean local = settings.s3EndpointOverride().isPresent()
                || settings.sqsEndpointOverride().isPresent();
        AwsCredentialsProvider base = local
                ? StaticCredentialsProvider.create(AwsBasicCredentials.create("caravan-local", "caravan-local"))
                : DefaultCredentialsProvider.builder().build();
        if (settings.roleArn().isPresent()) {
            sts = StsClient.builder()
                    .region(region)
                    .httpClient(http)
                    .credentialsProvider(base)
                    .build();
            credentials = StsAssumeRoleCredentialsProvider.builder()
                    .stsClient(sts)
                    .refreshRequest(r -> r.roleArn(settings.roleArn().get())
                            .roleSessionName(sessionName(sessionName))
                            .durationSeconds(3600))
                    .build();
        } else {
            sts = null;
            credentials = base;
        }
        var s3Builder = S3Client.builder()
                .region(region)
                .httpClient(http)
                .credentialsProvider(credentials)
                // PutObject with If-Match needs no trailing checksum; local S3 servers do not all take one
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        settings.s3EndpointOverride()
                .ifPresent(uri -> s3Builder.endpointOverride(uri).forcePathStyle(true));
        s3 = s3Builder.build();
        var sqsBuilder = SqsClient.builder().region(region).httpClient(http).credentialsProvider(credentials);
        settings.sqsEndpointOverride().ifPresent(sqsBuilder::endpointOverride);
        sqs = sqsBuilder.build();
    }

    public S3Client s3() {
        return s3;
    }

    public SqsClient sqs() {
        return sqs;
    }

    private static String sessionName(String name) {
        String cleaned = ("caravan-" + name).replaceAll("[^\\w+=,.@-]", "-");
        return cleaned.length() > 64
                ? cleaned.substring(0, 56) + UUID.randomUUID().toString().substring(0, 8)
                : cleaned;
    }

    @Override
    public void close() {
        s3.close();
        sqs.close();
        if (credentials instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception ignored) {
                // closing a credentials refresher cannot fail in a way that matters at shutdown
            }
        }
        if (sts != null) {
            sts.close();
        }
        http.close();
    }
}
