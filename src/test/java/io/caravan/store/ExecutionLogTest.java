package io.caravan.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caravan.testing.Databases.Backend;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ExecutionLogTest {

    private final MutableClock clock = MutableClock.at("2024-06-01T00:00:00Z");

    @ParameterizedTest
    @EnumSource(Backend.class)
    void an_execution_begins_running_and_finishes_with_its_counts(Backend backend) {
        ExecutionLog log = new ExecutionLog(backend.fresh(), clock);
        Instant start = clock.instant();

        long id = log.begin("feed-a");
        assertThat(log.recent("feed-a", 1))
                .containsExactly(
                        new Execution(id, "feed-a", start, null, 0, 0, 0, 0, 0, ExecutionStatus.RUNNING, null));

        clock.advance(Duration.ofSeconds(7));
        log.finish(id, 2, 100, 95, 3, 2, ExecutionStatus.COMPLETE, "budget used");

        assertThat(log.recent("feed-a", 1))
                .containsExactly(new Execution(
                        id,
                        "feed-a",
                        start,
                        start.plusSeconds(7),
                        2,
                        100,
                        95,
                        3,
                        2,
                        ExecutionStatus.COMPLETE,
                        "budget used"));
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void recent_lists_newest_first_up_to_the_limit(Backend backend) {
        ExecutionLog log = new ExecutionLog(backend.fresh(), clock);
        long first = log.begin("feed-a");
        clock.advance(Duration.ofMinutes(5));
        long second = log.begin("feed-a");
        clock.advance(Duration.ofMinutes(5));
        log.recordFailure("feed-a", "row rejected: profile NOPE does not exist");
        log.begin("feed-b");

        assertThat(log.recent("feed-a", 2))
                .extracting(Execution::id)
                .hasSize(2)
                .doesNotContain(first)
                .contains(second);
        assertThat(log.recent("feed-a", 10))
                .extracting(Execution::status)
                .containsExactly(ExecutionStatus.FAILED, ExecutionStatus.RUNNING, ExecutionStatus.RUNNING);
        Execution failure = log.recent("feed-a", 1).get(0);
        assertThat(failure.endedAt()).isEqualTo(failure.startedAt());
        assertThat(failure.detail()).isEqualTo("row rejected: profile NOPE does not exist");
        assertThat(log.recent("feed-a", 0)).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void finishing_an_unknown_execution_fails(Backend backend) {
        ExecutionLog log = new ExecutionLog(backend.fresh(), clock);

        assertThatThrownBy(() -> log.finish(999, 0, 0, 0, 0, 0, ExecutionStatus.FAILED, null))
                .hasMessage("no execution with id 999");
    }

    /** Guards against a killed execution showing no counts: progress is written while it runs, and kept after. */
    @ParameterizedTest
    @EnumSource(Backend.class)
    void progress_records_a_running_executions_counts_and_an_abandoned_one_keeps_them(Backend backend)
            throws Exception {
        javax.sql.DataSource store = backend.fresh();
        ExecutionLog log = new ExecutionLog(store, clock);
        long id = log.begin("feed-a");
        try (java.sql.Connection c = store.getConnection()) {
            log.progress(c, id, 2, 100, 95, 3, 2);
        }
        log.abandonRunning("feed-a", "the process ended");

        Execution abandoned = log.recent("feed-a", 1).get(0);
        assertThat(abandoned)
                .extracting(
                        Execution::cycles,
                        Execution::rowsRead,
                        Execution::rowsDelivered,
                        Execution::rowsDuplicate,
                        Execution::rowsDeadLettered,
                        Execution::status)
                .containsExactly(2, 100, 95, 3, 2, ExecutionStatus.INCOMPLETE);
    }
}
