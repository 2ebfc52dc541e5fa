package io.caravan.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.caravan.testing.Databases.Backend;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class WatermarksTest {

    private static final Instant T = Instant.parse("2024-05-01T10:15:30.123456Z");

    private final MutableClock clock = MutableClock.at("2024-06-01T00:00:00Z");

    @ParameterizedTest
    @EnumSource(Backend.class)
    void a_route_without_a_watermark_has_none(Backend backend) {
        Watermarks watermarks = new Watermarks(backend.fresh(), clock);

        assertThat(watermarks.find("feed-a")).isEmpty();
        assertThat(watermarks.all()).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void first_advance_stores_the_watermark_with_microseconds(Backend backend) {
        Watermarks watermarks = new Watermarks(backend.fresh(), clock);

        watermarks.advance("feed-a", new Watermark(Instant.parse("2024-05-01T10:15:30.123456789Z"), "42"));

        assertThat(watermarks.find("feed-a")).contains(new Watermark(T, "42"));
        assertThat(watermarks.find("feed-a").orElseThrow().updatedAt()).isEqualTo(T);
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void watermark_never_moves_backwards(Backend backend) {
        Watermarks watermarks = new Watermarks(backend.fresh(), clock);
        Watermark ahead = new Watermark(T, "10");

        watermarks.advance("feed-a", ahead);
        watermarks.advance("feed-a", new Watermark(T, "9")); // numerically behind, lexicographically ahead
        watermarks.advance("feed-a", new Watermark(T.minusSeconds(1), "999"));
        watermarks.advance("feed-a", Watermark.ORIGIN);
        watermarks.advance("feed-a", ahead);

        assertThat(watermarks.find("feed-a")).contains(ahead);
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void watermark_moves_forward_by_time_and_by_id_within_the_same_instant(Backend backend) {
        Watermarks watermarks = new Watermarks(backend.fresh(), clock);

        watermarks.advance("feed-a", new Watermark(T, "9"));
        watermarks.advance("feed-a", new Watermark(T, "10"));
        assertThat(watermarks.find("feed-a")).contains(new Watermark(T, "10"));

        watermarks.advance("feed-a", new Watermark(T.plusSeconds(1), "1"));
        assertThat(watermarks.find("feed-a")).contains(new Watermark(T.plusSeconds(1), "1"));
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void all_lists_every_route(Backend backend) {
        Watermarks watermarks = new Watermarks(backend.fresh(), clock);
        watermarks.advance("feed-b", new Watermark(T, "b"));
        watermarks.advance("feed-a", new Watermark(T, "a"));

        assertThat(watermarks.all())
                .containsExactly(
                        Map.entry("feed-a", new Watermark(T, "a")), Map.entry("feed-b", new Watermark(T, "b")));
    }

    /** Guards against an operator's reset being lost: reset is the one way back, and advances go on from it. */
    @ParameterizedTest
    @EnumSource(Backend.class)
    void a_reset_moves_the_watermark_back_and_returns_the_one_it_replaced(Backend backend) {
        Watermarks watermarks = new Watermarks(backend.fresh(), clock);
        Watermark ahead = new Watermark(T, "10");
        Watermark back = new Watermark(T.minusSeconds(3600), "");

        assertThat(watermarks.reset("feed-a", ahead)).isEmpty();
        assertThat(watermarks.reset("feed-a", back)).contains(ahead);
        assertThat(watermarks.find("feed-a")).contains(back);
        watermarks.advance("feed-a", new Watermark(T.minusSeconds(60), "1"));
        assertThat(watermarks.find("feed-a")).contains(new Watermark(T.minusSeconds(60), "1"));
    }

    /** Guards against a reset feed resuming its overlap re-check or backstop from before the operator's position. */
    @ParameterizedTest
    @EnumSource(Backend.class)
    void a_reset_clears_the_routes_reread_cursors(Backend backend) {
        DataSource store = backend.fresh();
        Watermarks watermarks = new Watermarks(store, clock);
        RereadCursors cursors = new RereadCursors(store);
        cursors.save("feed-a", "OVERLAP", new RereadCursor(Optional.of(new Watermark(T, "7")), T));
        cursors.save("feed-b", "OVERLAP", new RereadCursor(Optional.of(new Watermark(T, "8")), T));

        watermarks.reset("feed-a", new Watermark(T.minusSeconds(3600), ""));

        assertThat(cursors.find("feed-a", "OVERLAP")).isEmpty();
        assertThat(cursors.find("feed-b", "OVERLAP")).isPresent();
    }
}
