package io.caravan.feed;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.caravan.store.DeadLetter;
import io.caravan.store.DrainProfile;
import io.caravan.store.LedgerEntry;
import io.caravan.store.LedgerStatus;
import io.caravan.store.Watermark;
import io.caravan.testing.Databases;
import io.caravan.testing.FeedFixture;
import io.caravan.testing.FeedRow;
import io.caravan.testing.SharedFeedApps;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What one row's outcome must not do to the others. */
class OutcomeIsolationTest {
    private static final Instant T0 = Instant.parse("2026-11-20T10:00:00Z");

    @RegisterExtension
    static final SharedFeedApps APPS = new SharedFeedApps();

    @RegisterExtension
    static final WireMockExtension TARGET = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort())
            .build();

    /** Guards against a dead letter ending the execution early (rows left in progress) or leaking into the next page. */
    @Test
    void a_dead_letter_on_one_page_does_not_mark_the_next_pages_rows_failed() {
        TARGET.stubFor(post(urlEqualTo("/iso")).willReturn(aResponse().withStatus(200)));
        TARGET.stubFor(post(urlEqualTo("/iso"))
                .withRequestBody(matchingJsonPath("$.id", equalTo("1")))
                .willReturn(aResponse().withStatus(400).withBody("bad row")));
        FeedFixture feeds = APPS.on(Databases.Backend.H2);
        FeedFixture.Source source = feeds.newSource();
        source.table().insert(1, 9, T0);
        feeds.app().profiles().upsert(new DrainProfile("TEST_3x5", Duration.ofSeconds(1), 3, 5, "test"));
        feeds.startFeed(FeedRow.jdbc("iso-feed", "TEST_3x5", source.name(), TARGET.baseUrl() + "/iso")
                .key("ISO:${body[id]}"));

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            TARGET.verify(9, postRequestedFor(urlEqualTo("/iso")));
            assertThat(feeds.app().ledger().findByRoute("iso-feed"))
                    .hasSize(9)
                    .noneMatch(e -> e.status() == LedgerStatus.IN_PROGRESS);
        });
        Map<String, LedgerStatus> status = feeds.app().ledger().findByRoute("iso-feed").stream()
                .collect(Collectors.toMap(LedgerEntry::key, LedgerEntry::status));
        assertThat(status).containsEntry("ISO:1", LedgerStatus.FAILED);
        for (int id = 2; id <= 9; id++) {
            assertThat(status).containsEntry("ISO:" + id, LedgerStatus.DONE);
        }
        assertThat(feeds.app().deadLetters().count("iso-feed")).isEqualTo(1);
    }

    /** Guards against a row whose key expression yields nothing stalling the feed or being sent without a key. */
    @Test
    void a_row_without_a_usable_key_is_dead_lettered_as_data_quality_and_the_feed_moves_on() {
        TARGET.stubFor(post(urlEqualTo("/keyless")).willReturn(aResponse().withStatus(200)));
        FeedFixture feeds = APPS.on(Databases.Backend.H2);
        FeedFixture.Source source = feeds.newSource();
        source.table().insert(1, 1, null, T0);
        source.table().insert(2, 1, "p2", T0.plusSeconds(1));
        feeds.app().profiles().upsert(new DrainProfile("TEST_5x1", Duration.ofSeconds(1), 5, 1, "test"));
        // the key is the payload column: empty for row 1
        feeds.startFeed(FeedRow.jdbc("keyless-feed", "TEST_5x1", source.name(), TARGET.baseUrl() + "/keyless")
                .key("${body[payload]}")
                .schedule("every 500ms"));

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            TARGET.verify(1, postRequestedFor(urlEqualTo("/keyless")));
            assertThat(feeds.app().watermarks().find("keyless-feed"))
                    .get()
                    .extracting(Watermark::id)
                    .isEqualTo("2");
        });
        feeds.awaitMoreExecutions("keyless-feed", 2);
        assertThat(feeds.app().deadLetters().findByRoute("keyless-feed"))
                .singleElement()
                .satisfies(d -> {
                    assertThat(d.category()).isEqualTo("DATA_QUALITY");
                    assertThat(d.reason())
                            .contains("key template gave no usable key")
                            .contains("row id 1");
                    assertThat(d.payload()).contains("\"id\":1");
                });
        assertThat(TARGET.getAllServeEvents())
                .filteredOn(e -> e.getRequest().getUrl().equals("/keyless"))
                .singleElement()
                .satisfies(e ->
                        assertThat(e.getRequest().getHeader("Idempotency-Key")).isEqualTo("p2"));
        assertThat(feeds.app().deadLetters().findByRoute("keyless-feed"))
                .extracting(DeadLetter::idempotencyKey)
                .containsOnlyNulls();
    }

    /** Guards against sending a row that fails validation, or quarantining it again on every re-read. */
    @Test
    void a_row_missing_a_required_field_is_quarantined_and_sent_once_fixed() {
        TARGET.stubFor(post(urlEqualTo("/required")).willReturn(aResponse().withStatus(200)));
        FeedFixture feeds = APPS.on(Databases.Backend.H2);
        FeedFixture.Source source = feeds.newSource();
        source.table().insert(1, 1, "ok", T0);
        source.table().insert(2, 1, " ", T0.plusSeconds(1));
        feeds.app().profiles().upsert(new DrainProfile("TEST_5x1", Duration.ofSeconds(1), 5, 1, "test"));
        feeds.startFeed(FeedRow.jdbc("required-feed", "TEST_5x1", source.name(), TARGET.baseUrl() + "/required")
                .param("requiredFields", "payload, revision")
                .schedule("every 500ms"));

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            TARGET.verify(1, postRequestedFor(urlEqualTo("/required")));
            assertThat(feeds.app().watermarks().find("required-feed"))
                    .get()
                    .extracting(Watermark::id)
                    .isEqualTo("2");
        });
        feeds.awaitMoreExecutions("required-feed", 2);
        assertThat(feeds.app().deadLetters().findByRoute("required-feed"))
                .singleElement()
                .satisfies(d -> {
                    assertThat(d.category()).isEqualTo("DATA_QUALITY");
                    assertThat(d.reason()).isEqualTo("row id 2 has no value for required field 'payload'");
                    assertThat(d.idempotencyKey()).isEqualTo("required-feed:2:1");
                });
        assertThat(feeds.app().ledger().find("required-feed:2:1"))
                .get()
                .extracting(LedgerEntry::status)
                .isEqualTo(LedgerStatus.FAILED);

        // the source fixes the row: a new revision, a new key, sent
        source.table().edit(2, "fixed", T0.plusSeconds(2));
        await().atMost(Duration.ofSeconds(15))
                .untilAsserted(() -> TARGET.verify(2, postRequestedFor(urlEqualTo("/required"))));
    }
}
