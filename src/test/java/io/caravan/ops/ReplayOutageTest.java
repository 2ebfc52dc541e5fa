package io.caravan.ops;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.caravan.store.DeadLetter;
import io.caravan.store.DrainProfile;
import io.caravan.store.LedgerStatus;
import io.caravan.store.OpsAudit;
import io.caravan.store.ReplayRequest;
import io.caravan.store.ReplayRequests;
import io.caravan.testing.CaravanApp;
import io.caravan.testing.Databases;
import io.caravan.testing.FeedFixture;
import io.caravan.testing.FeedRow;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.camel.component.micrometer.MicrometerConstants;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** After an outage, an operator's replay re-sends every dead letter once, under its original key. */
class ReplayOutageTest {
    static final String FEED = "outage-feed";
    static final String PATH = "/orders";
    static final Instant T0 = Instant.now().minus(Duration.ofMinutes(10)).truncatedTo(ChronoUnit.SECONDS);
    static final String DEAD_LETTERS = DeadLettersControl.OBJECT_NAME;

    @RegisterExtension
    static final WireMockExtension TARGET = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort())
            .build();

    @TempDir
    Path dir;

    FeedFixture feeds;
    CaravanApp app;

    @BeforeEach
    void setUp() throws Exception {
        feeds = FeedFixture.start(Databases.Backend.H2, OperatorMBeansTest.OperatorFixture.settings(dir));
        app = feeds.app();
        app.profiles().upsert(new DrainProfile("TEST_FAST", Duration.ofSeconds(1), 10, 2, "test"));
    }

    @AfterEach
    void tearDown() {
        feeds.close();
    }

    /**
     * Guards against a replay that sends under a new key, sends an entry twice, leaves an entry without an outcome, or
     * re-sends what was delivered already (a second replay of the same filter, or an explicit one of a delivered key).
     */
    @Test
    void a_filtered_replay_after_an_outage_delivers_each_dead_letter_once_under_its_original_key() {
        Operations jmx = Operations.jmx();
        Operations jolokia = Operations.jolokia(
                app, OperatorMBeansTest.OperatorFixture.USER, OperatorMBeansTest.OperatorFixture.PASSWORD);
        FeedFixture.Source source = feeds.newSource();
        for (int id = 1; id <= 4; id++) {
            source.table().insert(id, 1, "{\"n\":" + id + "}", T0.plusSeconds(id));
        }
        TARGET.stubFor(post(urlEqualTo(PATH)).willReturn(aResponse().withStatus(503)));
        feeds.startFeed(FeedRow.jdbc(FEED, "TEST_FAST", source.name(), TARGET.baseUrl() + PATH)
                .key("order:${body[id]}:${body[revision]}")
                .schedule("every 500ms")
                .retry(2, 20, 50));
        await().atMost(Duration.ofSeconds(20))
                .until(() -> app.deadLetters().findByRoute(FEED).size() == 4);
        feeds.stopFeed(FEED);
        feeds.startFeed(FeedRow.jdbc(FEED, "TEST_FAST", source.name(), TARGET.baseUrl() + PATH)
                .key("order:${body[id]}:${body[revision]}")
                .schedule("every 1h")
                .retry(2, 20, 50));
        List<DeadLetter> letters = app.deadLetters().findByRoute(FEED);
        assertThat(letters).extracting(DeadLetter::replayStatus).containsOnly(DeadLetter.PENDING);
        assertThat(app.ledger().countByStatus(FEED, LedgerStatus.FAILED)).isEqualTo(4);

        // the target is fixed; the dry run counts, the listing shows them, then the filtered replay
        TARGET.resetAll();
        TARGET.stubFor(post(urlEqualTo(PATH)).willReturn(aResponse().withStatus(200)));
        assertThat(jolokia.text(DEAD_LETTERS, "count", FEED, "transient", "", "", "503"))
                .startsWith("4 ")
                .contains("dry run");
        assertThat(jmx.text(DEAD_LETTERS, "count", FEED, "PERMANENT", "", "", ""))
                .startsWith("0 ");
        assertThat(jmx.lines(DEAD_LETTERS, "list", FEED, 10))
                .hasSize(4)
                .allSatisfy(line -> assertThat(line).contains("replay PENDING").contains("503"));
        long first = requestId(jolokia.text(DEAD_LETTERS, "replayFilter", FEED, "TRANSIENT", "", "", "503", 50));
        awaitDone(first);

        Map<String, Long> sentByKey = sentByIdempotencyKey();
        assertThat(sentByKey)
                .containsOnlyKeys(
                        letters.stream().map(DeadLetter::idempotencyKey).toList())
                .allSatisfy((key, sent) -> assertThat(sent).as(key).isEqualTo(1L));
        assertThat(app.deadLetters().findByRoute(FEED))
                .extracting(DeadLetter::replayStatus)
                .containsOnly(DeadLetter.REPLAYED);
        assertThat(app.ledger().countByStatus(FEED, LedgerStatus.DONE)).isEqualTo(4);
        assertThat(jmx.text(DEAD_LETTERS, "request", first)).contains("DONE").contains("resent 4");

        // the same filter again takes nothing; one entry asked for explicitly is found delivered and not sent
        long second = requestId(jmx.text(DEAD_LETTERS, "replayFilter", FEED, "TRANSIENT", "", "", "503", 50));
        awaitDone(second);
        assertThat(requests().find(second).orElseThrow().resent()).isZero();
        long explicit =
                requestId(jmx.text(DEAD_LETTERS, "replay", letters.get(0).id()));
        awaitDone(explicit);
        assertThat(requests().find(explicit).orElseThrow().alreadyDelivered()).isEqualTo(1);
        assertThat(sentByIdempotencyKey()).isEqualTo(sentByKey);
        assertThat(app.deadLetters().find(letters.get(0).id()).orElseThrow().replayStatus())
                .isEqualTo(DeadLetter.ALREADY_DELIVERED);

        // a replayed entry is not discarded; a discard needs a reason; everything is audited with the operator
        assertThatThrownBy(
                        () -> jmx.text(DEAD_LETTERS, "discard", letters.get(1).id(), "not needed"))
                .hasMessageContaining("REPLAYED");
        assertThat(jmx.lines(DEAD_LETTERS, "requests")).hasSize(3);
        List<OpsAudit.Entry> audit = new OpsAudit(app.store(), Clock.systemUTC()).recent(50);
        assertThat(audit)
                .filteredOn(e -> e.operation().equals("replayFilter"))
                .extracting(OpsAudit.Entry::principal)
                .containsExactlyInAnyOrder(jmx.principal(), jolokia.principal());
        assertThat(audit)
                .filteredOn(e -> e.operation().equals("discard"))
                .extracting(OpsAudit.Entry::outcome)
                .containsExactly(OpsAudit.Outcome.REFUSED);
        PrometheusMeterRegistry meters = app.camel()
                .getRegistry()
                .lookupByNameAndType(MicrometerConstants.METRICS_REGISTRY_NAME, PrometheusMeterRegistry.class);
        assertThat(meters.counter("caravan.replay.resent", "route", FEED).count())
                .isEqualTo(4.0);
        assertThat(meters.counter("caravan.replay.already.delivered", "route", FEED)
                        .count())
                .isEqualTo(1.0);
    }

    /** Guards against a discarded or unknown dead letter being replayed, and a replay of a route that is gone. */
    @Test
    void discarded_entries_are_never_sent_and_a_removed_route_fails_again_with_the_reason() {
        Operations jmx = Operations.jmx();
        long kept = app.deadLetters()
                .record(DeadLetter.of("gone-route", "c1", "gone:1", "TRANSIENT", 503, "HTTP 503", 3, "{}", Map.of()));
        long dropped = app.deadLetters()
                .record(DeadLetter.of("gone-route", "c2", "gone:2", "TRANSIENT", 503, "HTTP 503", 3, "{}", Map.of()));
        assertThat(jmx.text(DEAD_LETTERS, "discard", dropped, "test data")).contains("discarded");
        assertThatThrownBy(() -> jmx.text(DEAD_LETTERS, "replay", dropped)).hasMessageContaining("DISCARDED");
        assertThatThrownBy(() -> jmx.text(DEAD_LETTERS, "replay", 999_999L)).hasMessageContaining("no dead letter");
        assertThat(jmx.text(DEAD_LETTERS, "count", "gone-route", "", "", "", ""))
                .startsWith("1 ");
        long request = requestId(jmx.text(DEAD_LETTERS, "replayFilter", "gone-route", "", "", "", "", 10));
        awaitDone(request);
        assertThat(app.deadLetters().find(kept).orElseThrow().replayStatus()).isEqualTo(DeadLetter.FAILED_AGAIN);
        assertThat(jmx.lines(DEAD_LETTERS, "list", "gone-route", 10))
                .anySatisfy(line -> assertThat(line).contains("FAILED_AGAIN").contains("not running"))
                .anySatisfy(line -> assertThat(line).contains("DISCARDED").contains("test data"));
        assertThat(TARGET.getAllServeEvents()).isEmpty();
    }

    ReplayRequests requests() {
        return new ReplayRequests(app.store(), Clock.systemUTC());
    }

    void awaitDone(long request) {
        await("replay " + request + " done")
                .atMost(Duration.ofSeconds(20))
                .until(() -> requests().find(request).orElseThrow().status() == ReplayRequest.Status.DONE);
    }

    static long requestId(String answer) {
        Matcher m = Pattern.compile("replay request (\\d+)").matcher(answer);
        assertThat(m.find()).as(answer).isTrue();
        return Long.parseLong(m.group(1));
    }

    /** Requests the target answered 2xx, counted per Idempotency-Key. */
    static Map<String, Long> sentByIdempotencyKey() {
        return TARGET.getAllServeEvents().stream()
                .filter(e -> e.getResponse().getStatus() / 100 == 2)
                .map(ServeEvent::getRequest)
                .collect(Collectors.groupingBy(r -> r.getHeader("Idempotency-Key"), Collectors.counting()));
    }
}
