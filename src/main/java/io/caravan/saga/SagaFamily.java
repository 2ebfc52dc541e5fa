package io.caravan.saga;

import static io.caravan.template.TemplateParameter.optional;
import static io.caravan.template.TemplateParameter.required;

import io.caravan.execution.ExecutionOutcomes;
import io.caravan.execution.ScheduledConsumer;
import io.caravan.outbound.OutboundHttp;
import io.caravan.outbound.OutboundUrl;
import io.caravan.store.DeadLetters;
import io.caravan.store.ExecutionLog;
import io.caravan.store.RouteLocks;
import io.caravan.store.Sagas;
import io.caravan.template.InstanceSpec;
import io.caravan.template.ParamType;
import io.caravan.template.RouteFamily;
import io.caravan.template.RouteInstance;
import io.caravan.template.Schedule;
import io.caravan.template.TemplateParameter;
import io.caravan.template.Tier;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.camel.CamelContext;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * The saga family (T4, seed 000 workload 2): a scheduled drain of project events from a Kafka topic, each starting a
 * saga that runs the row's step plan (routes/sagas/&lt;plan&gt;.yaml) against the row's target, with orchestration
 * state per business key, a route lock per saga, step-level idempotency keys and resume-by-step.
 */
public final class SagaFamily implements RouteFamily {
    public static final String TEMPLATE_ID = "saga";
    /** The registry name of the split's outcome aggregator that routes/saga.yaml refers to. */
    public static final String OUTCOMES_BEAN = "caravanSagaOutcomes";
    /** How long a saga's route lock lasts unless renewed; a crashed holder's sagas resume after it. */
    public static final String LEASE = "caravan.saga.lease";

    public static final String DEFAULT_LEASE = "2m";

    public static final List<TemplateParameter> PARAMETERS = List.of(
            required(
                    "topic",
                    ParamType.IDENTIFIER,
                    "The Kafka topic of project events (JSON with the plan's business key field, e.g. wfProjectId); "
                            + "each event for a project without a saga starts one."),
            required(
                    "plan",
                    ParamType.IDENTIFIER,
                    "The step plan: routes/sagas/<plan>.yaml. It is frozen into each saga when it starts."),
            required(
                    "target",
                    ParamType.URL,
                    "The base URL of the system the steps call (SAP); each step POSTs to <target><path> with "
                            + "Idempotency-Key <keyPrefix>:<business key>:<step>."),
            optional(
                    "groupId",
                    ParamType.IDENTIFIER,
                    null,
                    "The Kafka consumer group of the project events; default caravan-saga-<route_id>."),
            optional(
                    "pollTimeout",
                    ParamType.DURATION,
                    "1s",
                    "How long one poll waits for project events; an empty poll ends the execution."));

    private final CamelContext camel;
    private final Sagas sagas;
    private final RouteLocks locks;
    private final DeadLetters deadLetters;
    private final ExecutionLog executionLog;
    private final MeterRegistry meters;
    private final Clock clock;
    private final String owner;
    private final Duration lease;
    private final Path sagasDir;
    private final Map<String, SagaDrain> running = new ConcurrentHashMap<>();

    public SagaFamily(
            CamelContext camel,
            Sagas sagas,
            RouteLocks locks,
            DeadLetters deadLetters,
            ExecutionLog executionLog,
            MeterRegistry meters,
            Clock clock,
            String owner,
            Duration lease,
            Path sagasDir) {
        this.camel = camel;
        this.sagas = sagas;
        this.locks = locks;
        this.deadLetters = deadLetters;
        this.executionLog = executionLog;
        this.meters = meters;
        this.clock = clock;
        this.owner = owner;
        this.lease = lease;
        this.sagasDir = sagasDir;
    }

    @Override
    public Declaration declaration() {
        return new Declaration(TEMPLATE_ID, PARAMETERS, Tier.T4, true);
    }

    @Override
    public List<ParamProblem> crossFieldProblems(InstanceSpec spec) {
        List<ParamProblem> problems = new ArrayList<>();
        Path file = SagaPlans.file(sagasDir, spec.param("plan"));
        if (!Files.isRegularFile(file)) {
            problems.add(new ParamProblem("plan", "no plan file routes/sagas/" + spec.param("plan") + ".yaml"));
            return problems;
        }
        try {
            SagaPlan plan = new SagaPlans(file).current();
            for (SagaPlan.Step step : plan.steps()) {
                OutboundUrl.parse(spec.param("target") + step.call().path());
            }
        } catch (RuntimeException e) {
            problems.add(new ParamProblem("plan", e.getMessage()));
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
                                SagaDrain.EXECUTION,
                                SagaDrain.WORK,
                                SagaDrain.DELIVERED,
                                ExecutionOutcomes.SystemFailure.LEFT_PENDING));
        String routeId = spec.routeId();
        Schedule schedule = spec.schedule().orElseThrow();
        OutboundHttp outbound = camel.getRegistry().lookupByNameAndType(OutboundHttp.BEAN, OutboundHttp.class);
        SagaMetrics metrics = new SagaMetrics(meters, routeId);
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProperties(spec, schedule));
        SagaDrain drain;
        try {
            SagaRunner runner = new SagaRunner(
                    routeId,
                    spec.param("target"),
                    owner,
                    lease,
                    spec.retryPolicy(),
                    sagas,
                    locks,
                    outbound,
                    deadLetters,
                    metrics);
            drain = new SagaDrain(
                    routeId,
                    spec.param("topic"),
                    new SagaPlans(SagaPlans.file(sagasDir, spec.param("plan"))),
                    consumer,
                    spec.budget().orElseThrow(),
                    spec.durationParam("pollTimeout"),
                    sagas,
                    runner,
                    new StuckSagas(routeId, sagas, metrics, clock, StuckSagas.DEFAULT_THRESHOLD),
                    deadLetters,
                    executionLog,
                    metrics);
        } catch (RuntimeException e) {
            consumer.close(Duration.ZERO);
            metrics.close();
            throw e;
        }
        running.put(routeId, drain);
        Map<String, Object> parameters = Map.of("routeId", routeId, "schedule", schedule.quartzQuery());
        return RouteInstance.of(parameters, Map.of(beanName(routeId), drain), () -> {
                    running.remove(routeId, drain);
                    drain.close();
                })
                .withReplayer(new SagaReplayer(drain.runner()));
    }

    /** The sagas and their steps, for operations. */
    public Sagas sagas() {
        return sagas;
    }

    /**
     * Makes a FAILED (or CANCELLED, COMPENSATED) saga PENDING again, so the next execution of its row resumes it: from
     * its first unfinished step, or from {@code fromStep} of its frozen plan (that step and the ones after it are
     * called again, with the same keys).
     */
    public String resume(String plan, String businessKey, String fromStep) {
        Sagas.Saga saga = find(plan, businessKey);
        if (saga.status().equals(Sagas.IN_PROGRESS) || saga.status().equals(Sagas.PENDING)) {
            throw new IllegalArgumentException(
                    "saga " + plan + "/" + businessKey + " is " + saga.status() + "; it resumes by itself");
        }
        Integer from = null;
        if (fromStep != null && !fromStep.isBlank()) {
            from = SagaPlan.parse(saga.planText()).position(fromStep.trim());
        }
        sagas.resume(plan, businessKey, from);
        return "saga " + plan + "/" + businessKey + " is PENDING; row " + saga.routeId() + " resumes it "
                + (from == null ? "from its first unfinished step" : "from step " + fromStep.trim());
    }

    /** Runs the compensations of a saga's completed steps in reverse order, now, under its lock. */
    public String compensate(String plan, String businessKey) {
        Sagas.Saga saga = find(plan, businessKey);
        SagaDrain drain = running.get(saga.routeId());
        if (drain == null) {
            throw new IllegalArgumentException("row " + saga.routeId() + " is not running here");
        }
        return "saga " + plan + "/" + businessKey + ": " + drain.runner().compensate(plan, businessKey);
    }

    /** Ends a saga CANCELLED without calling anything; refused while another holder runs it. */
    public String cancel(String plan, String businessKey, String operator) {
        Sagas.Saga saga = find(plan, businessKey);
        if (saga.status().equals(Sagas.COMPLETED)) {
            throw new IllegalArgumentException("saga " + plan + "/" + businessKey + " is COMPLETED");
        }
        Sagas.Fence fence =
                new Sagas.Fence(SagaRunner.lockKey(plan, businessKey), "cancel:" + owner, Duration.ofMinutes(1));
        if (!locks.acquire(fence.lockKey(), fence.owner(), fence.lease())) {
            throw new IllegalArgumentException("saga " + plan + "/" + businessKey + " is running; try again");
        }
        try {
            sagas.end(plan, businessKey, Sagas.CANCELLED, "cancelled by " + operator, fence);
        } finally {
            locks.release(fence.lockKey(), fence.owner());
        }
        return "saga " + plan + "/" + businessKey + " is CANCELLED";
    }

    private Sagas.Saga find(String plan, String businessKey) {
        return sagas.find(plan, businessKey)
                .orElseThrow(() -> new IllegalArgumentException("no saga " + plan + "/" + businessKey));
    }

    private Properties consumerProperties(InstanceSpec spec, Schedule schedule) {
        return ScheduledConsumer.properties(
                camel,
                spec.optionalParam("groupId").orElse("caravan-saga-" + spec.routeId()),
                "caravan-saga-" + spec.routeId(),
                spec.budget().orElseThrow().maxReturnedEvents(),
                schedule);
    }

    static String beanName(String routeId) {
        return "caravan-saga-" + routeId;
    }
}
