package io.caravan.ops.health;

import static io.caravan.ops.health.HealthState.CONNECTED;
import static io.caravan.ops.health.HealthState.DEGRADED;
import static io.caravan.ops.health.HealthState.FAILING;
import static io.caravan.ops.health.HealthState.PAUSED;
import static org.assertj.core.api.Assertions.assertThat;

import io.caravan.store.ExecutionStatus;
import io.micrometer.core.instrument.Gauge;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.camel.ServiceStatus;
import org.junit.jupiter.api.Test;

/** The health rule set of each family, driven through the evaluator with a clock the test moves. */
class RouteHealthTest {
    private final HealthBench bench = new HealthBench();

    /** Guards against a feed that dead-letters every row staying CONNECTED, or staying FAILING once it recovered. */
    @Test
    void feed_failures_in_a_row_degrade_then_fail_and_a_delivery_reconnects() {
        bench.route("feed-a", "watermark-feed", "T3");
        bench.count("caravan.feed.rows.delivered", "feed-a", 5);
        assertThat(bench.state("feed-a")).isEqualTo(CONNECTED);

        bench.count("caravan.dead.letters", "feed-a", 1, "category", "TRANSIENT");
        bench.clock.advance(Duration.ofSeconds(15));
        assertThat(bench.state("feed-a")).isEqualTo(DEGRADED);

        bench.count("caravan.dead.letters", "feed-a", 2, "category", "PERMANENT");
        bench.clock.advance(Duration.ofSeconds(15));
        assertThat(bench.state("feed-a")).isEqualTo(FAILING);
        assertThat(bench.evaluator.current().get("feed-a").reasons()).contains("consecutive_failures 3 ≥ 3");

        bench.count("caravan.feed.rows.delivered", "feed-a", 1);
        bench.clock.advance(Duration.ofSeconds(15));
        assertThat(bench.state("feed-a")).isEqualTo(CONNECTED);
    }

    /** Guards against dead letters keeping a route DEGRADED forever: they count for 15 minutes. */
    @Test
    void dead_letters_degrade_a_feed_for_fifteen_minutes() {
        bench.route("feed-b", "watermark-feed", "T3");
        bench.deadLetter("feed-b", "feed-b/1");
        bench.count("caravan.feed.rows.delivered", "feed-b", 1);
        assertThat(bench.state("feed-b")).isEqualTo(DEGRADED);
        bench.clock.advance(Duration.ofMinutes(16));
        assertThat(bench.state("feed-b")).isEqualTo(CONNECTED);
    }

    /** Guards against a stalled feed looking healthy, and against a missing backlog meter firing anything. */
    @Test
    void feed_backlog_past_five_then_ten_minutes_degrades_then_fails_and_no_meter_is_no_data() {
        bench.route("feed-c", "watermark-feed", "T3");
        assertThat(bench.state("feed-c")).isEqualTo(CONNECTED);
        assertThat(bench.evaluator.current().get("feed-c").signals().get(Signal.BACKLOG_AGE_SECONDS))
                .isEmpty();

        AtomicLong age = new AtomicLong(400);
        Gauge.builder("caravan.feed.backlog.age.seconds", age, AtomicLong::get)
                .tag("route", "feed-c")
                .register(bench.meters);
        assertThat(bench.state("feed-c")).isEqualTo(DEGRADED);
        age.set(700);
        assertThat(bench.state("feed-c")).isEqualTo(FAILING);
        age.set(10);
        assertThat(bench.state("feed-c")).isEqualTo(CONNECTED);
    }

    /** Guards against a hung drain execution or an INCOMPLETE one (a failure that escaped) going unnoticed. */
    @Test
    void drain_execution_running_past_fifteen_minutes_fails_and_an_incomplete_one_degrades() {
        bench.route("drain-a", "queue-drain", "T2");
        long first = bench.executions.begin("drain-a");
        bench.clock.advance(Duration.ofMinutes(10));
        assertThat(bench.state("drain-a")).isEqualTo(CONNECTED);
        bench.clock.advance(Duration.ofMinutes(6));
        assertThat(bench.state("drain-a")).isEqualTo(FAILING);

        bench.executions.finish(first, 1, 10, 5, 0, 0, ExecutionStatus.INCOMPLETE, "SYSTEM failure");
        bench.count("caravan.drain.events.delivered", "drain-a", 5);
        assertThat(bench.state("drain-a")).isEqualTo(DEGRADED);
        bench.clock.advance(Duration.ofMinutes(61));
        long next = bench.executions.begin("drain-a");
        bench.executions.finish(next, 1, 1, 1, 0, 0, ExecutionStatus.COMPLETE, null);
        assertThat(bench.state("drain-a")).isEqualTo(CONNECTED);
    }

    /** Guards against a drain whose executions keep failing before they read being judged on counters alone. */
    @Test
    void three_failed_drain_executions_in_a_row_fail_the_route() {
        bench.route("drain-b", "queue-drain", "T2");
        for (int i = 0; i < 3; i++) {
            bench.executions.recordFailure("drain-b", "inbox unreachable");
            bench.clock.advance(Duration.ofSeconds(10));
        }
        assertThat(bench.state("drain-b")).isEqualTo(FAILING);
    }

    /** Guards against seed 003's trigger bounds (age, queue depth, archive failures) not reaching the state. */
    @Test
    void trigger_age_queue_depth_and_archive_failures_follow_the_seed_bounds() {
        bench.route("trg-a", "s3-transient-trigger", "T2");
        AtomicLong age = new AtomicLong(60);
        AtomicLong depth = new AtomicLong(0);
        Gauge.builder("caravan.trigger.oldest.age.seconds", age, AtomicLong::get)
                .tag("route", "trg-a")
                .register(bench.meters);
        Gauge.builder("caravan.trigger.queue.depth", depth, AtomicLong::get)
                .tag("route", "trg-a")
                .register(bench.meters);
        assertThat(bench.state("trg-a")).isEqualTo(CONNECTED);
        age.set(700);
        assertThat(bench.state("trg-a")).isEqualTo(DEGRADED);
        age.set(1000);
        assertThat(bench.state("trg-a")).isEqualTo(FAILING);
        age.set(60);
        depth.set(25);
        assertThat(bench.state("trg-a")).isEqualTo(DEGRADED);
        depth.set(0);

        // 101 messages handled in the window, 10 archive updates failed: 9.9% > 5%
        bench.meters
                .timer("caravan.trigger.processing", "route", "trg-a", "outcome", "acknowledged")
                .record(Duration.ofMillis(5));
        bench.clock.advance(Duration.ofSeconds(15));
        bench.state("trg-a");
        for (int i = 0; i < 100; i++) {
            bench.meters
                    .timer("caravan.trigger.processing", "route", "trg-a", "outcome", "acknowledged")
                    .record(Duration.ofMillis(5));
        }
        bench.count("caravan.trigger.archive.update.failures", "trg-a", 10);
        bench.clock.advance(Duration.ofSeconds(15));
        assertThat(bench.state("trg-a")).isEqualTo(FAILING);
        assertThat(bench.evaluator.current().get("trg-a").reasons()).contains("archive_failure_ratio 0.099 > 0.050");
    }

    /** Guards against a subscriber that answers 503 to every POST looking healthy until the dead letters come. */
    @Test
    void delivery_failed_posts_in_a_row_fail_and_a_2xx_reconnects() {
        bench.route("sub-a", "webhook-delivery", "T2");
        bench.count("caravan.webhook.delivered", "sub-a", 3);
        assertThat(bench.state("sub-a")).isEqualTo(CONNECTED);
        bench.count("caravan.webhook.failed.attempts", "sub-a", 2);
        assertThat(bench.state("sub-a")).isEqualTo(DEGRADED);
        bench.count("caravan.webhook.failed.attempts", "sub-a", 1);
        assertThat(bench.state("sub-a")).isEqualTo(FAILING);
        bench.count("caravan.webhook.delivered", "sub-a", 1);
        assertThat(bench.state("sub-a")).isEqualTo(CONNECTED);
    }

    /** Guards against a saga route (T4) that fails sagas, or holds one in progress for long, looking healthy. */
    @Test
    void saga_failures_in_a_row_and_a_saga_in_progress_past_fifteen_minutes_fail_the_route() {
        bench.route("saga-a", "saga", "T4");
        bench.count("caravan.saga.completed", "saga-a", 2);
        assertThat(bench.state("saga-a")).isEqualTo(CONNECTED);
        bench.count("caravan.saga.failed", "saga-a", 1);
        assertThat(bench.state("saga-a")).isEqualTo(DEGRADED);
        bench.count("caravan.saga.failed", "saga-a", 1);
        assertThat(bench.state("saga-a")).isEqualTo(FAILING);
        bench.count("caravan.saga.completed", "saga-a", 1);
        assertThat(bench.state("saga-a")).isEqualTo(CONNECTED);

        AtomicLong inProgress = new AtomicLong(901);
        Gauge.builder("caravan.saga.in.progress.seconds", inProgress, AtomicLong::get)
                .tag("route", "saga-a")
                .register(bench.meters);
        assertThat(bench.state("saga-a")).isEqualTo(FAILING);
        inProgress.set(30);
        assertThat(bench.state("saga-a")).isEqualTo(CONNECTED);
    }

    /** Guards against senders' bad signatures (4xx, their fault) failing the receiver, and inbox outages passing. */
    @Test
    void inbound_5xx_answers_in_a_row_fail_and_refused_senders_do_not_count() {
        bench.route("in-a", "inbound-webhook", "T1");
        bench.count("caravan.inbound.requests", "in-a", 2, "status", "202");
        assertThat(bench.state("in-a")).isEqualTo(CONNECTED);
        bench.count("caravan.inbound.requests", "in-a", 50, "status", "401");
        assertThat(bench.state("in-a")).isEqualTo(CONNECTED);
        bench.count("caravan.inbound.requests", "in-a", 3, "status", "503");
        assertThat(bench.state("in-a")).isEqualTo(FAILING);
    }

    /** Guards against an operator's pause being reported as a failure (and alerting) instead of PAUSED. */
    @Test
    void a_stopped_or_suspended_route_is_paused_whatever_its_signals() {
        bench.route("sub-b", "webhook-delivery", "T2");
        bench.state("sub-b");
        bench.count("caravan.webhook.failed.attempts", "sub-b", 10);
        bench.statuses.put("sub-b", ServiceStatus.Stopped);
        assertThat(bench.state("sub-b")).isEqualTo(PAUSED);
        bench.statuses.put("sub-b", ServiceStatus.Suspended);
        assertThat(bench.state("sub-b")).isEqualTo(PAUSED);
    }

    /** Guards against the metric showing two states at once or keeping a removed route. */
    @Test
    void route_health_metric_is_one_for_the_current_state_only_and_goes_with_the_route() {
        bench.route("sub-c", "webhook-delivery", "T4");
        bench.state("sub-c");
        bench.count("caravan.webhook.failed.attempts", "sub-c", 3);
        bench.evaluator.evaluate();
        for (HealthState s : HealthState.values()) {
            double v = bench.meters
                    .get("caravan.route.health")
                    .tags("route", "sub-c", "state", s.name(), "family", "delivery", "tier", "T4")
                    .gauge()
                    .value();
            assertThat(v).as(s.name()).isEqualTo(s == FAILING ? 1.0 : 0.0);
        }
        assertThat(bench.meters
                        .get("caravan.route.consecutive.failures")
                        .tag("route", "sub-c")
                        .gauge()
                        .value())
                .isEqualTo(3.0);
        bench.rows.clear();
        bench.evaluator.evaluate();
        assertThat(bench.meters
                        .find("caravan.route.health")
                        .tag("route", "sub-c")
                        .gauges())
                .isEmpty();
    }
}
