package io.caravan.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.caravan.testing.Databases.Backend;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Guards against a watermark moving past rows whose ledger outcome was not recorded (or the other way round). */
class FeedTransactionTest {

    private static final Instant T = Instant.parse("2024-05-01T10:15:30Z");

    private final MutableClock clock = MutableClock.at("2024-06-01T00:00:00Z");

    @ParameterizedTest
    @EnumSource(Backend.class)
    void ledger_completion_and_watermark_advance_roll_back_together(Backend backend) throws Exception {
        DataSource dataSource = backend.fresh();
        IdempotencyLedger ledger = new IdempotencyLedger(dataSource, "pod-1", Duration.ofSeconds(30), clock);
        Watermarks watermarks = new Watermarks(dataSource, clock);
        watermarks.advance("feed-a", new Watermark(T, "1"));
        ledger.claim("feed-a", List.of("k2", "k3"));

        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            ledger.complete(c, List.of(Completion.done("k2", null), Completion.done("k3", null)));
            watermarks.advance(c, "feed-a", new Watermark(T, "3"));
            c.rollback();
        }

        assertThat(ledger.countByStatus("feed-a", LedgerStatus.IN_PROGRESS)).isEqualTo(2);
        assertThat(watermarks.find("feed-a")).contains(new Watermark(T, "1"));
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void ledger_completion_and_watermark_advance_commit_together(Backend backend) throws Exception {
        DataSource dataSource = backend.fresh();
        IdempotencyLedger ledger = new IdempotencyLedger(dataSource, "pod-1", Duration.ofSeconds(30), clock);
        Watermarks watermarks = new Watermarks(dataSource, clock);
        ledger.claim("feed-a", List.of("k2", "k3"));

        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            ledger.complete(c, List.of(Completion.done("k2", null), Completion.failed("k3", "dl:1")));
            watermarks.advance(c, "feed-a", new Watermark(T, "3"));
            c.commit();
        }

        assertThat(ledger.countByStatus("feed-a", LedgerStatus.DONE)).isEqualTo(1);
        assertThat(ledger.countByStatus("feed-a", LedgerStatus.FAILED)).isEqualTo(1);
        assertThat(watermarks.find("feed-a")).contains(new Watermark(T, "3"));
    }
}
