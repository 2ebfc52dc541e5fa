package io.caravan.feed;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
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
import io.caravan.store.DrainProfile;
import io.caravan.store.Execution;
import io.caravan.store.ExecutionStatus;
import io.caravan.store.Watermark;
import io.caravan.testing.Databases;
import io.caravan.testing.FeedFixture;
import io.caravan.testing.FeedRow;
import io.caravan.testing.SharedFeedApps;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.apache.camel.ServiceStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The HTTP-API source variant (sourceKind http), with WireMock serving the source API as well as the target. */
class FeedHttpSourceTest {
    @RegisterExtension
    static final SharedFeedApps APPS = new SharedFeedApps();

    @RegisterExtension
    static final WireMockExtension PEER = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort())
            .build();

    static final Instant T0 = Instant.now().minus(Duration.ofMinutes(10)).truncatedTo(ChronoUnit.SECONDS);

    @Test
    void rows_of_an_http_source_are_delivered_page_by_page() {
        FeedFixture feeds = APPS.on(Databases.Backend.H2);
        String id = "api";
        String sourcePath = "/source/" + id;
        String path = "/" + id;
        // a first page for a cursor without an id (the origin or the overlap), nothing after the last row
        PEER.stubFor(get(urlPathEqualTo(sourcePath))
                .atPriority(1)
                .withQueryParam("afterId", equalTo(""))
                .willReturn(okJson(items(1, 3))));
        PEER.stubFor(get(urlPathEqualTo(sourcePath)).atPriority(5).willReturn(okJson("[]")));
        PEER.stubFor(post(urlPathEqualTo(path)).willReturn(aResponse().withStatus(201)));
        feeds.app().profiles().upsert(new DrainProfile("TEST_3x2", Duration.ofSeconds(1), 3, 2, "test"));

        feeds.startFeed(FeedRow.http(id, "TEST_3x2", PEER.baseUrl() + sourcePath, PEER.baseUrl() + path)
                .schedule("every 300ms"));

        await().atMost(Duration.ofSeconds(20))
                .until(() -> TargetRequests.posts(PEER, path).size() >= 3);
        feeds.awaitMoreExecutions(id, 2);
        assertThat(TargetRequests.keys(PEER, path)).containsExactlyInAnyOrder(id + ":1:1", id + ":2:1", id + ":3:1");
        assertThat(TargetRequests.body(TargetRequests.postsWithKey(PEER, path, id + ":2:1")
                                .get(0))
                        .get("payload")
                        .asText())
                .isEqualTo("api-2");
        List<LoggedRequest> reads = PEER.findAll(getRequestedFor(urlPathEqualTo(sourcePath)));
        assertThat(reads).anySatisfy(r -> {
            assertThat(r.queryParameter("updatedAfter").firstValue()).isEqualTo("1970-01-01T00:00:00Z");
            assertThat(r.queryParameter("afterId").firstValue()).isEmpty();
            assertThat(r.queryParameter("limit").firstValue()).isEqualTo("3");
        });
        // the full first page is followed by a request after its last row, answered with an empty page
        assertThat(reads).anySatisfy(r -> {
            assertThat(r.queryParameter("updatedAfter").firstValue())
                    .isEqualTo(T0.plusSeconds(3).toString());
            assertThat(r.queryParameter("afterId").firstValue()).isEqualTo("3");
        });
        assertThat(feeds.app().watermarks().find(id)).contains(new Watermark(T0.plusSeconds(3), "3"));
        assertThat(feeds.finishedExecutions(id).get(0))
                .extracting(Execution::cycles, Execution::rowsDelivered, Execution::status)
                .containsExactly(1, 3, ExecutionStatus.COMPLETE);
    }

    /** Guards against a short page not ending the execution: the source would be asked again for nothing new. */
    @Test
    void short_page_ends_the_execution_without_asking_the_source_again() {
        FeedFixture feeds = APPS.on(Databases.Backend.H2);
        String id = "api-short";
        String sourcePath = "/source/" + id;
        String path = "/" + id;
        PEER.stubFor(get(urlPathEqualTo(sourcePath)).willReturn(okJson(items(1, 2))));
        PEER.stubFor(post(urlPathEqualTo(path)).willReturn(aResponse().withStatus(201)));
        feeds.app().profiles().upsert(new DrainProfile("TEST_5x3", Duration.ofSeconds(1), 5, 3, "test"));
        feeds.startFeed(FeedRow.http(id, "TEST_5x3", PEER.baseUrl() + sourcePath, PEER.baseUrl() + path)
                .schedule("every 300ms"));

        await().atMost(Duration.ofSeconds(20))
                .until(() -> TargetRequests.posts(PEER, path).size() >= 2);
        feeds.awaitMoreExecutions(id, 2);
        feeds.stopFeed(id);

        List<Execution> executions = feeds.finishedExecutions(id);
        assertThat(PEER.findAll(getRequestedFor(urlPathEqualTo(sourcePath))))
                .as("one page per execution")
                .hasSize(executions.size());
        assertThat(executions).allSatisfy(e -> assertThat(e.rowsRead()).isEqualTo(2));
        assertThat(executions.get(0))
                .extracting(Execution::cycles, Execution::rowsDelivered)
                .containsExactly(1, 2);
        assertThat(TargetRequests.keys(PEER, path)).hasSize(2).doesNotHaveDuplicates();
    }

    /** Guards against a broken source answer passing silently, stopping the route, or disturbing other routes. */
    @Test
    void malformed_source_answer_marks_the_execution_incomplete_and_other_routes_keep_running() {
        FeedFixture feeds = APPS.on(Databases.Backend.H2);
        String broken = "api-broken";
        String brokenSource = "/source/" + broken;
        PEER.stubFor(get(urlPathEqualTo(brokenSource))
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("Content-Type", "text/html")
                        .withBody("<html>maintenance</html>")));
        PEER.stubFor(post(urlPathEqualTo("/" + broken)).willReturn(aResponse().withStatus(201)));
        String healthy = "beside-broken";
        FeedFixture.Source source = feeds.newSource();
        source.table().insert(1, 2, T0);
        PEER.stubFor(post(urlPathEqualTo("/" + healthy)).willReturn(aResponse().withStatus(201)));
        feeds.app().profiles().upsert(new DrainProfile("TEST_10x5", Duration.ofSeconds(1), 10, 5, "test"));
        feeds.startFeed(FeedRow.jdbc(healthy, "TEST_10x5", source.name(), PEER.baseUrl() + "/" + healthy)
                .schedule("every 300ms"));
        await().atMost(Duration.ofSeconds(20))
                .until(() -> TargetRequests.posts(PEER, "/" + healthy).size() >= 2);

        feeds.startFeed(FeedRow.http(broken, "TEST_10x5", PEER.baseUrl() + brokenSource, PEER.baseUrl() + "/" + broken)
                .schedule("every 300ms"));
        feeds.awaitMoreExecutions(broken, 2);
        source.table().insert(3, 1, "after the broken source", T0.plusSeconds(60));

        await().atMost(Duration.ofSeconds(10))
                .until(() -> TargetRequests.posts(PEER, "/" + healthy).size() >= 3);
        List<Execution> brokenExecutions = feeds.finishedExecutions(broken);
        assertThat(brokenExecutions).isNotEmpty().allSatisfy(e -> {
            assertThat(e.status()).isEqualTo(ExecutionStatus.INCOMPLETE);
            assertThat(e.endedAt()).isNotNull();
            assertThat(e.detail())
                    .contains("reading or claiming a page failed")
                    .contains("did not answer JSON")
                    .contains(brokenSource);
        });
        assertThat(feeds.app().camel().getRouteController().getRouteStatus(broken))
                .isEqualTo(ServiceStatus.Started);
        assertThat(feeds.app().watermarks().find(broken)).isEmpty();
        assertThat(TargetRequests.posts(PEER, "/" + broken)).isEmpty();
        assertThat(feeds.finishedExecutions(healthy))
                .allSatisfy(e -> assertThat(e.status()).isEqualTo(ExecutionStatus.COMPLETE));
        assertThat(TargetRequests.keys(PEER, "/" + healthy))
                .containsExactlyInAnyOrder(healthy + ":1:1", healthy + ":2:1", healthy + ":3:1");
    }

    /** Rows first..last as the source API answers them: id, revision, payload, updated_at at T0 + id seconds. */
    private static String items(int first, int last) {
        StringBuilder json = new StringBuilder("[");
        for (int i = first; i <= last; i++) {
            json.append(i == first ? "" : ",")
                    .append("{\"id\":")
                    .append(i)
                    .append(",\"revision\":1,\"payload\":\"api-")
                    .append(i)
                    .append("\",\"updated_at\":\"")
                    .append(T0.plusSeconds(i))
                    .append("\"}");
        }
        return json.append("]").toString();
    }
}
