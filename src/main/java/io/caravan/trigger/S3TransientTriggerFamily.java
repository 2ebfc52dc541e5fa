package io.caravan.trigger;

import static io.caravan.template.TemplateParameter.choice;
import static io.caravan.template.TemplateParameter.optional;
import static io.caravan.template.TemplateParameter.required;

import io.caravan.outbound.OutboundUrl;
import io.caravan.store.DeadLetters;
import io.caravan.store.IdempotencyLedger;
import io.caravan.store.TriggerRedrives;
import io.caravan.template.InstanceSpec;
import io.caravan.template.ParamType;
import io.caravan.template.Replayer;
import io.caravan.template.RouteFamily;
import io.caravan.template.RouteInstance;
import io.caravan.template.TemplateParameter;
import io.caravan.template.Tier;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.camel.CamelContext;

/**
 * The s3-transient-trigger family (seed 003): one route per customer queue. S3 event → trigger still there? → load
 * archive → process: HTTP POST or Kafka publish (ledger key &lt;changeId&gt;:&lt;customer&gt;) → append a modification to the archive → delete the
 * trigger → acknowledge. Each instance also runs the customer's orphan sweeper.
 */
public final class S3TransientTriggerFamily implements RouteFamily {
    public static final String TEMPLATE_ID = "s3-transient-trigger";
    /** A role to assume for one customer: arn:aws:iam::&lt;account&gt;:role/&lt;name&gt;. */
    static final Pattern ROLE_ARN = Pattern.compile("arn:aws[a-z-]*:iam::\\d{12}:role/[\\w+=,.@/-]{1,512}");

    static final Pattern QUARANTINE_PREFIX = Pattern.compile("[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*/");

    /** This family's parameters, declared once; also the source of docs/route-config.md. */
    public static final List<TemplateParameter> PARAMETERS = List.of(
            required(
                    "customer",
                    ParamType.IDENTIFIER,
                    "The customer code: this route processes customers/<customer>/<changeId>.json and rejects every other key."),
            required(
                    "queue",
                    ParamType.IDENTIFIER,
                    "The customer's SQS queue (name) receiving the S3 event notifications for customers/<customer>/. Give it a "
                            + "redrive policy to a DLQ: retryable failures leave messages there to come back."),
            required(
                    "bucket",
                    ParamType.IDENTIFIER,
                    "The S3 bucket holding archive/, customers/ and the quarantine prefix."),
            choice(
                    "sink",
                    List.of("http", "kafka"),
                    "http",
                    "The processing step: http (the archive document POSTed to target) or kafka (published to targetTopic "
                            + "as an event {event_id, event_type, route, timestamp, source_timestamp, data = the archive "
                            + "document}, key <changeId>, header Idempotency-Key <changeId>:<customer>; idempotent producer, "
                            + "acks=all). Either way the ledger records the change as done only after the target acknowledged."),
            optional(
                    "target",
                    ParamType.URL,
                    null,
                    "sink http: each change's archive document is POSTed here as JSON with Idempotency-Key "
                            + "<changeId>:<customer>."),
            optional(
                    "targetTopic",
                    ParamType.IDENTIFIER,
                    null,
                    "sink kafka: the topic each change is published to (brokers: caravan.kafka.brokers). Keyed by the change "
                            + "id, so one change's events stay in order; the archive records topic, partition and offset."),
            optional(
                    "eventType",
                    ParamType.IDENTIFIER,
                    "CHANGE_TRIGGERED",
                    "sink kafka: the event_type written into each event."),
            optional(
                    "publishTimeout",
                    ParamType.DURATION,
                    "30s",
                    "sink kafka: how long a publish may wait for the broker, for the topic's metadata and again for the "
                            + "acknowledgement; then it fails as retryable: the trigger is kept and the message comes back."),
            optional(
                    "sharedTarget",
                    ParamType.URL,
                    null,
                    "A side effect shared by every customer of a change (one meeting per change): POSTed once per change "
                            + "with Idempotency-Key <changeId>; the second customer finds it done. Always HTTP, whatever "
                            + "the sink. Unset: none."),
            optional(
                    "region",
                    ParamType.IDENTIFIER,
                    null,
                    "AWS region of the bucket and queue; unset: caravan.aws.region."),
            optional(
                    "roleArn",
                    ParamType.TEXT,
                    null,
                    "IAM role assumed for this customer (arn:aws:iam::<account>:role/<name>); unset: the default credentials chain."),
            optional(
                    "concurrentConsumers",
                    ParamType.POSITIVE_INT,
                    "1",
                    "Receives of the queue in flight at once, each processing its messages; they run on the poll threads all "
                            + "trigger rows share (caravan.trigger.poll-threads)."),
            optional(
                    "maxMessagesPerPoll",
                    ParamType.POSITIVE_INT,
                    "10",
                    "Messages fetched per receive (1-10, an SQS limit)."),
            optional(
                    "visibilityTimeout",
                    ParamType.DURATION,
                    "1m",
                    "How long a received message stays hidden; while a message is processed it is extended, after a retryable "
                            + "failure the message returns once it runs out. Whole seconds."),
            optional(
                    "waitTime",
                    ParamType.DURATION,
                    "1s",
                    "SQS long polling: how long one receive waits for a message (0-20 s). A waiting receive holds one of the "
                            + "shared poll threads, so a long wait makes the other rows' queues wait their turn longer. A "
                            + "graceful stop waits for the running receive."),
            optional(
                    "maxArchiveBytes",
                    ParamType.POSITIVE_INT,
                    "1048576",
                    "Largest archive document read or written; a larger one is a DATA_QUALITY failure (quarantined)."),
            optional(
                    "quarantinePrefix",
                    ParamType.TEXT,
                    "failed/",
                    "Where a trigger that failed for good is moved: <prefix><customer>/<changeId>.json."),
            optional(
                    "orphanAge",
                    ParamType.DURATION,
                    "10m",
                    "A trigger older than this is an orphan: the sweeper re-drives it by sending the event S3 would have sent."),
            optional(
                    "sweepInterval",
                    ParamType.DURATION,
                    "1m",
                    "How often the orphan sweeper lists customers/<customer>/."),
            optional(
                    "maxRedrives",
                    ParamType.POSITIVE_INT,
                    "3",
                    "Re-drives of one orphaned trigger before the sweeper dead-letters it and moves it to the quarantine prefix."));

    static final String MAX_RECORDS_SETTING = "caravan.trigger.max-records-per-message";

    /** The registry name of the scheduler on which every trigger row's SQS consumer polls and processes. */
    public static final String POLL_THREADS_BEAN = "caravanTriggerPollers";

    static final String POLL_THREADS_SETTING = "caravan.trigger.poll-threads";
    static final int DEFAULT_POLL_THREADS = 32;
    static final int DEFAULT_MAX_RECORDS_PER_MESSAGE = 100;

    /** Threads of the scheduler that extends the visibility of every trigger row's in-flight messages. */
    static final int VISIBILITY_THREADS = 2;

    /** Threads of the scheduler the orphan sweeps of all trigger rows share. */
    static final int SWEEP_THREADS = 2;

    private final CamelContext camel;
    private ScheduledExecutorService sweeps;
    private ScheduledExecutorService visibilityScheduler;
    private final IdempotencyLedger ledger;
    private final DeadLetters deadLetters;
    private final TriggerRedrives redrives;
    private final MeterRegistry meters;
    private final Clock clock;

    public S3TransientTriggerFamily(
            CamelContext camel,
            IdempotencyLedger ledger,
            DeadLetters deadLetters,
            TriggerRedrives redrives,
            MeterRegistry meters,
            Clock clock) {
        this.camel = camel;
        this.ledger = ledger;
        this.deadLetters = deadLetters;
        this.redrives = redrives;
        this.meters = meters;
        this.clock = clock;
        camel.getRegistry().bind(TriggerFailures.BEAN_NAME, new TriggerFailures());
        camel.getRegistry().bind(TriggerOutcomes.BEAN_NAME, new TriggerOutcomes());
        // threads start with the first trigger row's consumer; shut down with the Camel context
        camel.getRegistry()
                .bind(
                        POLL_THREADS_BEAN,
                        camel.getExecutorServiceManager()
                                .newScheduledThreadPool(this, "caravan-trigger-poll", pollThreads()));
    }

    @Override
    public Declaration declaration() {
        return new Declaration(TEMPLATE_ID, PARAMETERS, Tier.T2, false);
    }

    @Override
    public List<ParamProblem> crossFieldProblems(InstanceSpec spec) {
        List<ParamProblem> problems = new ArrayList<>();
        if (!TriggerKey.isValidCustomerCode(spec.param("customer"))) {
            problems.add(
                    new ParamProblem("customer", "must be 1-64 of [A-Za-z0-9_-] (it is part of every trigger key)"));
        }
        boolean kafka = isKafka(spec);
        if (!kafka && spec.optionalParam("target").isEmpty()) {
            problems.add(new ParamProblem("target", "is required when sink is http"));
        }
        if (kafka && spec.optionalParam("targetTopic").isEmpty()) {
            problems.add(new ParamProblem("targetTopic", "is required when sink is kafka"));
        }
        if (kafka && spec.durationParam("publishTimeout").toMillis() < 1) {
            problems.add(new ParamProblem("publishTimeout", "must be positive"));
        }
        if (spec.intParam("maxMessagesPerPoll") > 10) {
            problems.add(new ParamProblem("maxMessagesPerPoll", "SQS returns at most 10 messages per receive"));
        }
        Duration wait = spec.durationParam("waitTime");
        if (wait.compareTo(Duration.ofSeconds(20)) > 0) {
            problems.add(new ParamProblem("waitTime", "SQS long polling waits at most 20s"));
        }
        Duration visibility = spec.durationParam("visibilityTimeout");
        if (visibility.toSeconds() < 1 || visibility.compareTo(Duration.ofHours(12)) > 0) {
            problems.add(new ParamProblem("visibilityTimeout", "must be between 1s and 12h (SQS limits)"));
        }
        spec.optionalParam("roleArn")
                .filter(arn -> !ROLE_ARN.matcher(arn).matches())
                .ifPresent(arn -> problems.add(new ParamProblem(
                        "roleArn", "'" + arn + "' is not an IAM role ARN (arn:aws:iam::<12 digits>:role/<name>)")));
        String quarantine = spec.param("quarantinePrefix");
        if (!QUARANTINE_PREFIX.matcher(quarantine).matches()
                || quarantine.startsWith(TriggerKey.PREFIX)
                || quarantine.startsWith(TriggerKey.ARCHIVE_PREFIX)) {
            problems.add(new ParamProblem(
                    "quarantinePrefix",
                    "must be folders of [A-Za-z0-9_-] ending in '/', outside customers/ and archive/, e.g. failed/"));
        }
        if (spec.durationParam("sweepInterval").toMillis() < 1) {
            problems.add(new ParamProblem("sweepInterval", "must be positive"));
        }
        return problems;
    }

    @Override
    public RouteInstance create(InstanceSpec spec) {
        String routeId = spec.routeId();
        String region = spec.optionalParam("region").orElseGet(() -> property("caravan.aws.region", "eu-central-1"));
        int consumers = spec.intParam("concurrentConsumers");
        AwsClients clients = new AwsClients(
                new AwsClients.Settings(
                        region,
                        spec.optionalParam("roleArn"),
                        endpoint("caravan.aws.s3.endpoint-override"),
                        endpoint("caravan.aws.sqs.endpoint-override"),
                        Math.max(10, consumers * 4)),
                routeId);
        TriggerMetrics metrics = new TriggerMetrics(meters, routeId);
        TriggerBucket bucket = new TriggerBucket(clients.s3(), spec.param("bucket"));
        ProcessingTarget target = isKafka(spec)
                ? new KafkaTarget(
                        routeId,
                        spec.param("targetTopic"),
                        spec.param("eventType"),
                        spec.durationParam("publishTimeout"),
                        clock)
                : new HttpTarget(OutboundUrl.parse(spec.param("target")));
        ProcessingTarget sharedTarget = spec.optionalParam("sharedTarget")
                .map(url -> new HttpTarget(OutboundUrl.parse(url)))
                .orElse(null);
        TransientTrigger trigger = new TransientTrigger(
                new TransientTrigger.Settings(
                        routeId,
                        spec.param("customer"),
                        spec.param("queue"),
                        spec.param("quarantinePrefix"),
                        spec.intParam("maxArchiveBytes"),
                        spec.optionalParam("sharedTarget").isPresent(),
                        maxRecordsPerMessage()),
                target,
                sharedTarget,
                bucket,
                clients.sqs(),
                ledger,
                deadLetters,
                metrics,
                clock);
        OrphanSweeper sweeper = new OrphanSweeper(
                routeId,
                spec.param("customer"),
                region,
                spec.param("quarantinePrefix"),
                spec.durationParam("orphanAge"),
                spec.intParam("maxRedrives"),
                bucket,
                trigger,
                clients.sqs(),
                redrives,
                metrics,
                clock);
        VisibilityExtension visibility = new VisibilityExtension(
                routeId,
                clients.sqs(),
                trigger::queueUrl,
                spec.durationParam("visibilityTimeout"),
                visibilityScheduler(),
                clock);
        long sweepMillis = spec.durationParam("sweepInterval").toMillis();
        ScheduledFuture<?> sweeping =
                sweeps().scheduleWithFixedDelay(sweeper::sweep, sweepMillis, sweepMillis, TimeUnit.MILLISECONDS);

        Map<String, Object> parameters = new HashMap<>();
        parameters.put("routeId", routeId);
        parameters.put("queue", spec.param("queue"));
        parameters.put("concurrentConsumers", consumers);
        parameters.put("maxMessagesPerPoll", spec.intParam("maxMessagesPerPoll"));
        parameters.put(
                "visibilityTimeoutSeconds",
                Math.max(1, spec.durationParam("visibilityTimeout").toSeconds()));
        parameters.put("waitTimeSeconds", spec.durationParam("waitTime").toSeconds());
        parameters.put("targetEndpoint", target.endpointUri());
        Map<String, Object> beans = Map.of(
                beanName(routeId),
                trigger,
                sqsClientName(routeId),
                clients.sqs(),
                sweeperName(routeId),
                sweeper,
                visibilityName(routeId),
                visibility);
        Replayer replayer =
                new TriggerReplayer(trigger, bucket, spec.param("customer"), spec.param("quarantinePrefix"), region);
        return new RouteInstance() {
            @Override
            public Map<String, Object> templateParameters() {
                return parameters;
            }

            @Override
            public Map<String, Object> beans() {
                return beans;
            }

            @Override
            public Optional<Replayer> replayer() {
                return Optional.of(replayer);
            }

            @Override
            public void close() {
                sweeping.cancel(false);
                visibility.close();
                metrics.close();
                clients.close();
            }
        };
    }

    /**
     * The scheduler every trigger row's orphan sweeps share ({@link #SWEEP_THREADS} threads, shut down with the Camel
     * context), so a row costs no thread of its own for them; created with the first row.
     */
    private synchronized ScheduledExecutorService sweeps() {
        if (sweeps == null) {
            sweeps = camel.getExecutorServiceManager()
                    .newScheduledThreadPool(this, "caravan-trigger-sweeps", SWEEP_THREADS);
        }
        return sweeps;
    }

    /**
     * The scheduler every trigger row's {@link VisibilityExtension} shares ({@link #VISIBILITY_THREADS} threads, shut
     * down with the Camel context) instead of the one thread aws2-sqs starts per consumer; created with the first row.
     */
    private synchronized ScheduledExecutorService visibilityScheduler() {
        if (visibilityScheduler == null) {
            visibilityScheduler = camel.getExecutorServiceManager()
                    .newScheduledThreadPool(this, "caravan-trigger-visibility", VISIBILITY_THREADS);
        }
        return visibilityScheduler;
    }

    private static boolean isKafka(InstanceSpec spec) {
        return spec.param("sink").equals("kafka");
    }

    private Optional<URI> endpoint(String key) {
        return camel.getPropertiesComponent()
                .resolveProperty(key)
                .filter(s -> !s.isBlank())
                .map(URI::create);
    }

    private String property(String key, String defaultValue) {
        return camel.getPropertiesComponent()
                .resolveProperty(key)
                .filter(s -> !s.isBlank())
                .orElse(defaultValue);
    }

    /** caravan.trigger.max-records-per-message: more records in one SQS message make it one dead letter. */
    private int maxRecordsPerMessage() {
        return positiveSetting(MAX_RECORDS_SETTING, DEFAULT_MAX_RECORDS_PER_MESSAGE);
    }

    /**
     * caravan.trigger.poll-threads: the threads on which all trigger rows' receives (SQS long polls) and their
     * processing run, instead of one thread per consumer.
     */
    private int pollThreads() {
        return positiveSetting(POLL_THREADS_SETTING, DEFAULT_POLL_THREADS);
    }

    private int positiveSetting(String key, int defaultValue) {
        String value = property(key, String.valueOf(defaultValue));
        try {
            int n = Integer.parseInt(value.strip());
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalStateException(key + " must be a whole number of at least 1, not '" + value + "'");
    }

    public static String beanName(String routeId) {
        return "caravan-trigger-" + routeId;
    }

    static String sqsClientName(String routeId) {
        return "caravan-trigger-sqs-" + routeId;
    }

    /** The route's first step: keeps the message hidden while it is processed. */
    static String visibilityName(String routeId) {
        return "caravan-trigger-visibility-" + routeId;
    }

    /** The instance's orphan sweeper, bound so an operator or a test can run a sweep now. */
    public static String sweeperName(String routeId) {
        return "caravan-trigger-sweeper-" + routeId;
    }
}
