package io.caravan.saga;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.caravan.errors.CategorizedException;
import io.caravan.errors.Classification;
import io.caravan.errors.ErrorCategory;
import io.caravan.errors.ErrorClassifier;
import io.caravan.errors.RetryAfter;
import io.caravan.errors.RetryPolicy;
import io.caravan.outbound.OutboundHttp;
import io.caravan.outbound.OutboundRequest;
import io.caravan.outbound.OutboundResponse;
import io.caravan.outbound.OutboundUrl;
import io.caravan.store.DeadLetter;
import io.caravan.store.DeadLetters;
import io.caravan.store.RouteLocks;
import io.caravan.store.Sagas;
import io.caravan.template.PayloadTemplate;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one saga under its route lock, step by step from its frozen plan: a completed step is never called again, a
 * step with intent but no result is re-sent with the same idempotency key, and each call's intent is committed before
 * it and its result after it. Transient failures are retried by the row's retry policy; when that is spent, or at a
 * permanent failure, the saga is FAILED at that step and dead-lettered. Forward recovery is the default: an operator
 * (or the replay worker) resumes a failed saga; compensation runs only when asked for.
 */
public final class SagaRunner {
    private static final Logger LOG = LoggerFactory.getLogger(SagaRunner.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};

    /** What one run of a saga came to. */
    public enum Result {
        COMPLETED,
        FAILED,
        /** Another holder has the saga's route lock; a later execution tries again. */
        HELD,
        /** The saga is not waiting to run (already completed, failed, compensated or cancelled). */
        NOT_RUNNABLE,
        /** The lease ran out while the saga ran and another holder took it over; this run stopped. */
        LOST_LOCK,
        COMPENSATED
    }

    /** The dead letter headers that name the failed saga and step, for the replay worker. */
    static final String PLAN_HEADER = "saga.plan";

    static final String BUSINESS_KEY_HEADER = "saga.businessKey";
    static final String STEP_HEADER = "saga.step";

    private final String routeId;
    private final String target;
    private final String owner;
    private final Duration lease;
    private final RetryPolicy retry;
    private final Sagas sagas;
    private final RouteLocks locks;
    private final OutboundHttp outbound;
    private final DeadLetters deadLetters;
    private final SagaMetrics metrics;
    private final ErrorClassifier classifier = new ErrorClassifier();
    private final RandomGenerator random = RandomGenerator.getDefault();

    public SagaRunner(
            String routeId,
            String target,
            String owner,
            Duration lease,
            RetryPolicy retry,
            Sagas sagas,
            RouteLocks locks,
            OutboundHttp outbound,
            DeadLetters deadLetters,
            SagaMetrics metrics) {
        this.routeId = routeId;
        this.target = target.endsWith("/") ? target.substring(0, target.length() - 1) : target;
        this.owner = owner;
        this.lease = lease;
        this.retry = retry;
        this.sagas = sagas;
        this.locks = locks;
        this.outbound = outbound;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
    }

    static String lockKey(String plan, String key) {
        return plan + ":" + key;
    }

    /** Runs the saga from its first unfinished step, if it is PENDING or IN_PROGRESS and its lock can be taken. */
    public Result run(String plan, String key) {
        Sagas.Fence fence = new Sagas.Fence(lockKey(plan, key), owner, lease);
        if (!locks.acquire(fence.lockKey(), owner, lease)) {
            return Result.HELD;
        }
        try {
            Optional<Sagas.Saga> found = sagas.find(plan, key);
            if (found.isEmpty() || !runnable(found.get())) {
                return Result.NOT_RUNNABLE;
            }
            return runSteps(found.get(), fence, null).result();
        } finally {
            locks.release(fence.lockKey(), owner);
        }
    }

    /**
     * For the replay worker, which replays the dead letter of a saga FAILED at {@code failedStep}: resumes the saga
     * from its first unfinished step (never a rerun: a completed step is not called again), now, under its lock
     * (held as {@code replay:<owner>}, so it excludes this process's own row too).
     *
     * <p>Returns normally when the saga completed, was already COMPLETED, or got past {@code failedStep} and failed
     * at a later step (that failure is dead-lettered as usual). A saga that fails again at {@code failedStep} is not
     * dead-lettered a second time: this throws instead, and the replayed entry is FAILED_AGAIN with the reason. So a
     * step that keeps failing costs one more round of the row's retries per replay, and a replay never feeds itself
     * new dead letters.
     *
     * @throws CategorizedException the saga failed again at or before {@code failedStep}, with its category
     * @throws IllegalStateException the saga runs elsewhere, was cancelled or compensated, or the lock was lost
     */
    public String resumeFailed(String plan, String key, String failedStep) {
        String holder = "replay:" + owner;
        Sagas.Fence fence = new Sagas.Fence(lockKey(plan, key), holder, lease);
        if (!locks.acquire(fence.lockKey(), holder, lease)) {
            throw new IllegalStateException("saga " + fence.lockKey() + " is running elsewhere; replay it later");
        }
        try {
            Sagas.Saga saga =
                    sagas.find(plan, key).orElseThrow(() -> new IllegalArgumentException("no saga " + fence.lockKey()));
            if (saga.status().equals(Sagas.COMPLETED)) {
                return "saga " + fence.lockKey() + " is already COMPLETED";
            }
            if (saga.status().equals(Sagas.FAILED)) {
                sagas.resume(plan, key, null);
                saga = sagas.find(plan, key).orElseThrow();
            } else if (!runnable(saga)) {
                throw new IllegalStateException("saga " + fence.lockKey() + " is " + saga.status()
                        + " by an operator; resume it over JMX (Sagas.resume) if it should run");
            }
            Run run = runSteps(saga, fence, failedStep);
            return switch (run.result()) {
                case COMPLETED -> "saga " + fence.lockKey() + " resumed and COMPLETED";
                case FAILED -> {
                    if (run.deadLettered()) {
                        yield "saga " + fence.lockKey() + " got past " + failedStep + " and FAILED at " + run.step()
                                + " (a new dead letter)";
                    }
                    throw new CategorizedException(
                            run.failure().category(),
                            run.failure().statusCode(),
                            "saga " + fence.lockKey() + " failed again at " + run.step() + ": "
                                    + run.failure().reason());
                }
                default ->
                    throw new IllegalStateException(
                            "saga " + fence.lockKey() + ": " + run.result() + "; it resumes by itself");
            };
        } finally {
            locks.release(fence.lockKey(), holder);
        }
    }

    private static boolean runnable(Sagas.Saga saga) {
        return saga.status().equals(Sagas.PENDING) || saga.status().equals(Sagas.IN_PROGRESS);
    }

    /** What one run came to; for a failure, its step, classification and whether it was dead-lettered. */
    private record Run(Result result, String step, Classification failure, boolean deadLettered) {
        static Run of(Result result) {
            return new Run(result, null, null, false);
        }
    }

    /**
     * Runs the steps from the first unfinished one. A failure at or before {@code quietStep} (the step of a dead
     * letter being replayed) is recorded without a new dead letter; null dead-letters every failure.
     */
    private Run runSteps(Sagas.Saga saga, Sagas.Fence fence, String quietStep) {
        String plan = saga.planName();
        String key = saga.businessKey();
        SagaPlan frozen = SagaPlan.parse(saga.planText());
        int quietUpTo = quietStep == null ? -1 : frozen.position(quietStep);
        Map<String, Object> event = parse(saga.event());
        Map<String, Map<String, Object>> results = new LinkedHashMap<>();
        Map<String, Sagas.Step> state = new LinkedHashMap<>();
        sagas.steps(plan, key).forEach(s -> state.put(s.step(), s));
        if (!sagas.running(plan, key, fence)) {
            return lost(fence, "before its first step");
        }
        for (SagaPlan.Step step : frozen.steps()) {
            Sagas.Step s = state.get(step.name());
            if (s != null && Sagas.DONE.equals(s.status())) {
                results.put(step.name(), parse(s.result()));
                continue;
            }
            boolean deadLetter = frozen.position(step.name()) > quietUpTo;
            String idempotencyKey = frozen.idempotencyKey(key, step.name());
            Optional<String> body = payload(step.call(), event, results);
            if (body.isEmpty()) {
                return fail(
                        saga,
                        fence,
                        step.name(),
                        idempotencyKey,
                        Classification.of(
                                ErrorCategory.DATA_QUALITY,
                                null,
                                "payload of step " + step.name() + " reads a field the event or an earlier step lacks"),
                        s == null ? 0 : s.attempts(),
                        null,
                        deadLetter);
            }
            int attempts = s == null ? 0 : s.attempts();
            int tries = 0;
            while (true) {
                // renews the lease and records the intent in one fenced transaction
                if (!sagas.intent(plan, key, step.name(), SagaPlan.sha256(body.get()), fence)) {
                    return lost(fence, "before " + step.name());
                }
                attempts++;
                tries++;
                try {
                    OutboundResponse response = outbound.execute(OutboundRequest.postJson(
                                    OutboundUrl.parse(target + step.call().path()),
                                    idempotencyKey,
                                    body.get().getBytes(StandardCharsets.UTF_8))
                            .withHeader("X-Correlation-Id", fence.lockKey()));
                    Map<String, Object> kept = keep(step, response);
                    if (!sagas.stepDone(plan, key, step.name(), JSON.writeValueAsString(kept), fence)) {
                        return lost(fence, "with the answer of " + step.name() + " unsaved");
                    }
                    results.put(step.name(), kept);
                    break;
                } catch (Exception e) {
                    Classification c = classifier.classify(e);
                    if (c.category().retryable() && retry.allowsAnotherAttempt(tries)) {
                        Duration wait = retry.delayBefore(
                                tries,
                                c.retryAfterHeader().flatMap(h -> RetryAfter.parse(h, Clock.systemUTC())),
                                random);
                        LOG.info(
                                "saga {}/{}: step {} failed ({}), retry in {} ms",
                                plan,
                                key,
                                step.name(),
                                c.reason(),
                                wait.toMillis());
                        sleep(wait);
                        continue;
                    }
                    return fail(saga, fence, step.name(), idempotencyKey, c, attempts, body.get(), deadLetter);
                }
            }
        }
        if (!sagas.end(plan, key, Sagas.COMPLETED, null, fence)) {
            return lost(fence, "with every step done but the saga not marked COMPLETED");
        }
        metrics.completed();
        LOG.info(
                "saga {}/{}: COMPLETED ({} steps, plan {})",
                plan,
                key,
                frozen.steps().size(),
                saga.planVersion());
        return Run.of(Result.COMPLETED);
    }

    private static Run lost(Sagas.Fence fence, String where) {
        LOG.warn(
                "saga {}: the route lock of {} ran out and was taken over; this run stops {} and writes nothing more",
                fence.lockKey(),
                fence.owner(),
                where);
        return Run.of(Result.LOST_LOCK);
    }

    private Run fail(
            Sagas.Saga saga,
            Sagas.Fence fence,
            String step,
            String idempotencyKey,
            Classification c,
            int attempts,
            String payload,
            boolean deadLetter) {
        String plan = saga.planName();
        String key = saga.businessKey();
        String error = c.category() + (c.statusCode() == null ? "" : " " + c.statusCode()) + ": " + c.reason();
        if (!sagas.failed(plan, key, step, error, "at step " + step + ": " + error, fence)) {
            return lost(fence, "with the failure of " + step + " unsaved");
        }
        metrics.failed();
        if (!deadLetter) {
            LOG.error(
                    "saga {}/{}: FAILED again at step {} after {} attempts ({}); its dead letter is FAILED_AGAIN",
                    plan,
                    key,
                    step,
                    attempts,
                    error);
            return new Run(Result.FAILED, step, c, false);
        }
        long id = deadLetters.record(DeadLetter.of(
                routeId,
                fence.lockKey(),
                idempotencyKey,
                c.category().name(),
                c.statusCode(),
                "saga " + plan + "/" + key + " failed at step " + step + ": " + c.reason(),
                attempts,
                payload,
                Map.of(PLAN_HEADER, plan, BUSINESS_KEY_HEADER, key, STEP_HEADER, step)));
        LOG.error(
                "saga {}/{}: FAILED at step {} after {} attempts ({}), dead letter {}; replay it or resume the saga once"
                        + " the cause is fixed",
                plan,
                key,
                step,
                attempts,
                error,
                id);
        return new Run(Result.FAILED, step, c, true);
    }

    /**
     * Runs the compensations of the completed steps in reverse order (each POSTed with the step's key and
     * ":compensate"), then marks the saga COMPENSATED; a failing compensation leaves it FAILED.
     */
    public Result compensate(String plan, String key) {
        Sagas.Fence fence = new Sagas.Fence(lockKey(plan, key), owner, lease);
        if (!locks.acquire(fence.lockKey(), owner, lease)) {
            return Result.HELD;
        }
        try {
            Sagas.Saga saga =
                    sagas.find(plan, key).orElseThrow(() -> new IllegalArgumentException("no saga " + fence.lockKey()));
            SagaPlan frozen = SagaPlan.parse(saga.planText());
            Map<String, Object> event = parse(saga.event());
            Map<String, Map<String, Object>> results = new LinkedHashMap<>();
            List<Sagas.Step> done = new ArrayList<>();
            for (Sagas.Step s : sagas.steps(plan, key)) {
                if (Sagas.DONE.equals(s.status())) {
                    results.put(s.step(), parse(s.result()));
                    done.add(s);
                }
            }
            for (int i = done.size() - 1; i >= 0; i--) {
                SagaPlan.Step step = frozen.step(done.get(i).step());
                if (step.compensation().isEmpty()) {
                    if (!sagas.stepStatus(
                            plan, key, step.name(), Sagas.COMPENSATED, "no compensation declared", fence)) {
                        return lost(fence, "while compensating").result();
                    }
                    continue;
                }
                SagaPlan.Call call = step.compensation().get();
                String idempotencyKey = frozen.idempotencyKey(key, step.name()) + ":compensate";
                Optional<String> body = payload(call, event, results);
                try {
                    outbound.execute(OutboundRequest.postJson(
                            OutboundUrl.parse(target + call.path()),
                            idempotencyKey,
                            body.orElseThrow(() -> new IllegalStateException("compensation payload incomplete"))
                                    .getBytes(StandardCharsets.UTF_8)));
                    if (!sagas.stepStatus(plan, key, step.name(), Sagas.COMPENSATED, null, fence)) {
                        return lost(fence, "while compensating").result();
                    }
                } catch (Exception e) {
                    Classification c = classifier.classify(e);
                    return fail(saga, fence, step.name(), idempotencyKey, c, 1, body.orElse(null), true)
                            .result();
                }
            }
            if (!sagas.end(plan, key, Sagas.COMPENSATED, null, fence)) {
                return lost(fence, "while compensating").result();
            }
            LOG.warn("saga {}/{}: COMPENSATED ({} steps undone in reverse order)", plan, key, done.size());
            return Result.COMPENSATED;
        } finally {
            locks.release(fence.lockKey(), owner);
        }
    }

    private static Optional<String> payload(
            SagaPlan.Call call, Map<String, Object> event, Map<String, Map<String, Object>> results) {
        Map<String, Object> body = new LinkedHashMap<>();
        for (Map.Entry<String, PayloadTemplate> e : call.payload().entrySet()) {
            Optional<Object> value = e.getValue().render(event, results);
            if (value.isEmpty()) {
                return Optional.empty();
            }
            body.put(e.getKey(), value.get());
        }
        try {
            return Optional.of(JSON.writeValueAsString(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The step's kept fields from the target's JSON answer; a kept field the answer lacks fails the step. */
    private static Map<String, Object> keep(SagaPlan.Step step, OutboundResponse response) throws Exception {
        Map<String, Object> kept = new LinkedHashMap<>();
        if (step.keep().isEmpty()) {
            return kept;
        }
        JsonNode answer = JSON.readTree(response.body() == null ? "{}" : response.body());
        for (String field : step.keep()) {
            JsonNode v = answer.get(field);
            if (v == null || v.isNull()) {
                throw new CategorizedException(
                        ErrorCategory.PERMANENT,
                        response.status(),
                        "answer of step " + step.name() + " lacks " + field);
            }
            kept.put(field, JSON.treeToValue(v, Object.class));
        }
        return kept;
    }

    static Map<String, Object> parse(String json) {
        if (json == null || json.isBlank()) {
            return Map.of();
        }
        try {
            return JSON.readValue(json, MAP);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored saga JSON is unreadable", e);
        }
    }

    private static void sleep(Duration wait) {
        try {
            Thread.sleep(wait.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting to retry", e);
        }
    }
}
