package io.caravan.saga;

import io.caravan.errors.CaravanExchange;
import io.caravan.errors.ErrorCategory;
import io.caravan.execution.ExecutionFinish;
import io.caravan.execution.RowOutcome;
import io.caravan.store.DeadLetter;
import io.caravan.store.DeadLetters;
import io.caravan.store.ExecutionLog;
import io.caravan.store.ExecutionStatus;
import io.caravan.store.Sagas;
import io.caravan.template.DrainBudget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.camel.Exchange;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Java side of routes/saga.yaml (T4): each method is one step. One instance per route_config row, holding the
 * row's Kafka consumer of project events (own group, manual commits, at most max_returned_events per poll).
 *
 * <p>Per cycle, within the saga profile's budget (max_returned_events sagas × max_cycles): first the sagas waiting to
 * run (PENDING: new or resumed; IN_PROGRESS whose holder's lease ran out: a crashed replica's), else a poll of
 * project events, each starting a saga with the current plan frozen into it. An event's offset is committed once its
 * saga is stored: from then on the saga table, not the topic, holds the work. Then each saga runs under its lock.
 */
public final class SagaDrain implements AutoCloseable {
    public static final String EXECUTION = "caravanSagaExecution";
    public static final String WORK = "caravanSagaWork";
    public static final String DELIVERED = "caravanSagaDelivered";

    private static final Logger LOG = LoggerFactory.getLogger(SagaDrain.class);

    private final String routeId;
    private final SagaPlans plans;
    private final Consumer<String, String> consumer;
    private final DrainBudget budget;
    private final Duration pollTimeout;
    private final Sagas sagas;
    private final SagaStarter starter;
    private final SagaRunner runner;
    private final StuckSagas stuck;
    private final DeadLetters deadLetters;
    private final ExecutionLog executionLog;
    private final SagaMetrics metrics;
    private final ExecutionFinish finish;

    SagaDrain(
            String routeId,
            String topic,
            SagaPlans plans,
            Consumer<String, String> consumer,
            DrainBudget budget,
            Duration pollTimeout,
            Sagas sagas,
            SagaRunner runner,
            StuckSagas stuck,
            DeadLetters deadLetters,
            ExecutionLog executionLog,
            SagaMetrics metrics) {
        this.routeId = routeId;
        this.plans = plans;
        this.consumer = consumer;
        this.budget = budget;
        this.pollTimeout = pollTimeout;
        this.sagas = sagas;
        this.starter = new SagaStarter(routeId, sagas);
        this.runner = runner;
        this.stuck = stuck;
        this.deadLetters = deadLetters;
        this.executionLog = executionLog;
        this.metrics = metrics;
        this.finish = new ExecutionFinish(executionLog, LOG, "saga", routeId, true);
        consumer.subscribe(List.of(topic));
        executionLog.abandonRunning(
                routeId, "the process running it ended before it finished; its sagas resume after their lock lease");
    }

    /** Opens an execution (an execution_log row) and reports stuck sagas. */
    public void begin(Exchange exchange) {
        SagaExecution execution = new SagaExecution(executionLog.begin(routeId));
        exchange.setProperty(EXECUTION, execution);
        exchange.setProperty(CaravanExchange.ROUTE_ID, routeId);
        exchange.setProperty(CaravanExchange.CORRELATION_ID, routeId + "/" + execution.id());
        stuck.check();
    }

    /** The sagas of this cycle: those waiting to run, else the sagas the next poll of project events starts. */
    public List<SagaWork> nextBatch(Exchange exchange) {
        SagaExecution execution = execution(exchange);
        CaravanExchange.forgetOutcome(exchange);
        exchange.removeProperty(WORK);
        List<SagaWork> work = new ArrayList<>();
        for (Sagas.Saga s : sagas.runnable(routeId, budget.maxReturnedEvents())) {
            work.add(new SagaWork(s.planName(), s.businessKey(), work.size()));
        }
        if (work.isEmpty()) {
            try {
                work.addAll(startFromEvents(exchange));
            } catch (RuntimeException e) {
                execution.fail(ExecutionStatus.INCOMPLETE, "polling or starting sagas failed: " + e);
                LOG.error(
                        "saga {}: execution {} stopped: polling or starting sagas failed", routeId, execution.id(), e);
                return List.of();
            }
        }
        execution.startBatch(work);
        if (work.isEmpty()) {
            execution.stop();
        }
        return work;
    }

    private List<SagaWork> startFromEvents(Exchange exchange) {
        ConsumerRecords<String, String> records = consumer.poll(pollTimeout);
        if (records.isEmpty()) {
            return List.of();
        }
        SagaPlan plan = plans.current();
        List<SagaWork> work = new ArrayList<>();
        Map<TopicPartition, OffsetAndMetadata> commit = new LinkedHashMap<>();
        for (ConsumerRecord<String, String> r : records) {
            try {
                Optional<String> started = starter.start(plan, r.value());
                if (started.isPresent()) {
                    work.add(new SagaWork(plan.name(), started.get(), work.size()));
                } else {
                    LOG.debug(
                            "saga {}: event {}-{}@{} is for a project that has a saga",
                            routeId,
                            r.topic(),
                            r.partition(),
                            r.offset());
                }
            } catch (RuntimeException e) {
                if (e instanceof io.caravan.store.StoreException) {
                    throw e;
                }
                long id = deadLetters.record(DeadLetter.of(
                        routeId,
                        CaravanExchange.correlationId(exchange),
                        null,
                        ErrorCategory.DATA_QUALITY.name(),
                        null,
                        "project event not usable: " + e.getMessage(),
                        1,
                        r.value(),
                        Map.of("kafka.topic", r.topic(), "kafka.offset", Long.toString(r.offset()))));
                LOG.warn(
                        "saga {}: project event {}-{}@{} dead-lettered ({}): {}",
                        routeId,
                        r.topic(),
                        r.partition(),
                        r.offset(),
                        id,
                        e.getMessage());
            }
            commit.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
        }
        consumer.commitSync(commit);
        return work;
    }

    /** Runs one saga under its lock and records what came of it. */
    public void run(Exchange exchange) {
        SagaWork work = exchange.getMessage().getBody(SagaWork.class);
        exchange.setProperty(WORK, work);
        SagaExecution execution = execution(exchange);
        SagaRunner.Result result = runner.run(work.plan(), work.businessKey());
        RowOutcome outcome =
                switch (result) {
                    case COMPLETED, COMPENSATED -> RowOutcome.DELIVERED;
                    case FAILED -> RowOutcome.DEAD_LETTERED;
                    case HELD, LOST_LOCK -> RowOutcome.HELD;
                    case NOT_RUNNABLE -> RowOutcome.DUPLICATE;
                };
        execution.outcome(work.index(), work.key(), outcome, result.name());
    }

    /** Stops the execution after the budget's last cycle. */
    public void recordOutcomes(Exchange exchange) {
        SagaExecution execution = execution(exchange);
        if (execution.cycles() >= budget.maxCycles()) {
            execution.stop();
        }
    }

    /** Closes the execution_log row and logs one summary line. */
    public void finish(Exchange exchange) {
        finish.finish(execution(exchange));
    }

    public SagaRunner runner() {
        return runner;
    }

    public String routeId() {
        return routeId;
    }

    @Override
    public void close() {
        metrics.close();
        try {
            consumer.close(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            LOG.warn("saga {}: the project event consumer did not close cleanly", routeId, e);
        }
    }

    private static SagaExecution execution(Exchange exchange) {
        return exchange.getProperty(EXECUTION, SagaExecution.class);
    }
}
