package io.caravan.inbound;

import static io.caravan.template.TemplateParameter.optional;
import static io.caravan.template.TemplateParameter.required;

import io.caravan.events.InboxSeal;
import io.caravan.store.IdempotencyLedger;
import io.caravan.template.InstanceSpec;
import io.caravan.template.ParamType;
import io.caravan.template.RouteFamily;
import io.caravan.template.RouteInstance;
import io.caravan.template.SecretRoots;
import io.caravan.template.TemplateParameter;
import io.caravan.template.Tier;
import io.caravan.webhook.WebhookSecret;
import io.caravan.webhook.WebhookVerifier;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The inbound-webhook family (T1 queued webhooks): one HTTP endpoint per source on the business port, verifying
 * Standard Webhooks signatures and writing each new event to a Kafka inbox before answering 2xx.
 */
public final class InboundWebhookFamily implements RouteFamily {
    public static final String TEMPLATE_ID = "inbound-webhook";

    /** This family's parameters, declared once; also the source of docs/route-config.md. */
    public static final List<TemplateParameter> PARAMETERS = List.of(
            required(
                    "source",
                    ParamType.IDENTIFIER,
                    "The sender's name: the endpoint is POST /webhooks/<source> on the business port (camel.server.port); "
                            + "it namespaces webhook-ids in the ledger and is the caravan-source header of inbox records."),
            required(
                    "secret",
                    ParamType.SECRET_REF,
                    "The sender's Standard Webhooks secret (whsec_...), as env:NAME or file:/path. The value may hold several "
                            + "secrets separated by spaces; a signature by any of them is accepted."),
            optional(
                    "previousSecret",
                    ParamType.SECRET_REF,
                    null,
                    "During a secret rotation: the secret being replaced, still accepted until this parameter is removed."),
            optional(
                    "tolerance",
                    ParamType.DURATION,
                    "5m",
                    "How far webhook-timestamp may be from now (either side); older or newer requests are refused (401)."),
            required(
                    "inboxTopic",
                    ParamType.IDENTIFIER,
                    "The Kafka topic accepted events are written to (record key = webhook-id), drained by a queue-drain row."),
            optional(
                    "maxBodySize",
                    ParamType.POSITIVE_INT,
                    "1048576",
                    "The largest body accepted, in bytes (at most 16777216); a larger one is refused (413) before it is "
                            + "read: at once when its Content-Length says so, else as soon as it passes the limit."),
            optional(
                    "sendTimeout",
                    ParamType.DURATION,
                    "10s",
                    "How long the write to the inbox may take before the sender is answered 503 (and retries)."));

    /** The largest maxBodySize a row may set. */
    static final int MAX_BODY_SIZE = 16 * 1024 * 1024;

    private final IdempotencyLedger ledger;
    private final Optional<InboxSeal> inboxSeal;
    private final MeterRegistry meters;
    private final Clock clock;
    private final SecretRoots secretRoots;

    /** {@code inboxSeal} is empty when caravan.inbox.secret is not configured: then no row of this family runs. */
    public InboundWebhookFamily(
            IdempotencyLedger ledger,
            Optional<InboxSeal> inboxSeal,
            MeterRegistry meters,
            Clock clock,
            SecretRoots secretRoots) {
        this.ledger = ledger;
        this.inboxSeal = inboxSeal;
        this.meters = meters;
        this.clock = clock;
        this.secretRoots = secretRoots;
    }

    @Override
    public Declaration declaration() {
        return new Declaration(TEMPLATE_ID, PARAMETERS, Tier.T1, false);
    }

    @Override
    public List<ParamProblem> crossFieldProblems(InstanceSpec spec) {
        List<ParamProblem> problems = new ArrayList<>();
        for (String name : List.of("secret", "previousSecret")) {
            spec.optionalParam(name).ifPresent(ref -> {
                try {
                    secrets(ref);
                } catch (IllegalArgumentException | IllegalStateException e) {
                    problems.add(new ParamProblem(name, e.getMessage()));
                }
            });
        }
        if (inboxSeal.isEmpty()) {
            problems.add(new ParamProblem(
                    "inboxTopic",
                    "inbox records cannot be sealed: set " + InboxSeal.SETTING + " or " + InboxSeal.SETTING + "-file"));
        }
        if (spec.intParam("maxBodySize") > MAX_BODY_SIZE) {
            problems.add(new ParamProblem("maxBodySize", "must be at most " + MAX_BODY_SIZE));
        }
        Duration timeout = spec.durationParam("sendTimeout");
        if (timeout.toMillis() < 100 || timeout.compareTo(Duration.ofMinutes(5)) > 0) {
            problems.add(new ParamProblem("sendTimeout", "must be between 100ms and 5m, was " + timeout));
        }
        return problems;
    }

    @Override
    public RouteInstance create(InstanceSpec spec) {
        String routeId = spec.routeId();
        List<WebhookSecret> secrets = new ArrayList<>(secrets(spec.param("secret")));
        spec.optionalParam("previousSecret").ifPresent(ref -> secrets.addAll(secrets(ref)));
        InboundWebhook inbound = new InboundWebhook(
                routeId,
                spec.param("source"),
                spec.param("inboxTopic"),
                new WebhookVerifier(secrets, spec.durationParam("tolerance"), clock),
                inboxSeal.orElseThrow(() -> new IllegalStateException(InboxSeal.SETTING + " is not configured")),
                ledger,
                spec.intParam("maxBodySize"),
                meters);

        long timeoutMs = spec.durationParam("sendTimeout").toMillis();
        Map<String, Object> parameters = Map.of(
                "routeId",
                routeId,
                "source",
                spec.param("source"),
                "inboxTopic",
                spec.param("inboxTopic"),
                "sendTimeoutMs",
                timeoutMs);
        return RouteInstance.of(parameters, Map.of(beanName(routeId), inbound), () -> meters.find(InboundWebhook.METRIC)
                .tag("route", routeId)
                .meters()
                .forEach(meters::remove));
    }

    /** The secrets a reference holds (one or several, separated by whitespace); messages never show a value. */
    List<WebhookSecret> secrets(String ref) {
        return secretRoots.read(ref, value -> Arrays.stream(value.strip().split("\\s+"))
                .map(WebhookSecret::parse)
                .toList());
    }

    static String beanName(String routeId) {
        return "caravan-inbound-" + routeId;
    }
}
