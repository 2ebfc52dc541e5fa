package io.caravan.saga;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.caravan.errors.RetryPolicy;
import io.caravan.outbound.Egress;
import io.caravan.outbound.OutboundHttp;
import io.caravan.store.DeadLetter;
import io.caravan.store.DeadLetters;
import io.caravan.store.RouteLocks;
import io.caravan.store.Sagas;
import io.caravan.testing.Databases;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The saga core (plan, state, lock, resume) against H2 and PostgreSQL with WireMock as the SAP-like target. */
class SagaRunnerTest {
    @org.junit.jupiter.api.extension.RegisterExtension
    static final WireMockExtension SAP = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort().containerThreads(20))
            .build();

    static final OutboundHttp OUTBOUND =
            new OutboundHttp(Egress.of("localhost", Egress.DEFAULT_PLAIN_HTTP_HOSTS), OutboundHttp.Settings.DEFAULT);
    static final RetryPolicy RETRY = new RetryPolicy(3, Duration.ofMillis(10), Duration.ofMillis(20), 2.0, 0.0);
    static final String STEPS[] = {
        "create-project", "wbs-l1", "wbs-l2", "wbs-l3", "planned-allocations", "financial-plan"
    };

    static String planText() throws Exception {
        return Files.readString(Path.of("routes/sagas/sap-project-setup.yaml"));
    }

    @BeforeEach
    void stubs() {
        SAP.resetAll();
        SAP.stubFor(post(urlPathEqualTo("/sap/projects"))
                .willReturn(aResponse().withStatus(201).withBody("{\"projectId\":\"P-1\"}")));
        SAP.stubFor(post(urlPathMatching("/sap/wbs/l[123]"))
                .willReturn(aResponse()
                        .withStatus(201)
                        .withBody("{\"wbsId\":\"W-{{request.path.[2]}}\"}")
                        .withTransformers("response-template")));
        SAP.stubFor(post(urlPathMatching("/sap/(allocations|financial-plans)"))
                .willReturn(aResponse().withStatus(201).withBody("{\"documentId\":\"D-1\"}")));
    }

    @AfterAll
    static void close() throws Exception {
        OUTBOUND.close();
    }

    record Fixture(Sagas sagas, RouteLocks locks, DeadLetters deadLetters, SagaStarter starter, SagaRunner runner) {}

    static Fixture fixture(DataSource ds, String owner, Clock clock) {
        return fixture(ds, owner, clock, Duration.ofSeconds(30));
    }

    static Fixture fixture(DataSource ds, String owner, Clock clock, Duration lease) {
        Sagas sagas = new Sagas(ds, clock);
        RouteLocks locks = new RouteLocks(ds, clock);
        DeadLetters deadLetters = new DeadLetters(ds, clock);
        SagaRunner runner = new SagaRunner(
                "saga-test",
                "http://localhost:" + SAP.getPort() + "/sap",
                owner,
                lease,
                RETRY,
                sagas,
                locks,
                OUTBOUND,
                deadLetters,
                new SagaMetrics(new SimpleMeterRegistry(), "saga-test"));
        return new Fixture(sagas, locks, deadLetters, new SagaStarter("saga-test", sagas), runner);
    }

    static DataSource db(Databases.Backend backend) {
        return backend == Databases.Backend.H2 ? Databases.h2() : Databases.postgres();
    }

    static String event(String project) {
        return "{\"wfProjectId\":\"" + project + "\",\"name\":\"Plant " + project + "\",\"budget\":125000}";
    }

    static Map<String, Long> postsPerKey() {
        return SAP.getAllServeEvents().stream()
                .map(e -> e.getRequest().getHeader("Idempotency-Key"))
                .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
    }

    static List<LoggedRequest> posts(String path) {
        return SAP.findAll(postRequestedFor(urlPathEqualTo(path)));
    }

    /** Guards against steps called out of order, results not passed along, or keys not step-level. */
    @ParameterizedTest
    @EnumSource(Databases.Backend.class)
    void all_six_steps_run_in_order_with_results_passed_along(Databases.Backend backend) throws Exception {
        Fixture f = fixture(db(backend), "owner-a", Clock.systemUTC());
        SagaPlan plan = SagaPlan.parse(planText());
        String project = "WF-" + UUID.randomUUID();
        assertThat(f.starter().start(plan, event(project))).isPresent();

        assertThat(f.runner().run(plan.name(), project)).isEqualTo(SagaRunner.Result.COMPLETED);

        assertThat(f.sagas().find(plan.name(), project).orElseThrow().status()).isEqualTo(Sagas.COMPLETED);
        List<Sagas.Step> steps = f.sagas().steps(plan.name(), project);
        assertThat(steps).extracting(Sagas.Step::step).containsExactly(STEPS);
        assertThat(steps).allSatisfy(s -> {
            assertThat(s.status()).isEqualTo(Sagas.DONE);
            assertThat(s.attempts()).isEqualTo(1);
            assertThat(s.idempotencyKey()).isEqualTo("SAP:PROJECT_SETUP:" + project + ":" + s.step());
            assertThat(s.requestHash()).hasSize(64);
        });
        assertThat(postsPerKey()).hasSize(6).allSatisfy((k, n) -> assertThat(n).isEqualTo(1L));
        assertThat(posts("/sap/wbs/l1").get(0).getBodyAsString()).contains("\"projectId\":\"P-1\"");
        assertThat(posts("/sap/wbs/l2").get(0).getBodyAsString()).contains("\"parentWbsId\":\"W-l1\"");
        assertThat(posts("/sap/financial-plans").get(0).getBodyAsString())
                .contains("\"budget\":125000")
                .contains("\"wbsId\":\"W-l3\"");
    }

    /** Guards against a resume calling completed steps again, or a failed step re-sent under a new key. */
    @ParameterizedTest
    @EnumSource(Databases.Backend.class)
    void transient_failure_at_step_three_then_resume_calls_neither_step_one_nor_two_again(Databases.Backend backend)
            throws Exception {
        DataSource ds = db(backend);
        Fixture f = fixture(ds, "owner-a", Clock.systemUTC());
        SagaPlan plan = SagaPlan.parse(planText());
        String project = "WF-" + UUID.randomUUID();
        f.starter().start(plan, event(project));
        SAP.stubFor(post(urlPathEqualTo("/sap/wbs/l2"))
                .atPriority(1)
                .willReturn(aResponse().withStatus(503)));

        assertThat(f.runner().run(plan.name(), project)).isEqualTo(SagaRunner.Result.FAILED);

        Sagas.Saga failed = f.sagas().find(plan.name(), project).orElseThrow();
        assertThat(failed.status()).isEqualTo(Sagas.FAILED);
        assertThat(failed.currentStep()).isEqualTo("wbs-l2");
        assertThat(posts("/sap/wbs/l2")).hasSize(3); // the row's retry policy: 3 attempts
        List<DeadLetter> letters = f.deadLetters().findByRoute("saga-test");
        assertThat(letters).singleElement().satisfies(d -> {
            assertThat(d.category()).isEqualTo("TRANSIENT");
            assertThat(d.idempotencyKey()).isEqualTo("SAP:PROJECT_SETUP:" + project + ":wbs-l2");
        });

        SAP.resetAll();
        stubs();
        assertThat(f.sagas().resume(plan.name(), project, null)).isTrue();
        assertThat(f.runner().run(plan.name(), project)).isEqualTo(SagaRunner.Result.COMPLETED);

        assertThat(posts("/sap/projects")).isEmpty();
        assertThat(posts("/sap/wbs/l1")).isEmpty();
        assertThat(posts("/sap/wbs/l2")).singleElement().satisfies(r -> assertThat(r.getHeader("Idempotency-Key"))
                .isEqualTo("SAP:PROJECT_SETUP:" + project + ":wbs-l2"));
        assertThat(f.sagas().steps(plan.name(), project))
                .extracting(Sagas.Step::attempts)
                .containsExactly(1, 1, 4, 1, 1, 1);
    }

    /** Guards against a permanent failure being retried, or a fixed saga not resumable. */
    @ParameterizedTest
    @EnumSource(Databases.Backend.class)
    void permanent_failure_fails_at_once_and_resumes_after_the_fix(Databases.Backend backend) throws Exception {
        Fixture f = fixture(db(backend), "owner-a", Clock.systemUTC());
        SagaPlan plan = SagaPlan.parse(planText());
        String project = "WF-" + UUID.randomUUID();
        f.starter().start(plan, event(project));
        SAP.stubFor(post(urlPathEqualTo("/sap/allocations"))
                .atPriority(1)
                .willReturn(aResponse().withStatus(422)));

        assertThat(f.runner().run(plan.name(), project)).isEqualTo(SagaRunner.Result.FAILED);
        assertThat(posts("/sap/allocations")).hasSize(1);
        assertThat(f.deadLetters().findByRoute("saga-test")).singleElement().satisfies(d -> assertThat(d.category())
                .isEqualTo("PERMANENT"));

        SAP.resetAll();
        stubs();
        f.sagas().resume(plan.name(), project, null);
        assertThat(f.runner().run(plan.name(), project)).isEqualTo(SagaRunner.Result.COMPLETED);
        assertThat(postsPerKey())
                .containsOnlyKeys(
                        "SAP:PROJECT_SETUP:" + project + ":planned-allocations",
                        "SAP:PROJECT_SETUP:" + project + ":financial-plan");
    }

    /** Guards against two holders (threads or replicas with their own owner ids) running one project at once. */
    @ParameterizedTest
    @EnumSource(Databases.Backend.class)
    void two_instances_racing_one_project_one_runs(Databases.Backend backend) throws Exception {
        DataSource ds = db(backend);
        SagaPlan plan = SagaPlan.parse(planText());
        String project = "WF-" + UUID.randomUUID();
        SAP.stubFor(post(urlPathEqualTo("/sap/projects"))
                .atPriority(1)
                .willReturn(aResponse()
                        .withStatus(201)
                        .withBody("{\"projectId\":\"P-1\"}")
                        .withFixedDelay(500)));
        List<Fixture> instances = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            instances.add(fixture(ds, "replica-" + i, Clock.systemUTC()));
        }
        instances.get(0).starter().start(plan, event(project));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<SagaRunner.Result>> results = new ArrayList<>();
        for (Fixture f : instances) {
            results.add(pool.submit(() -> {
                go.await();
                return f.runner().run(plan.name(), project);
            }));
        }
        go.countDown();
        List<SagaRunner.Result> outcomes = new ArrayList<>();
        for (Future<SagaRunner.Result> r : results) {
            outcomes.add(r.get());
        }
        pool.shutdown();

        assertThat(outcomes).filteredOn(r -> r == SagaRunner.Result.COMPLETED).hasSize(1);
        assertThat(outcomes).filteredOn(r -> r != SagaRunner.Result.COMPLETED).allSatisfy(r -> assertThat(r)
                .isIn(SagaRunner.Result.HELD, SagaRunner.Result.NOT_RUNNABLE));
        assertThat(postsPerKey()).hasSize(6).allSatisfy((k, n) -> assertThat(n).isEqualTo(1L));
    }

    /**
     * Guards against a holder whose lease ran out during a slow call saving that step's answer (and advancing the
     * saga) after another holder took the saga over: the late answer would overwrite the one the later steps used.
     */
    @ParameterizedTest
    @EnumSource(Databases.Backend.class)
    void a_holder_whose_lease_ran_out_during_a_slow_call_saves_nothing_after_the_takeover(Databases.Backend backend)
            throws Exception {
        DataSource ds = db(backend);
        Fixture slow = fixture(ds, "slow-holder", Clock.systemUTC(), Duration.ofSeconds(1));
        Fixture next = fixture(ds, "next-holder", Clock.systemUTC());
        SagaPlan plan = SagaPlan.parse(planText());
        String project = "WF-" + UUID.randomUUID();
        slow.starter().start(plan, event(project));
        SAP.stubFor(post(urlPathEqualTo("/sap/wbs/l2"))
                .atPriority(1)
                .inScenario("slow answer")
                .whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse()
                        .withStatus(201)
                        .withBody("{\"wbsId\":\"W-slow\"}")
                        .withFixedDelay(3000))
                .willSetStateTo("answered"));
        SAP.stubFor(post(urlPathEqualTo("/sap/wbs/l2"))
                .atPriority(1)
                .inScenario("slow answer")
                .whenScenarioStateIs("answered")
                .willReturn(aResponse().withStatus(201).withBody("{\"wbsId\":\"W-fast\"}")));
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<SagaRunner.Result> first = pool.submit(() -> slow.runner().run(plan.name(), project));
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> posts("/sap/wbs/l2").size() == 1);
            // the slow holder's 1 s lease runs out while the target holds its call; the next holder takes over
            SagaRunner.Result[] taken = new SagaRunner.Result[1];
            await().atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> (taken[0] = next.runner().run(plan.name(), project)) != SagaRunner.Result.HELD);
            assertThat(taken[0]).isEqualTo(SagaRunner.Result.COMPLETED);

            assertThat(first.get()).isEqualTo(SagaRunner.Result.LOST_LOCK);
        } finally {
            pool.shutdown();
        }
        assertThat(next.sagas().find(plan.name(), project).orElseThrow().status())
                .isEqualTo(Sagas.COMPLETED);
        assertThat(next.sagas().steps(plan.name(), project))
                .filteredOn(s -> s.step().equals("wbs-l2"))
                .singleElement()
                .satisfies(s -> assertThat(s.result())
                        .as("the answer the later steps used, not the late one")
                        .contains("W-fast"));
        assertThat(posts("/sap/wbs/l3").get(0).getBodyAsString()).contains("\"parentWbsId\":\"W-fast\"");
        assertThat(postsPerKey()).hasSize(6);
        assertThat(posts("/sap/wbs/l2"))
                .hasSize(2)
                .extracting(r -> r.getHeader("Idempotency-Key"))
                .containsOnly("SAP:PROJECT_SETUP:" + project + ":wbs-l2");
        assertThat(next.deadLetters().findByRoute("saga-test"))
                .noneMatch(d -> d.idempotencyKey().startsWith("SAP:PROJECT_SETUP:" + project));
    }

    /** Guards against an expired lease blocking a project forever. */
    @ParameterizedTest
    @EnumSource(Databases.Backend.class)
    void an_expired_lease_is_taken_over(Databases.Backend backend) {
        DataSource ds = db(backend);
        MutableClock clock = new MutableClock(Instant.parse("2026-11-29T10:00:00Z"));
        RouteLocks locks = new RouteLocks(ds, clock);
        assertThat(locks.acquire("plan:WF-1", "crashed", Duration.ofMinutes(2))).isTrue();
        assertThat(locks.acquire("plan:WF-1", "other", Duration.ofMinutes(2))).isFalse();
        clock.advance(Duration.ofMinutes(3));
        assertThat(locks.acquire("plan:WF-1", "other", Duration.ofMinutes(2))).isTrue();
        assertThat(locks.renew("plan:WF-1", "crashed", Duration.ofMinutes(2)))
                .as("the old holder learns it lost the lock")
                .isFalse();
    }

    /** Guards against a deploy that changes the plan changing sagas already in flight (the non-determinism trap). */
    @ParameterizedTest
    @EnumSource(Databases.Backend.class)
    void a_saga_in_flight_keeps_its_plan_when_the_plan_changes(Databases.Backend backend) throws Exception {
        Fixture f = fixture(db(backend), "owner-a", Clock.systemUTC());
        SagaPlan before = SagaPlan.parse(planText());
        String project = "WF-" + UUID.randomUUID();
        f.starter().start(before, event(project));
        // the new plan renames the last step and posts it elsewhere: a saga started before must not notice
        SagaPlan after = SagaPlan.parse(planText()
                .replace("path: /financial-plans", "path: /finance-v2")
                .replace("name: financial-plan", "name: finance-v2"));
        assertThat(after.version()).isNotEqualTo(before.version());
        String later = "WF-" + UUID.randomUUID();
        f.starter().start(after, event(later));
        SAP.stubFor(post(urlPathEqualTo("/sap/finance-v2"))
                .willReturn(aResponse().withStatus(201).withBody("{\"documentId\":\"D-2\"}")));

        assertThat(f.runner().run(before.name(), project)).isEqualTo(SagaRunner.Result.COMPLETED);
        assertThat(f.runner().run(after.name(), later)).isEqualTo(SagaRunner.Result.COMPLETED);

        assertThat(f.sagas().find(before.name(), project).orElseThrow().planVersion())
                .isEqualTo(before.version());
        assertThat(f.sagas().steps(before.name(), project))
                .extracting(Sagas.Step::step)
                .containsExactly(STEPS);
        assertThat(posts("/sap/financial-plans")).hasSize(1);
        assertThat(posts("/sap/finance-v2")).hasSize(1);
    }

    /**
     * Guards against a saga stuck IN_PROGRESS going unnoticed, and against one row's stuck saga counted in another
     * saga row's gauge (each row's alert is its own).
     */
    @ParameterizedTest
    @EnumSource(Databases.Backend.class)
    void a_saga_in_progress_longer_than_fifteen_minutes_is_stuck_in_its_own_rows_gauge(Databases.Backend backend)
            throws Exception {
        DataSource ds = db(backend);
        MutableClock clock = new MutableClock(Instant.parse("2026-11-29T10:00:00Z"));
        Sagas sagas = new Sagas(ds, clock);
        RouteLocks locks = new RouteLocks(ds, clock);
        SagaPlan plan = SagaPlan.parse(planText());
        String project = "WF-stuck-" + UUID.randomUUID();
        String row = "saga-stuck-" + UUID.randomUUID();
        new SagaStarter(row, sagas).start(plan, event(project));
        Sagas.Fence fence = new Sagas.Fence(SagaRunner.lockKey(plan.name(), project), "hung", Duration.ofHours(1));
        assertThat(locks.acquire(fence.lockKey(), fence.owner(), fence.lease())).isTrue();
        assertThat(sagas.running(plan.name(), project, fence)).isTrue();
        SagaMetrics metrics = new SagaMetrics(new SimpleMeterRegistry(), row);
        StuckSagas stuck = new StuckSagas(row, sagas, metrics, clock, Duration.ofMinutes(15));
        SagaMetrics otherMetrics = new SagaMetrics(new SimpleMeterRegistry(), "other-saga-row");
        StuckSagas other = new StuckSagas("other-saga-row", sagas, otherMetrics, clock, Duration.ofMinutes(15));

        clock.advance(Duration.ofMinutes(14));
        assertThat(stuck.check()).isEmpty();
        assertThat(metrics.stuck()).isZero();
        clock.advance(Duration.ofMinutes(2));
        assertThat(stuck.check()).extracting(Sagas.Saga::businessKey).containsExactly(project);
        assertThat(metrics.stuck()).isEqualTo(1);
        assertThat(other.check()).as("another row's stuck saga").isEmpty();
        assertThat(otherMetrics.stuck()).isZero();
    }

    static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
