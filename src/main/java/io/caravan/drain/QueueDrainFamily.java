package io.caravan.drain;

import static io.caravan.template.TemplateParameter.optional;
import static io.caravan.template.TemplateParameter.required;

import io.caravan.events.InboxSeal;
import io.caravan.execution.DeliveryPool;
import io.caravan.execution.ExecutionOutcomes;
import io.caravan.execution.ScheduledConsumer;
import io.caravan.outbound.OutboundUrl;
import io.caravan.store.DeadLetters;
import io.caravan.store.ExecutionLog;
import io.caravan.store.IdempotencyLedger;
import io.caravan.template.InstanceSpec;
import io.caravan.template.ParamType;
import io.caravan.template.RouteFamily;
import io.caravan.template.RouteInstance;
import io.caravan.template.Schedule;
import io.caravan.template.TemplateParameter;
import io.caravan.template.Tier;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import org.apache.camel.CamelContext;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * The queue-drain family (T1/T2, seed 000's scheduled instant trigger): on the drain profile's interval, up to
 * max_cycles polls of up to max_returned_events events from a Kafka inbox, each through the ledger, the throttle
 * and an HTTP POST to the target; offsets are committed only for events whose outcome is recorded.
 */
public final class QueueDrainFamily implements RouteFamily {
    public static final String TEMPLATE_ID = "queue-drain";

    /** This family's parameters, declared once; also the source of docs/route-config.md. */
    public static final List<TemplateParameter> PARAMETERS = List.of(
            required(
                    "inboxTopic",
                    ParamType.IDENTIFIER,
                    "The Kafka topic drained: the inboxTopic of an inbound-webhook row. Only records that row's receiver "
                            + "sealed are delivered; any other record is dead-lettered (DATA_QUALITY) and skipped."),
            required(
                    "target",
                    ParamType.URL,
                    "The URL each event is POSTed to as it was received (its query string sent as it is), with Idempotency-Key "
                            + "(<route>:<source>:<webhook-id>) and webhook-id headers."),
            optional(
                    "groupId",
                    ParamType.IDENTIFIER,
                    null,
                    "The Kafka consumer group whose committed offsets mark what is drained; default caravan-drain-<route_id>."),
            optional(
                    "pollTimeout",
                    ParamType.DURATION,
                    "1s",
                    "How long one poll waits for events; an empty poll ends the execution."),
            optional(
                    "parallelDeliveries",
                    ParamType.POSITIVE_INT,
                    "1",
                    "Events of one poll delivered at the same time (1 = one after another). Each inbox event has its own "
                            + "key (its webhook-id); the offsets are still committed only after the whole poll's outcomes "
                            + "are recorded, up to the first event without one."));

    private final CamelContext camel;
    private final IdempotencyLedger ledger;
    private final DeadLetters deadLetters;
    private final ExecutionLog executionLog;
    private final Optional<InboxSeal> inboxSeal;
    private final MeterRegistry meters;
    private final Duration leaveGroupGap;

    /** {@code inboxSeal} is empty when caravan.inbox.secret is not configured: then no row of this family runs. */
    /** The registry name of the split's outcome aggregator that routes/queue-drain.yaml refers to. */
    public static final String OUTCOMES_BEAN = "caravanDrainOutcomes";

    public QueueDrainFamily(
            CamelContext camel,
            IdempotencyLedger ledger,
            DeadLetters deadLetters,
            ExecutionLog executionLog,
            Optional<InboxSeal> inboxSeal,
            MeterRegistry meters,
            Duration leaveGroupGap) {
        this.camel = camel;
        this.ledger = ledger;
        this.deadLetters = deadLetters;
        this.executionLog = executionLog;
        this.inboxSeal = inboxSeal;
        this.meters = meters;
        this.leaveGroupGap = leaveGroupGap;
    }

    @Override
    public Declaration declaration() {
        return new Declaration(TEMPLATE_ID, PARAMETERS, Tier.T1, true);
    }

    @Override
    public List<ParamProblem> crossFieldProblems(InstanceSpec spec) {
        List<ParamProblem> problems = new ArrayList<>();
        if (inboxSeal.isEmpty()) {
            problems.add(new ParamProblem(
                    "inboxTopic",
                    "inbox records cannot be authenticated: set " + InboxSeal.SETTING + " or " + InboxSeal.SETTING
                            + "-file"));
        }
        Duration poll = spec.durationParam("pollTimeout");
        if (poll.toMillis() < 10 || poll.compareTo(Duration.ofMinutes(1)) > 0) {
            problems.add(new ParamProblem("pollTimeout", "must be between 10ms and 1m, was " + poll));
        }
        return problems;
    }

    @Override
    public RouteInstance create(InstanceSpec spec) {
        // the split's aggregator, shared by this family's rows: bound with the first row, never by the entry point
        camel.getRegistry()
                .bind(
                        OUTCOMES_BEAN,
                        new ExecutionOutcomes(
                                QueueDrain.EXECUTION,
                                QueueDrain.EVENT,
                                QueueDrain.DELIVERED,
                                ExecutionOutcomes.SystemFailure.LEFT_PENDING));
        String routeId = spec.routeId();
        Schedule schedule = spec.schedule().orElseThrow();
        InboxSeal seal =
                inboxSeal.orElseThrow(() -> new IllegalStateException(InboxSeal.SETTING + " is not configured"));
        Properties consumer = consumerProperties(spec, schedule);
        QueueDrain drain = new QueueDrain(
                routeId,
                spec.param("inboxTopic"),
                OutboundUrl.parse(spec.param("target")),
                () -> new KafkaConsumer<>(consumer),
                spec.budget().orElseThrow(),
                spec.durationParam("pollTimeout"),
                JOIN_WAIT,
                schedule.nextGap().compareTo(leaveGroupGap) >= 0,
                seal,
                ledger,
                deadLetters,
                executionLog,
                new DrainMetrics(meters, routeId));
        ExecutorService pool =
                DeliveryPool.create(camel, this, "caravan-drain-" + routeId, spec.intParam("parallelDeliveries"));
        Map<String, Object> parameters = Map.of(
                "routeId", routeId,
                "schedule", schedule.quartzQuery(),
                "throttled", spec.throttlePerSecond().isPresent(),
                "throttle", spec.throttlePerSecond().orElse(1));
        return RouteInstance.of(parameters, Map.of(beanName(routeId), drain, poolName(routeId), pool), () -> {
                    drain.close();
                    camel.getExecutorServiceManager().shutdown(pool);
                })
                .withReplayer(new DrainReplayer(drain, camel));
    }

    private Properties consumerProperties(InstanceSpec spec, Schedule schedule) {
        return ScheduledConsumer.properties(
                camel,
                spec.optionalParam("groupId").orElse("caravan-drain-" + spec.routeId()),
                "caravan-drain-" + spec.routeId(),
                spec.budget().orElseThrow().maxReturnedEvents(),
                schedule);
    }

    /**
     * How long an execution's newly joined consumer waits for the group to give it partitions: the broker's
     * group.initial.rebalance.delay.ms (3 s by default) plus a rebalance of the other replicas' members.
     */
    static final Duration JOIN_WAIT = Duration.ofSeconds(15);

    /**
     * The setting naming how far apart executions must be to leave the consumer group between them (no heartbeat
     * thread while idle); at the default a join costs at most a tenth of the gap with the broker's default 3 s initial
     * rebalance delay.
     */
    public static final String LEAVE_GROUP_GAP = "caravan.drain.leave-group-gap";

    public static final String DEFAULT_LEAVE_GROUP_GAP = "30s";

    static String poolName(String routeId) {
        return "caravan-drain-pool-" + routeId;
    }

    static String beanName(String routeId) {
        return "caravan-drain-" + routeId;
    }
}
