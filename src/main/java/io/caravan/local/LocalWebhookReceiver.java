package io.caravan.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.caravan.LocalStandIn;
import io.caravan.webhook.WebhookHeaders;
import io.caravan.webhook.WebhookRejection;
import io.caravan.webhook.WebhookSecret;
import io.caravan.webhook.WebhookVerifier;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import javax.sql.DataSource;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Local mode's webhook subscriber: POST /demo/webhooks/receiver on the business port verifies the Standard Webhooks
 * signature with the dev secret in ./data/secrets/demo-webhook-secret (generated on first start, never logged) and logs each
 * event it accepts. The seed row actual-hours-webhooks delivers to it.
 */
public final class LocalWebhookReceiver extends RouteBuilder implements LocalStandIn {
    /** The dev secret's file, relative to the working directory; the seed row refers to it as file:./data/secrets/... */
    static final Path SECRET_FILE = Path.of("data", "secrets", "demo-webhook-secret");

    private static final Logger LOG = LoggerFactory.getLogger("demo");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AtomicLong received = new AtomicLong();
    private WebhookVerifier verifier;

    @Override
    public void install(CamelContext camel, Function<String, Optional<DataSource>> sources) {
        try {
            verifier = new WebhookVerifier(
                    List.of(WebhookSecret.parse(devSecret())), Duration.ofMinutes(5), Clock.systemUTC());
            camel.addRoutes(this);
        } catch (Exception e) {
            throw new IllegalStateException("local webhook receiver could not start", e);
        }
    }

    @Override
    public void configure() {
        from("platform-http:/demo/webhooks/receiver?httpMethodRestrict=POST")
                .routeId("demo-webhook-receiver")
                .process(this::receive);
    }

    private void receive(Exchange e) throws Exception {
        String body = e.getMessage().getBody(String.class);
        WebhookHeaders headers = new WebhookHeaders(
                e.getMessage().getHeader(WebhookHeaders.ID, String.class),
                e.getMessage().getHeader(WebhookHeaders.TIMESTAMP, String.class),
                e.getMessage().getHeader(WebhookHeaders.SIGNATURE, String.class));
        e.getMessage().getHeaders().clear();
        try {
            verifier.verify(headers, body);
        } catch (WebhookRejection r) {
            LOG.warn("demo subscriber refused webhook {}: {}", headers.id(), r.getMessage());
            e.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, r.status());
            e.getMessage().setBody(r.getMessage());
            return;
        }
        JsonNode event = JSON.readTree(body);
        LOG.info(
                "demo subscriber received #{}: webhook-id {} (signature verified) {} {}",
                received.incrementAndGet(),
                headers.id(),
                event.path("event_type").asText(),
                event.path("data"));
        e.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 204);
        e.getMessage().setBody(null);
    }

    /** The dev secret: the same generated file the demo shop signs with (the seed rows share it). */
    private static String devSecret() throws Exception {
        return LocalWebhookDemo.developmentSecret();
    }
}
