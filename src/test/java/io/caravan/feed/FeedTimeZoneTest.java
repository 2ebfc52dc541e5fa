package io.caravan.feed;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.caravan.store.DrainProfile;
import io.caravan.store.Watermark;
import io.caravan.testing.Databases;
import io.caravan.testing.FeedFixture;
import io.caravan.testing.FeedRow;
import io.caravan.testing.SharedFeedApps;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.TimeZone;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Timestamps are instants whatever the JVM's zone; a local timestamp is read in the source's declared zone. */
class FeedTimeZoneTest {
    @RegisterExtension
    static final SharedFeedApps APPS = new SharedFeedApps();

    @RegisterExtension
    static final WireMockExtension TARGET = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort())
            .build();

    static final Instant T0 = Instant.now().minus(Duration.ofHours(2)).truncatedTo(ChronoUnit.SECONDS);
    static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    private TimeZone jvmZone;

    @BeforeEach
    void jvmInBerlin() {
        jvmZone = TimeZone.getDefault();
        TimeZone.setDefault(TimeZone.getTimeZone(BERLIN));
    }

    @AfterEach
    void restoreZone() {
        TimeZone.setDefault(jvmZone);
    }

    /** Guards against the watermark being stored an hour ahead (and that hour's rows lost) in a JVM not in UTC. */
    @ParameterizedTest
    @EnumSource(Databases.Backend.class)
    void timestamptz_is_read_as_an_instant_in_a_jvm_outside_utc(Databases.Backend sourceBackend) {
        FeedFixture feeds = APPS.on(Databases.Backend.H2);
        FeedFixture.Source source = feeds.newSource(sourceBackend);
        String id = "zone-" + sourceBackend.name().toLowerCase();
        String path = "/" + id;
        TARGET.stubFor(post(urlPathEqualTo(path)).willReturn(aResponse().withStatus(201)));
        feeds.app().profiles().upsert(new DrainProfile("TEST_10x5", Duration.ofSeconds(1), 10, 5, "test"));
        source.table().insert(1, 3, T0);
        feeds.startFeed(FeedRow.jdbc(id, "TEST_10x5", source.name(), TARGET.baseUrl() + path)
                .schedule("every 300ms"));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> TargetRequests.keys(TARGET, path).size() == 3);
        // written after the first rows were delivered, 30 minutes later: inside the hour a shifted watermark skips
        source.table().insert(4, 1, "later", T0.plus(Duration.ofMinutes(30)));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> TargetRequests.keys(TARGET, path).size() == 4);

        feeds.awaitMoreExecutions(id, 1);
        assertThat(feeds.app().watermarks().find(id)).contains(new Watermark(T0.plus(Duration.ofMinutes(30)), "4"));
        assertThat(TargetRequests.posts(TARGET, path))
                .extracting(r ->
                        Instant.parse(TargetRequests.body(r).get("updated_at").asText()))
                .containsExactly(
                        T0.plusNanos(1_000), T0.plusNanos(2_000), T0.plusNanos(3_000), T0.plus(Duration.ofMinutes(30)));
    }

    /** Guards against a timestamp without time zone being read in the JVM's zone instead of the source's. */
    @ParameterizedTest
    @EnumSource(Databases.Backend.class)
    void local_timestamp_is_read_in_the_declared_source_zone_and_delivered_unchanged(Databases.Backend sourceBackend)
            throws Exception {
        FeedFixture feeds = APPS.on(Databases.Backend.H2);
        FeedFixture.Source source = feeds.newSource(sourceBackend);
        String id = "local-zone-" + sourceBackend.name().toLowerCase();
        String path = "/" + id;
        TARGET.stubFor(post(urlPathEqualTo(path)).willReturn(aResponse().withStatus(201)));
        feeds.app().profiles().upsert(new DrainProfile("TEST_10x5", Duration.ofSeconds(1), 10, 5, "test"));
        LocalDateTime tokyoWallClock = LocalDateTime.ofInstant(T0, ZoneId.of("Asia/Tokyo"));
        try (Connection c = source.table().dataSource().getConnection();
                Statement s = c.createStatement()) {
            s.execute("ALTER TABLE source_rows ALTER COLUMN updated_at TYPE TIMESTAMP");
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO source_rows VALUES (?, 1, 'x', ?)")) {
                for (int n = 1; n <= 2; n++) {
                    ps.setLong(1, n);
                    ps.setObject(2, tokyoWallClock.plusSeconds(n));
                    ps.executeUpdate();
                }
            }
        }
        feeds.startFeed(FeedRow.jdbc(id, "TEST_10x5", source.name(), TARGET.baseUrl() + path)
                .param("sourceZone", "Asia/Tokyo")
                .schedule("every 300ms"));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> TargetRequests.keys(TARGET, path).size() == 2);
        feeds.awaitMoreExecutions(id, 2);

        assertThat(TargetRequests.keys(TARGET, path)).hasSize(2);
        assertThat(feeds.app().watermarks().find(id)).contains(new Watermark(T0.plusSeconds(2), "2"));
        assertThat(TargetRequests.posts(TARGET, path))
                .extracting(r -> LocalDateTime.parse(
                        TargetRequests.body(r).get("updated_at").asText()))
                .containsExactly(tokyoWallClock.plusSeconds(1), tokyoWallClock.plusSeconds(2));
        assertThat(tokyoWallClock.atOffset(ZoneOffset.ofHours(9)).toInstant()).isEqualTo(T0);
    }
}
