package io.caravan.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class WatermarkTest {

    private static final Instant T = Instant.parse("2024-05-01T10:15:30.123456Z");

    @Test
    void wire_form_round_trips() {
        Watermark watermark = new Watermark(T, "4711");

        assertThat(watermark.wireForm()).isEqualTo("2024-05-01T10:15:30.123456Z|4711");
        assertThat(Watermark.parse(watermark.wireForm())).isEqualTo(watermark);
    }

    @Test
    void id_may_be_empty_or_contain_the_separator() {
        assertThat(Watermark.parse("2024-05-01T10:15:30Z|"))
                .isEqualTo(new Watermark(Instant.parse("2024-05-01T10:15:30Z"), ""));
        assertThat(Watermark.parse("2024-05-01T10:15:30Z|a|b").id()).isEqualTo("a|b");
        assertThat(Watermark.parse(Watermark.ORIGIN.wireForm())).isEqualTo(Watermark.ORIGIN);
    }

    @Test
    void origin_is_the_epoch_with_no_id() {
        assertThat(Watermark.ORIGIN.updatedAt()).isEqualTo(Instant.EPOCH);
        assertThat(Watermark.ORIGIN.id()).isEmpty();
        assertThat(new Watermark(Instant.EPOCH, "1")).isGreaterThan(Watermark.ORIGIN);
    }

    @Test
    void updated_at_is_kept_to_microseconds_like_the_databases() {
        Watermark watermark = new Watermark(Instant.parse("2024-05-01T10:15:30.123456789Z"), "1");

        assertThat(watermark.updatedAt()).isEqualTo(T);
        assertThat(Watermark.parse("2024-05-01T10:15:30.123456789Z|1")).isEqualTo(watermark);
    }

    @Test
    void orders_by_time_then_numeric_ids_numerically() {
        Watermark nine = new Watermark(T, "9");
        Watermark ten = new Watermark(T, "10");
        Watermark later = new Watermark(T.plusNanos(1000), "1");

        assertThat(nine).isLessThan(ten);
        assertThat(ten).isLessThan(later);
        assertThat(ten.isAfter(nine)).isTrue();
        assertThat(new Watermark(T, "-5")).isLessThan(new Watermark(T, "3"));
        assertThat(new Watermark(T, "10").compareTo(new Watermark(T, "10"))).isZero();
    }

    @Test
    void orders_non_numeric_ids_lexicographically() {
        List<Watermark> sorted = new ArrayList<>(List.of(
                new Watermark(T, "b"), new Watermark(T, "a-9"), new Watermark(T, "a-10"), new Watermark(T, "9a")));
        sorted.sort(null);

        assertThat(sorted).extracting(Watermark::id).containsExactly("9a", "a-10", "a-9", "b");
        // one numeric, one not: lexicographic
        assertThat(new Watermark(T, "10")).isLessThan(new Watermark(T, "9a"));
    }

    @Test
    void parse_rejects_null() {
        assertThatThrownBy(() -> Watermark.parse(null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("watermark must not be null; expected <ISO-8601 instant>|<id>");
    }

    @Test
    void parse_rejects_a_missing_separator() {
        assertThatThrownBy(() -> Watermark.parse("2024-05-01T10:15:30Z"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "watermark '2024-05-01T10:15:30Z' has no '|' between instant and id; expected <ISO-8601 instant>|<id>");
    }

    @Test
    void parse_rejects_a_missing_instant() {
        assertThatThrownBy(() -> Watermark.parse("|42"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("watermark '|42' has no instant before '|'; expected <ISO-8601 instant>|<id>");
    }

    @Test
    void parse_rejects_an_invalid_instant_naming_it_and_where() {
        assertThatThrownBy(() -> Watermark.parse("2024-13-01T10:15:30Z|42"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(
                        "watermark '2024-13-01T10:15:30Z|42' has an invalid instant '2024-13-01T10:15:30Z'")
                .hasMessageEndingWith("expected ISO-8601 like 2024-05-01T10:15:30.123456Z");
        assertThatThrownBy(() -> Watermark.parse("2024-05-01 10:15:30|42"))
                .hasMessageStartingWith(
                        "watermark '2024-05-01 10:15:30|42' has an invalid instant '2024-05-01 10:15:30' at index 10");
    }

    @Test
    void rejects_an_id_longer_than_the_column() {
        assertThatThrownBy(() -> new Watermark(T, "x".repeat(401)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("watermark id is 401 characters long; at most 400 fit the watermark table");
    }
}
