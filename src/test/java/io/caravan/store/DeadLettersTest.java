package io.caravan.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.caravan.testing.Databases.Backend;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class DeadLettersTest {

    private final MutableClock clock = MutableClock.at("2024-06-01T00:00:00.123456789Z");

    @ParameterizedTest
    @EnumSource(Backend.class)
    void a_dead_letter_round_trips_with_its_headers(Backend backend) {
        DeadLetters deadLetters = new DeadLetters(backend.fresh(), clock);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("Authorization", "***");
        headers.put("X-Quote", "say \"hi\"\n");

        long id = deadLetters.record(DeadLetter.of(
                "feed-a",
                "corr-1",
                "feed-a:42",
                "PERMANENT",
                422,
                "target rejected the payload",
                1,
                "{\"id\":42}",
                headers));

        assertThat(deadLetters.findByRoute("feed-a"))
                .containsExactly(new DeadLetter(
                        id,
                        "feed-a",
                        "corr-1",
                        "feed-a:42",
                        "PERMANENT",
                        422,
                        "target rejected the payload",
                        1,
                        "{\"id\":42}",
                        headers,
                        "PENDING",
                        Instant.parse("2024-06-01T00:00:00.123456Z")));
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void optional_fields_may_be_absent(Backend backend) {
        DeadLetters deadLetters = new DeadLetters(backend.fresh(), clock);

        long first = deadLetters.record(DeadLetter.of("feed-a", null, null, "SYSTEM", null, "boom", 3, null, null));
        long second =
                deadLetters.record(DeadLetter.of("feed-a", null, null, "SYSTEM", null, "boom", 3, null, Map.of()));

        assertThat(second).isGreaterThan(first);
        DeadLetter letter = deadLetters.findByRoute("feed-a").get(0);
        assertThat(letter.statusCode()).isNull();
        assertThat(letter.payload()).isNull();
        assertThat(letter.headers()).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void counts_per_route_and_since_an_instant(Backend backend) {
        DeadLetters deadLetters = new DeadLetters(backend.fresh(), clock);
        deadLetters.record(DeadLetter.of("feed-a", null, null, "TRANSIENT", 503, "unavailable", 5, null, null));
        clock.advance(Duration.ofMinutes(10));
        Instant since = clock.instant();
        deadLetters.record(DeadLetter.of("feed-a", null, null, "TRANSIENT", 503, "unavailable", 5, null, null));
        deadLetters.record(DeadLetter.of("feed-b", null, null, "TRANSIENT", 503, "unavailable", 5, null, null));

        assertThat(deadLetters.count("feed-a")).isEqualTo(2);
        assertThat(deadLetters.countSince("feed-a", since)).isEqualTo(1);
        assertThat(deadLetters.count("feed-c")).isZero();
    }

    /**
     * Guards against unbounded dead letters: a payload over the cap is stored as its prefix (never splitting a
     * character), with the original's size and SHA-256; one under the cap is stored whole.
     */
    @ParameterizedTest
    @EnumSource(Backend.class)
    void a_payload_over_the_cap_is_stored_truncated_with_its_size_and_sha256(Backend backend) throws Exception {
        DeadLetters deadLetters = new DeadLetters(backend.fresh(), clock, 1000);
        String payload = "{\"note\":\"" + "é".repeat(2000) + "\"}"; // 4,011 bytes in UTF-8
        String small = "{\"id\":1}";

        deadLetters.record(DeadLetter.of("feed-a", null, null, "DATA_QUALITY", null, "too big", 1, payload, null));
        deadLetters.record(DeadLetter.of("feed-a", null, null, "DATA_QUALITY", null, "small", 1, small, null));

        List<DeadLetter> letters = deadLetters.findByRoute("feed-a");
        DeadLetter big = letters.get(0);
        assertThat(big.payload().getBytes(StandardCharsets.UTF_8).length).isBetween(999, 1000);
        assertThat(payload).startsWith(big.payload());
        assertThat(big.payloadTruncated()).isTrue();
        assertThat(big.payloadSize()).isEqualTo(4011L);
        assertThat(big.payloadSha256())
                .isEqualTo(HexFormat.of()
                        .formatHex(
                                MessageDigest.getInstance("SHA-256").digest(payload.getBytes(StandardCharsets.UTF_8))));
        DeadLetter whole = letters.get(1);
        assertThat(whole.payload()).isEqualTo(small);
        assertThat(whole.payloadTruncated()).isFalse();
        assertThat(whole.payloadSize()).isEqualTo(8L);
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void an_overlong_reason_is_cut(Backend backend) {
        DeadLetters deadLetters = new DeadLetters(backend.fresh(), clock);

        deadLetters.record(DeadLetter.of("feed-a", null, null, "SYSTEM", null, "x".repeat(100_000), 1, null, null));

        assertThat(deadLetters.findByRoute("feed-a").get(0).reason()).hasSize(DeadLetters.MAX_REASON_CHARS);
    }
}
