package io.caravan.feed;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.caravan.store.ClaimOutcome;
import io.caravan.store.DrainProfile;
import io.caravan.store.IdempotencyLedger;
import io.caravan.store.LedgerEntry;
import io.caravan.store.LedgerStatus;
import io.caravan.store.Watermark;
import io.caravan.testing.Databases;
import io.caravan.testing.FeedFixture;
import io.caravan.testing.FeedRow;
import io.caravan.testing.SharedFeedApps;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A row whose key another owner holds under a live lease: not sent, not passed by the watermark, taken over later. */
class FeedLeaseTest {
    @RegisterExtension
    static final SharedFeedApps APPS = new SharedFeedApps();

    @RegisterExtension
    static final WireMockExtension TARGET = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort())
            .build();

    static final Instant T0 = Instant.now().minus(Duration.ofMinutes(10)).truncatedTo(ChronoUnit.SECONDS);
    static final Duration LEASE = Duration.ofSeconds(3);

    /** Guards against the watermark passing a row another owner still holds, which would lose it if that owner died. */
    @ParameterizedTest
    @EnumSource(Databases.Backend.class)
    void watermark_never_passes_a_row_held_by_another_owner_and_the_row_is_taken_over_when_its_lease_ends(
            Databases.Backend backend) {
        FeedFixture feeds = APPS.on(backend);
        FeedFixture.Source source = feeds.newSource();
        String id = "held-" + backend.name().toLowerCase();
        String path = "/" + id;
        String heldKey = id + ":2:1";
        TARGET.stubFor(post(urlPathEqualTo(path)).willReturn(aResponse().withStatus(201)));
        feeds.app().profiles().upsert(new DrainProfile("TEST_10x5", Duration.ofSeconds(1), 10, 5, "test"));
        feeds.startFeed(FeedRow.jdbc(id, "TEST_10x5", source.name(), TARGET.baseUrl() + path)
                .schedule("every 200ms"));
        feeds.awaitMoreExecutions(id, 1);

        IdempotencyLedger other = new IdempotencyLedger(feeds.app().store(), "other-owner", LEASE, Clock.systemUTC());
        assertThat(other.claim(id, List.of(heldKey))).containsEntry(heldKey, ClaimOutcome.CLAIMED);
        Instant leaseUntil = other.find(heldKey).orElseThrow().leaseUntil();
        source.table().insert(1, 3, T0);

        await().atMost(LEASE).until(() -> feeds.finishedExecutions(id).stream()
                .anyMatch(e -> e.detail() != null && e.detail().contains("held by another owner's lease")));
        Watermark whileHeld = feeds.app().watermarks().find(id).orElseThrow();
        List<LoggedRequest> heldPostsWhileHeld = TargetRequests.postsWithKey(TARGET, path, heldKey);
        assertThat(Instant.now())
                .as("checked while the other owner's lease was live")
                .isBefore(leaseUntil);
        assertThat(heldPostsWhileHeld).isEmpty();
        assertThat(whileHeld).isEqualTo(new Watermark(T0.plusNanos(1_000), "1"));
        assertThat(TargetRequests.keys(TARGET, path)).contains(id + ":1:1", id + ":3:1");

        await().atMost(Duration.ofSeconds(10))
                .until(() -> !TargetRequests.postsWithKey(TARGET, path, heldKey).isEmpty());
        feeds.awaitMoreExecutions(id, 2);

        List<LoggedRequest> heldPosts = TargetRequests.postsWithKey(TARGET, path, heldKey);
        assertThat(heldPosts).hasSize(1);
        assertThat(heldPosts.get(0).getLoggedDate().toInstant())
                .isAfterOrEqualTo(leaseUntil.truncatedTo(ChronoUnit.MILLIS));
        LedgerEntry entry = feeds.app().ledger().find(heldKey).orElseThrow();
        assertThat(entry)
                .extracting(LedgerEntry::status, LedgerEntry::owner, LedgerEntry::attempts)
                .containsExactly(LedgerStatus.DONE, feeds.app().ledger().owner(), 2);
        assertThat(feeds.app().watermarks().find(id)).contains(new Watermark(T0.plusNanos(3_000), "3"));
        assertThat(TargetRequests.keys(TARGET, path)).hasSize(3).doesNotHaveDuplicates();
    }
}
