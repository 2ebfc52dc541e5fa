package io.caravan.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.caravan.store.RouteConfigRow;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** routes/route-config.yaml: config as code, read entry by entry. */
class RouteConfigSeedTest {

    @Test
    void the_shipped_seed_file_loads_without_problems() throws Exception {
        RouteConfigSeed.Loaded loaded = RouteConfigSeed.load(Path.of("routes/route-config.yaml"));
        assertThat(loaded.problems()).isEmpty();
        assertThat(loaded.rows())
                .extracting(RouteConfigRow::routeId)
                .contains("actual-hours-feed", "actual-hours-api-feed");
    }

    @Test
    void a_malformed_entry_is_reported_by_position_and_the_others_still_load(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("route-config.yaml");
        Files.writeString(
                file,
                """
                routes:
                  - routeId: good
                    template: watermark-feed
                    profile: FEED_SAFE_5MIN
                    throttlePerSecond: 5
                    retry: { maxAttempts: 3, initialDelayMs: 100, maxDelayMs: 1000 }
                    params: { sourceKind: http, target: "http://localhost/x" }
                  - template: watermark-feed
                  - just a string
                  - routeId: bad-number
                    template: watermark-feed
                    throttlePerSecond: lots
                """);

        RouteConfigSeed.Loaded loaded = RouteConfigSeed.load(file);

        assertThat(loaded.rows()).singleElement().satisfies(r -> {
            assertThat(r.routeId()).isEqualTo("good");
            assertThat(r.enabled()).isTrue();
            assertThat(r.tier()).isEqualTo("T3");
            assertThat(r.throttlePerSecond()).isEqualTo(5);
            assertThat(r.retryMaxAttempts()).isEqualTo(3);
            assertThat(r.params()).isEqualTo("{\"sourceKind\":\"http\",\"target\":\"http://localhost/x\"}");
        });
        assertThat(loaded.problems())
                .containsExactly(
                        file + ": routes[1]: routeId is required",
                        file + ": routes[2]: expected a mapping",
                        file + ": routes[3]: throttlePerSecond: 'lots' is not a whole number");
    }

    @Test
    void a_file_without_a_routes_list_is_one_problem(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("route-config.yaml");
        Files.writeString(file, "rows: []\n");
        assertThat(RouteConfigSeed.load(file).problems())
                .containsExactly(file + ": expected a top-level 'routes:' list");
    }
}
