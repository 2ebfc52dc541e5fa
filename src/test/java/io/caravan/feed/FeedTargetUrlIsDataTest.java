package io.caravan.feed;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.caravan.config.ConfigProblem;
import io.caravan.config.Reconciler;
import io.caravan.store.DeadLetter;
import io.caravan.store.DrainProfile;
import io.caravan.store.LedgerEntry;
import io.caravan.store.LedgerStatus;
import io.caravan.testing.Databases;
import io.caravan.testing.FeedFixture;
import io.caravan.testing.FeedRow;
import io.caravan.testing.SharedFeedApps;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A feed row's target URL is data for the target, never camel-http options: each probe below once configured the
 * client through the URL's query string (issue 8: proxyHost, followRedirects, throwExceptionOnFailure,
 * okStatusCodeRange, httpClientConfigurer).
 */
class FeedTargetUrlIsDataTest {
    @RegisterExtension
    static final SharedFeedApps APPS = new SharedFeedApps();

    @RegisterExtension
    static final WireMockExtension TARGET = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort())
            .build();

    /** Another loopback address, off the test app's allowlist (localhost, 127.0.0.1): a proxy or a redirect's goal. */
    @RegisterExtension
    static final WireMockExtension OTHER = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort().bindAddress("127.0.0.2"))
            .build();

    static final Instant T0 = Instant.now().minus(Duration.ofMinutes(10)).truncatedTo(ChronoUnit.SECONDS);
    static final String PROFILE = "TEST_10x5";

    @BeforeEach
    void otherHostAnswersEverything() {
        OTHER.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200)));
    }

    private static String other(String path) {
        return "http://127.0.0.2:" + OTHER.getPort() + path;
    }

    private FeedFixture feedWithOneRow(String id, String target) {
        FeedFixture feeds = APPS.on(Databases.Backend.H2);
        FeedFixture.Source source = feeds.newSource();
        source.table().insert(1, 1, T0);
        feeds.app().profiles().upsert(new DrainProfile(PROFILE, Duration.ofSeconds(1), 10, 5, "test"));
        feeds.startFeed(FeedRow.jdbc(id, PROFILE, source.name(), target)
                .schedule("every 300ms")
                .retry(3, 100, 1000));
        return feeds;
    }

    /** Guards against proxyHost/proxyPort in the target's query string routing the request through another host. */
    @Test
    void proxy_options_in_the_target_query_reach_the_target_as_its_query_and_no_proxy_is_used() {
        String id = "probe-proxy";
        TARGET.stubFor(post(urlPathEqualTo("/" + id)).willReturn(aResponse().withStatus(201)));
        String query = "proxyHost=127.0.0.2&proxyPort=" + OTHER.getPort();

        FeedFixture feeds = feedWithOneRow(id, TARGET.baseUrl() + "/" + id + "?" + query);

        await().atMost(Duration.ofSeconds(15)).until(() -> feeds.app()
                .ledger()
                .find(id + ":1:1")
                .map(LedgerEntry::status)
                .filter(LedgerStatus.DONE::equals)
                .isPresent());
        List<LoggedRequest> posts = TargetRequests.posts(TARGET, "/" + id);
        assertThat(posts).singleElement().satisfies(r -> {
            assertThat(r.getUrl()).isEqualTo("/" + id + "?" + query);
            assertThat(r.queryParameter("proxyHost").firstValue()).isEqualTo("127.0.0.2");
            assertThat(r.getHeader("Idempotency-Key")).isEqualTo(id + ":1:1");
        });
        assertThat(OTHER.getAllServeEvents())
                .as("requests through the would-be proxy")
                .isEmpty();
    }

    /** Guards against followRedirects=true taking a row to a host off the allowlist: a 3xx is PERMANENT, unfollowed. */
    @Test
    void a_redirect_to_a_host_off_the_allowlist_is_not_followed_and_the_row_is_dead_lettered_permanent() {
        String id = "probe-redirect";
        TARGET.stubFor(post(urlPathEqualTo("/" + id))
                .willReturn(aResponse().withStatus(302).withHeader("Location", other("/stolen"))));

        FeedFixture feeds = feedWithOneRow(id, TARGET.baseUrl() + "/" + id + "?followRedirects=true");

        await().atMost(Duration.ofSeconds(15))
                .until(() -> feeds.app().deadLetters().count(id) == 1);
        DeadLetter letter = feeds.app().deadLetters().findByRoute(id).get(0);
        assertThat(letter)
                .extracting(DeadLetter::category, DeadLetter::statusCode, DeadLetter::attempts)
                .containsExactly("PERMANENT", 302, 1);
        assertThat(letter.reason()).contains("redirect to " + other("/stolen"));
        assertThat(TargetRequests.posts(TARGET, "/" + id)).hasSize(1);
        assertThat(OTHER.getAllServeEvents())
                .as("requests to the redirect's host")
                .isEmpty();
    }

    /** Guards against throwExceptionOnFailure=false or okStatusCodeRange=100-599 turning a 500 into a silent delivery. */
    @Test
    void a_500_is_retried_then_dead_lettered_whatever_the_url_says_about_status_codes() {
        String id = "probe-status";
        TARGET.stubFor(post(urlPathEqualTo("/" + id)).willReturn(aResponse().withStatus(500)));

        FeedFixture feeds = feedWithOneRow(
                id, TARGET.baseUrl() + "/" + id + "?throwExceptionOnFailure=false&okStatusCodeRange=100-599");

        await().atMost(Duration.ofSeconds(15))
                .until(() -> feeds.app().deadLetters().count(id) == 1);
        assertThat(feeds.app().deadLetters().findByRoute(id).get(0))
                .extracting(DeadLetter::category, DeadLetter::statusCode, DeadLetter::attempts)
                .containsExactly("TRANSIENT", 500, 3);
        assertThat(TargetRequests.posts(TARGET, "/" + id)).hasSize(3);
        assertThat(feeds.app().ledger().find(id + ":1:1"))
                .map(LedgerEntry::status)
                .contains(LedgerStatus.FAILED);
    }

    /**
     * Guards against a #class: reference in a URL instantiating a class (a FileOutputStream truncated or created the
     * file even though the row was then rejected): the row is refused naming its column, and the file never appears.
     */
    @Test
    void a_class_reference_in_the_target_is_refused_naming_the_column_and_creates_no_file() throws Exception {
        String id = "probe-class";
        Path file = Path.of(System.getProperty("java.io.tmpdir"), "caravan-probe-" + UUID.randomUUID());
        String target =
                TARGET.baseUrl() + "/" + id + "?httpClientConfigurer=#class:java.io.FileOutputStream('" + file + "')";
        FeedFixture feeds = APPS.on(Databases.Backend.H2);
        FeedFixture.Source source = feeds.newSource();
        feeds.app().profiles().upsert(new DrainProfile(PROFILE, Duration.ofSeconds(1), 10, 5, "test"));

        feeds.app()
                .routeConfig()
                .upsert(FeedRow.jdbc(id, PROFILE, source.name(), target).row(), "test");
        Reconciler reconciler = feeds.app().reconciler();
        reconciler.reconcile();

        assertThat(reconciler.rejected()).containsKey(id);
        assertThat(reconciler.rejected().get(id).problems())
                .extracting(ConfigProblem::column)
                .containsExactly("params.target");
        assertThat(reconciler.rejected().get(id).problems().get(0).reason()).contains("'#'");
        assertThat(reconciler.running()).doesNotContain(id);
        assertThat(Files.exists(file)).as(file + " exists").isFalse();
        assertThat(TARGET.getAllServeEvents())
                .noneMatch(e -> e.getRequest().getUrl().startsWith("/" + id));
    }

    /**
     * Guards against the HTTP source's own query string being dropped or read as client options: the keyset
     * parameters are appended to it, and proxy options in it reach the API as its query.
     */
    @Test
    void the_source_urls_own_query_is_kept_and_the_keyset_appended_to_it() {
        String id = "probe-source";
        String sourcePath = "/source/" + id;
        TARGET.stubFor(get(urlPathEqualTo(sourcePath)).willReturn(okJson("[]")));
        TARGET.stubFor(post(urlPathEqualTo("/" + id)).willReturn(aResponse().withStatus(201)));
        String query = "tenant=7&proxyHost=127.0.0.2&proxyPort=" + OTHER.getPort();
        FeedFixture feeds = APPS.on(Databases.Backend.H2);
        feeds.app().profiles().upsert(new DrainProfile(PROFILE, Duration.ofSeconds(1), 10, 5, "test"));

        feeds.startFeed(
                FeedRow.http(id, PROFILE, TARGET.baseUrl() + sourcePath + "?" + query, TARGET.baseUrl() + "/" + id)
                        .schedule("every 300ms"));
        feeds.awaitMoreExecutions(id, 1);

        List<LoggedRequest> reads = TARGET.findAll(getRequestedFor(urlPathEqualTo(sourcePath)));
        assertThat(reads).isNotEmpty().allSatisfy(r -> {
            assertThat(r.getUrl()).startsWith(sourcePath + "?" + query + "&updatedAfter=");
            assertThat(r.queryParameter("tenant").firstValue()).isEqualTo("7");
            assertThat(r.queryParameter("limit").firstValue()).isEqualTo("10");
        });
        assertThat(OTHER.getAllServeEvents())
                .as("requests through the would-be proxy")
                .isEmpty();
    }
}
