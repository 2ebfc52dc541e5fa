package io.caravan.delivery;

import static io.caravan.template.TemplateParameter.choice;
import static io.caravan.template.TemplateParameter.optional;
import static io.caravan.template.TemplateParameter.required;

import io.caravan.outbound.OutboundHttp;
import io.caravan.outbound.OutboundUrl;
import io.caravan.template.InstanceSpec;
import io.caravan.template.ParamType;
import io.caravan.template.Replayer;
import io.caravan.template.RouteFamily;
import io.caravan.template.RouteInstance;
import io.caravan.template.SecretRoots;
import io.caravan.template.TemplateParameter;
import io.caravan.template.Tier;
import io.caravan.webhook.WebhookSecret;
import io.caravan.webhook.WebhookSigner;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The webhook-delivery family: one route per subscription row, consuming a Kafka topic with the subscription's own
 * consumer group and POSTing each event (or batch) to the subscriber, signed the Standard Webhooks way, through
 * caravan's HTTP client. Each subscription has its own consumer thread and its own pool of at most maxInFlight
 * threads, which exist only while it delivers (see {@link DeliveryWindow}); the client's pool is limited per host, so
 * a slow or failing subscriber stalls only itself.
 */
public final class WebhookDeliveryFamily implements RouteFamily {
    public static final String TEMPLATE_ID = "webhook-delivery";
    /** Records of a delivery window (one poll) per event that may be in flight, when events are sent one by one. */
    static final int RECORDS_PER_LANE = 16;
    /** The smallest window when events are sent one by one; the offsets are committed once per window. */
    static final int RECORDS_PER_POLL = 100;
    /** How long a window that is not full waits for more records before it is sent. */
    static final int WINDOW_WAIT_MS = 20;
    /** An idle pool thread of a subscription ends after this long. */
    static final long POOL_KEEP_ALIVE_SECONDS = 30;

    /** This family's parameters, declared once; also the source of docs/route-config.md. */
    public static final List<TemplateParameter> PARAMETERS = List.of(
            required(
                    "topic",
                    ParamType.IDENTIFIER,
                    "The Kafka topic whose events are delivered (e.g. a watermark feed's targetTopic)."),
            optional(
                    "groupId",
                    ParamType.IDENTIFIER,
                    null,
                    "The Kafka consumer group; default caravan-webhook-<route_id>, so every subscription reads the topic on "
                            + "its own and commits its own offsets."),
            choice(
                    "startFrom",
                    List.of("earliest", "latest"),
                    "earliest",
                    "Where a new consumer group starts: earliest (every event still in the topic) or latest (only new "
                            + "events). Once the group has committed offsets it continues from them."),
            required(
                    "url",
                    ParamType.URL,
                    "The subscriber's endpoint (its query string sent as it is). Must be https unless its host is on "
                            + "caravan.egress.plain-http-hosts; must also pass caravan.egress.allowed-hosts."),
            required(
                    "secret",
                    ParamType.SECRET_REF,
                    "The subscription's Standard Webhooks signing secret (whsec_<base64>), as env:NAME or file:path."),
            optional(
                    "rotationSecret",
                    ParamType.SECRET_REF,
                    null,
                    "During a secret rotation, the second secret (the new one, or the one being retired): each POST then "
                            + "carries two v1 signatures, so the subscriber accepts either while it switches."),
            optional(
                    "timeout",
                    ParamType.DURATION,
                    "10s",
                    "Per POST: how long connecting and waiting for the answer may take; a timeout is TRANSIENT (retried)."),
            optional(
                    "batchSize",
                    ParamType.POSITIVE_INT,
                    "1",
                    "Events per POST: 1 sends each event as a JSON object; more sends up to that many events of one poll as a "
                            + "JSON array (webhook-id batch_<hash of the event ids>). The row's throttle_per_second limits POSTs."),
            optional(
                    "maxInFlight",
                    ParamType.POSITIVE_INT,
                    "16",
                    "POSTs of this subscription in flight at once (events with different keys; events with the same "
                            + "Kafka key are always sent one after the other, in order). The offset is committed only "
                            + "below the first unfinished event. 1 sends one event at a time. At most "
                            + "caravan.outbound.max-connections-per-host run at once per subscriber host."),
            optional(
                    "fields",
                    ParamType.TEXT,
                    null,
                    "Comma-separated fields of the event's data sent to the subscriber (default: all); the envelope "
                            + "(event_id, event_type, route, timestamp, source_timestamp) is always sent."),
            choice(
                    "debug",
                    List.of("true", "false"),
                    "false",
                    "true: record what would be sent (a log line with the headers and body, counter "
                            + "caravan_webhook_debug_total) and send nothing; offsets are committed as usual."));

    private final MeterRegistry meters;
    private final Clock clock;
    private final OutboundHttp outbound;
    private final SecretRoots secretRoots;

    public WebhookDeliveryFamily(MeterRegistry meters, Clock clock, OutboundHttp outbound, SecretRoots secretRoots) {
        this.meters = meters;
        this.clock = clock;
        this.outbound = outbound;
        this.secretRoots = secretRoots;
    }

    @Override
    public Declaration declaration() {
        return new Declaration(TEMPLATE_ID, PARAMETERS, Tier.T1, false);
    }

    @Override
    public List<ParamProblem> crossFieldProblems(InstanceSpec spec) {
        List<ParamProblem> problems = new ArrayList<>();
        for (String name : List.of("secret", "rotationSecret")) {
            spec.optionalParam(name)
                    .ifPresent(ref -> secretProblem(ref).ifPresent(p -> problems.add(new ParamProblem(name, p))));
        }
        return problems;
    }

    @Override
    public RouteInstance create(InstanceSpec spec) {
        String routeId = spec.routeId();
        List<WebhookSecret> secrets = new ArrayList<>();
        secrets.add(secret(spec.param("secret")));
        spec.optionalParam("rotationSecret").map(this::secret).ifPresent(secrets::add);
        Duration timeout = spec.durationParam("timeout");
        SubscriptionMetrics metrics = new SubscriptionMetrics(meters, routeId);
        Subscription subscription = new Subscription(
                routeId,
                OutboundUrl.parse(spec.param("url")),
                new WebhookSigner(secrets),
                outbound,
                timeout,
                spec.optionalParam("fields").map(FieldSelection::parse).orElse(FieldSelection.ALL),
                spec.throttlePerSecond().map(RateLimit::new).orElse(RateLimit.NONE),
                metrics,
                clock,
                spec.intParam("batchSize"));
        ThreadPoolExecutor pool = pool(routeId, spec.intParam("maxInFlight"));
        Map<String, Object> parameters = Map.of(
                "routeId", routeId,
                "source", consumerUri(spec),
                "debug", spec.param("debug"));
        return new RouteInstance() {
            @Override
            public Map<String, Object> templateParameters() {
                return parameters;
            }

            @Override
            public Map<String, Object> beans() {
                return Map.of(
                        beanName(routeId),
                        subscription,
                        "caravan-webhook-pool-" + routeId,
                        pool,
                        "caravan-webhook-lanes-" + routeId,
                        WindowOutcomes.ofLanes(routeId),
                        "caravan-webhook-events-" + routeId,
                        WindowOutcomes.ofEvents(routeId, metrics));
            }

            @Override
            public Optional<Replayer> replayer() {
                return Optional.of(subscription);
            }

            @Override
            public void close() {
                pool.shutdown();
                metrics.close();
            }
        };
    }

    /**
     * The subscription's consumer: its own group; a batch of records per exchange (a delivery window: the batch
     * size, or enough records for maxInFlight lanes, or what arrived within {@link #WINDOW_WAIT_MS}); offsets
     * committed only by the route after the window's outcomes (autoCommitEnable=false, allowManualCommit with the
     * synchronous commit factory). The poll interval allows every record of a window its full retry budget, one
     * after the other (they may all share one key).
     */
    static String consumerUri(InstanceSpec spec) {
        int batchSize = spec.intParam("batchSize");
        boolean batching = batchSize > 1;
        int perPoll =
                batching ? batchSize : Math.max(RECORDS_PER_POLL, RECORDS_PER_LANE * spec.intParam("maxInFlight"));
        Duration perAttempt =
                spec.durationParam("timeout").plus(spec.retryPolicy().maxDelay());
        long maxPollIntervalMs = Math.min(
                Integer.MAX_VALUE,
                Math.max(
                        Duration.ofMinutes(5).toMillis(),
                        perAttempt.toMillis() * spec.retryPolicy().maxAttempts() * (batching ? 1 : perPoll)));
        return "kafka:" + spec.param("topic")
                + "?groupId=" + spec.optionalParam("groupId").orElse("caravan-webhook-" + spec.routeId())
                + "&autoOffsetReset=" + spec.param("startFrom")
                + "&autoCommitEnable=false&allowManualCommit=true"
                + "&kafkaManualCommitFactory=#class:org.apache.camel.component.kafka.consumer.DefaultKafkaManualCommitFactory"
                + "&breakOnFirstError=true"
                + "&maxPollRecords=" + perPoll
                + "&maxPollIntervalMs=" + maxPollIntervalMs
                + "&pollTimeoutMs=500"
                + "&batching=true&batchingIntervalMs=" + WINDOW_WAIT_MS;
    }

    /**
     * The subscription's lanes' threads: at most maxInFlight, created when a window has lanes to run and ended after
     * {@link #POOL_KEEP_ALIVE_SECONDS} idle, so an idle subscription holds none.
     */
    static ThreadPoolExecutor pool(String routeId, int maxInFlight) {
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(
                maxInFlight, maxInFlight, POOL_KEEP_ALIVE_SECONDS, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "caravan-webhook-" + routeId + "-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    private Optional<String> secretProblem(String ref) {
        try {
            secret(ref);
            return Optional.empty();
        } catch (RuntimeException e) {
            return Optional.of(e.getMessage());
        }
    }

    private WebhookSecret secret(String ref) {
        return secretRoots.read(ref, WebhookSecret::parse);
    }

    static String beanName(String routeId) {
        return "caravan-webhook-" + routeId;
    }
}
