package io.caravan.local;

import io.caravan.LocalStandIn;
import io.caravan.webhook.WebhookHeaders;
import io.caravan.webhook.WebhookSecret;
import io.caravan.webhook.WebhookSigner;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import javax.sql.DataSource;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Local mode's stand-ins for queued webhooks: a shop that POSTs a signed Standard Webhooks event to caravan's
 * inbound endpoint every few seconds, and a warehouse target that logs what the queue drain delivers. The shop's
 * secret is a development secret generated once into ./data/secrets/demo-webhook-secret (the seed row's SECRET_REF).
 */
public final class LocalWebhookDemo extends RouteBuilder implements LocalStandIn {
    static final Path SECRET_FILE = Path.of("data", "secrets", "demo-webhook-secret");
    private static final Logger LOG = LoggerFactory.getLogger("caravan.demo");
    private static final String[] PRODUCTS = {"tent", "lantern", "stove", "kettle", "map"};

    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong received = new AtomicLong();
    private HttpClient http;
    private WebhookSigner signer;
    private URI endpoint;

    @Override
    public void install(CamelContext camel, Function<String, Optional<DataSource>> sources) {
        try {
            signer = new WebhookSigner(List.of(WebhookSecret.parse(developmentSecret())));
            String port = camel.getPropertiesComponent()
                    .resolveProperty("camel.server.port")
                    .orElse("8080");
            endpoint = URI.create("http://localhost:" + port + "/webhooks/demo-shop");
            http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            camel.addRoutes(this);
        } catch (Exception e) {
            throw new IllegalStateException("local webhook demo could not start", e);
        }
    }

    @Override
    public void configure() {
        from("timer:demo-shop?period=7000&delay=8000")
                .routeId("demo-shop-webhook-sender")
                .process(e -> sendOrder());
        from("platform-http:/demo/warehouse/orders?httpMethodRestrict=POST")
                .routeId("demo-warehouse-target")
                .process(this::receive);
    }

    /** Reads the development secret, generating it on first use (readable by this user only). */
    static synchronized String developmentSecret() throws IOException {
        if (!Files.exists(SECRET_FILE)) {
            try {
                Files.createDirectories(
                        SECRET_FILE.getParent(),
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (UnsupportedOperationException notPosix) {
                Files.createDirectories(SECRET_FILE.getParent());
            }
            byte[] key = new byte[32];
            new SecureRandom().nextBytes(key);
            try {
                // created owner-only before the key is written, so it is never readable by others
                Files.createFile(
                        SECRET_FILE,
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException notPosix) {
                Files.createFile(SECRET_FILE);
            }
            Files.writeString(SECRET_FILE, "whsec_" + Base64.getEncoder().encodeToString(key) + "\n");
            LOG.info("generated a development webhook secret in {}", SECRET_FILE);
        }
        return Files.readString(SECRET_FILE).strip();
    }

    private void sendOrder() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long n = sent.incrementAndGet();
        String id = "msg_" + UUID.randomUUID().toString().replace("-", "");
        String body = "{\"type\":\"order.placed\",\"timestamp\":\"" + Instant.now() + "\",\"data\":{\"order\":" + n
                + ",\"product\":\"" + PRODUCTS[r.nextInt(PRODUCTS.length)] + "\",\"quantity\":" + (1 + r.nextInt(4))
                + "}}";
        WebhookHeaders signed = signer.sign(id, Instant.now(), body);
        HttpRequest request = HttpRequest.newBuilder(endpoint)
                .timeout(Duration.ofSeconds(15))
                .header("Content-Type", "application/json")
                .header(WebhookHeaders.ID, signed.id())
                .header(WebhookHeaders.TIMESTAMP, signed.timestamp())
                .header(WebhookHeaders.SIGNATURE, signed.signature())
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            LOG.info("shop sent order #{} as webhook {}: HTTP {}", n, id, response.statusCode());
        } catch (IOException e) {
            LOG.warn("shop could not send order #{}: {}", n, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void receive(Exchange e) {
        long n = received.incrementAndGet();
        LOG.info(
                "warehouse received #{}: webhook-id {} Idempotency-Key {}: {}",
                n,
                e.getMessage().getHeader(WebhookHeaders.ID),
                e.getMessage().getHeader("Idempotency-Key"),
                e.getMessage().getBody(String.class));
        e.getMessage().getHeaders().clear();
        e.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
        e.getMessage().setBody("");
    }
}
