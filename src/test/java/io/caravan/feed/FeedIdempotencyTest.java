package io.caravan.feed;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.caravan.store.DrainProfile;
import io.caravan.store.Execution;
import io.caravan.store.ExecutionStatus;
import io.caravan.store.Watermark;
import io.caravan.testing.Databases;
import io.caravan.testing.FeedFixture;
import io.caravan.testing.FeedRow;
import io.caravan.testing.PrometheusScrape;
import io.caravan.testing.SharedFeedApps;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** What the overlap re-reads, restarts, late commits and edits do to delivery: each row version arrives once. */
class FeedIdempotencyTest {
    @RegisterExtension
    static final SharedFeedApps APPS = new SharedFeedApps();

    @RegisterExtension
    static final WireMockExtension TARGET = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort())
            .build();

    static final Instant T0 = Instant.now().minus(Duration.ofMinutes(10)).truncatedTo(ChronoUnit.SECONDS);
    static final String PROFILE = "TEST_10x5";

    /** Guards against the 2-minute overlap re-read posting rows the ledger already marked done. */
    @ParameterizedTest
    @EnumSource(Databases.Backend.class)
    void rows_read_again_by_the_overlap_are_not_posted_twice(Databases.Backend backend) {
        FeedFixture feeds = APPS.on(backend);
        String id = "reread-" + backend.name().toLowerCase();
        String path = startFeedOf30Rows(feeds, id);

        await().atMost(Duration.ofSeconds(20))
                .until(() -> TargetRequests.posts(TARGET, path).size() >= 30);
        // the execution that posted the rows finishes after its last POST; it must not count as a re-read
        await().atMost(Duration.ofSeconds(20))
                .until(() -> feeds.finishedExecutions(id).stream().anyMatch(e -> e.rowsDelivered() == 30));
        feeds.awaitMoreExecutions(id, 3);

        assertThat(TargetRequests.keys(TARGET, path)).hasSize(30).doesNotHaveDuplicates();
        List<Execution> executions = feeds.finishedExecutions(id);
        Execution last = executions.get(executions.size() - 1);
        assertThat(last.rowsRead()).as("the overlap re-reads every row").isEqualTo(30);
        assertThat(last.rowsDuplicate()).isEqualTo(30);
        assertThat(last.rowsDelivered()).isZero();
        assertThat(PrometheusScrape.of(feeds.app()).forRoute("caravan_feed_rows_duplicate_total", id))
                .hasValueSatisfying(duplicates -> assertThat(duplicates).isGreaterThanOrEqualTo(3 * 30));
        assertThat(PrometheusScrape.of(feeds.app()).forRoute("caravan_feed_rows_delivered_total", id))
                .contains(30.0);
    }

    /** Guards against a restarted app (new ledger owner, fresh CamelContext) posting rows delivered before it. */
    @ParameterizedTest
    @EnumSource(Databases.Backend.class)
    void rows_are_not_posted_again_after_a_restart_on_the_same_store(Databases.Backend backend) {
        FeedFixture feeds = APPS.on(backend);
        String id = "restart-" + backend.name().toLowerCase();
        String path = startFeedOf30Rows(feeds, id);
        await().atMost(Duration.ofSeconds(20))
                .until(() -> TargetRequests.posts(TARGET, path).size() >= 30);
        String ownerBefore = feeds.app().ledger().owner();

        feeds.restart();
        await().atMost(Duration.ofSeconds(15))
                .until(() -> feeds.app().reconciler().running().contains(id));
        int before = feeds.finishedExecutions(id).size();
        feeds.awaitMoreExecutions(id, 2);
        feeds.stopFeed(id);

        assertThat(feeds.app().ledger().owner()).isNotEqualTo(ownerBefore);
        assertThat(TargetRequests.keys(TARGET, path)).hasSize(30).doesNotHaveDuplicates();
        List<Execution> all = feeds.finishedExecutions(id);
        assertThat(all.subList(before, all.size())).isNotEmpty().allSatisfy(e -> assertThat(e)
                .extracting(Execution::rowsRead, Execution::rowsDuplicate, Execution::rowsDelivered)
                .containsExactly(30, 30, 0));
        assertThat(feeds.app().executionLog().recent(id, 1000))
                .as("no execution left RUNNING by the restart")
                .allSatisfy(e -> assertThat(e.status()).isEqualTo(ExecutionStatus.COMPLETE));
    }

    /** Guards against losing a row whose transaction committed after the watermark passed its updated_at. */
    @ParameterizedTest
    @EnumSource(Databases.Backend.class)
    void late_committed_row_inside_overlap_is_delivered(Databases.Backend backend) {
        FeedFixture feeds = APPS.on(backend);
        FeedFixture.Source source = feeds.newSource();
        source.table().insert(1, 1, "first", T0);
        source.table().insert(2, 1, "second", T0.plusSeconds(60));
        String id = "late-" + backend.name().toLowerCase();
        String path = "/" + id;
        TARGET.stubFor(post(urlPathEqualTo(path)).willReturn(aResponse().withStatus(201)));
        feeds.app().profiles().upsert(new DrainProfile(PROFILE, Duration.ofSeconds(1), 10, 5, "test"));
        feeds.startFeed(FeedRow.jdbc(id, PROFILE, source.name(), TARGET.baseUrl() + path)
                .schedule("every 300ms"));
        Watermark afterSecond = new Watermark(T0.plusSeconds(60), "2");
        await().atMost(Duration.ofSeconds(20)).until(() -> feeds.app()
                .watermarks()
                .find(id)
                .filter(afterSecond::equals)
                .isPresent());

        // committed now, stamped 30 s before the watermark: inside the 2-minute overlap
        source.table().insert(3, 1, "late", T0.plusSeconds(30));

        await().atMost(Duration.ofSeconds(10)).until(() -> !TargetRequests.postsWithKey(TARGET, path, id + ":3:1")
                .isEmpty());
        feeds.awaitMoreExecutions(id, 2);
        assertThat(TargetRequests.keys(TARGET, path)).containsExactlyInAnyOrder(id + ":1:1", id + ":2:1", id + ":3:1");
        assertThat(TargetRequests.body(TargetRequests.postsWithKey(TARGET, path, id + ":3:1")
                                .get(0))
                        .get("payload")
                        .asText())
                .isEqualTo("late");
        assertThat(feeds.app().watermarks().find(id))
                .as("the watermark never moves back")
                .contains(afterSecond);
    }

    /** Guards against an edited row being taken for a duplicate of its earlier version, or unchanged rows re-sent. */
    @ParameterizedTest
    @EnumSource(Databases.Backend.class)
    void edited_row_is_delivered_again_with_a_new_idempotency_key(Databases.Backend backend) {
        FeedFixture feeds = APPS.on(backend);
        FeedFixture.Source source = feeds.newSource();
        source.table().insert(1, 3, T0);
        String id = "edit-" + backend.name().toLowerCase();
        String path = "/" + id;
        TARGET.stubFor(post(urlPathEqualTo(path)).willReturn(aResponse().withStatus(201)));
        feeds.app().profiles().upsert(new DrainProfile(PROFILE, Duration.ofSeconds(1), 10, 5, "test"));
        feeds.startFeed(FeedRow.jdbc(id, PROFILE, source.name(), TARGET.baseUrl() + path)
                .schedule("every 300ms"));
        await().atMost(Duration.ofSeconds(20))
                .until(() -> TargetRequests.posts(TARGET, path).size() >= 3);

        source.table().edit(2, "row-2-edited", T0.plusSeconds(60));

        await().atMost(Duration.ofSeconds(10)).until(() -> !TargetRequests.postsWithKey(TARGET, path, id + ":2:2")
                .isEmpty());
        feeds.awaitMoreExecutions(id, 2);
        assertThat(TargetRequests.keys(TARGET, path))
                .containsExactlyInAnyOrder(id + ":1:1", id + ":2:1", id + ":3:1", id + ":2:2");
        JsonNode edited = TargetRequests.body(
                TargetRequests.postsWithKey(TARGET, path, id + ":2:2").get(0));
        assertThat(edited.get("revision").asInt()).isEqualTo(2);
        assertThat(edited.get("payload").asText()).isEqualTo("row-2-edited");
    }

    /** Guards against a payload-hash key that does not change with the row's content, or changes without it. */
    @ParameterizedTest
    @EnumSource(Databases.Backend.class)
    void edited_row_gets_a_new_payload_hash_key_and_unchanged_rows_keep_theirs(Databases.Backend backend) {
        FeedFixture feeds = APPS.on(backend);
        FeedFixture.Source source = feeds.newSource();
        source.table().insert(1, 3, T0);
        String id = "hash-" + backend.name().toLowerCase();
        String path = "/" + id;
        TARGET.stubFor(post(urlPathEqualTo(path)).willReturn(aResponse().withStatus(201)));
        feeds.app().profiles().upsert(new DrainProfile(PROFILE, Duration.ofSeconds(1), 10, 5, "test"));
        feeds.startFeed(FeedRow.jdbc(id, PROFILE, source.name(), TARGET.baseUrl() + path)
                .schedule("every 300ms")
                .key(id + ":${body[id]}:${header.caravanPayloadHash}"));
        await().atMost(Duration.ofSeconds(20))
                .until(() -> TargetRequests.posts(TARGET, path).size() >= 3);
        Map<Long, String> firstKeys = keysByRowId(path);
        assertThat(firstKeys).hasSize(3);
        assertThat(firstKeys.values())
                .allMatch(k -> k.matches(java.util.regex.Pattern.quote(id) + ":\\d+:[0-9a-f]{24}"));

        source.table().edit(2, "row-2-edited", T0.plusSeconds(60));

        await().atMost(Duration.ofSeconds(10))
                .until(() -> TargetRequests.posts(TARGET, path).size() >= 4);
        feeds.awaitMoreExecutions(id, 2);
        List<String> keys = TargetRequests.keys(TARGET, path);
        assertThat(keys).hasSize(4).doesNotHaveDuplicates().containsAll(firstKeys.values());
        String editedKey = keys.stream()
                .filter(k -> !firstKeys.containsValue(k))
                .findFirst()
                .orElseThrow();
        assertThat(editedKey).startsWith(id + ":2:").isNotEqualTo(firstKeys.get(2L));
        assertThat(TargetRequests.body(TargetRequests.postsWithKey(TARGET, path, editedKey)
                                .get(0))
                        .get("payload")
                        .asText())
                .isEqualTo("row-2-edited");

        // a touch (updated_at moves, content does not) keeps the hash, so nothing is sent again
        source.table().touch(3, T0.plusSeconds(120));
        feeds.awaitMoreExecutions(id, 3);
        assertThat(TargetRequests.keys(TARGET, path)).hasSize(4);
        assertThat(feeds.app().watermarks().find(id))
                .get()
                .extracting(w -> w.id())
                .isEqualTo("3");
    }

    private String startFeedOf30Rows(FeedFixture feeds, String id) {
        FeedFixture.Source source = feeds.newSource();
        source.table().insert(1, 30, T0);
        String path = "/" + id;
        TARGET.stubFor(post(urlPathEqualTo(path)).willReturn(aResponse().withStatus(201)));
        feeds.app().profiles().upsert(new DrainProfile(PROFILE, Duration.ofSeconds(1), 10, 5, "test"));
        feeds.startFeed(FeedRow.jdbc(id, PROFILE, source.name(), TARGET.baseUrl() + path)
                .schedule("every 300ms"));
        return path;
    }

    private Map<Long, String> keysByRowId(String path) {
        return TargetRequests.posts(TARGET, path).stream()
                .collect(Collectors.toMap(
                        r -> TargetRequests.body(r).get("id").asLong(), r -> r.getHeader("Idempotency-Key")));
    }
}
