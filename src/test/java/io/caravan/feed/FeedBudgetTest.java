package io.caravan.feed;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.caravan.store.DrainProfile;
import io.caravan.store.Execution;
import io.caravan.store.ExecutionStatus;
import io.caravan.testing.Databases;
import io.caravan.testing.FeedFixture;
import io.caravan.testing.FeedRow;
import io.caravan.testing.SharedFeedApps;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The drain budget: an execution takes at most max_returned_events x max_cycles rows, a backlog drains over several. */
class FeedBudgetTest {
    @RegisterExtension
    static final SharedFeedApps APPS = new SharedFeedApps();

    @RegisterExtension
    static final WireMockExtension TARGET = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort())
            .build();

    static final Instant T0 = Instant.now().minus(Duration.ofMinutes(10)).truncatedTo(ChronoUnit.SECONDS);

    /** Guards against an execution taking more than its budget, or a backlog never draining past the first budget. */
    @ParameterizedTest
    @EnumSource(Databases.Backend.class)
    void backlog_drains_at_most_one_budget_per_execution(Databases.Backend backend) {
        FeedFixture feeds = APPS.on(backend);
        FeedFixture.Source source = feeds.newSource();
        source.table().insert(1, 25, T0);
        String id = "budget-" + backend.name().toLowerCase();
        String path = "/" + id;
        TARGET.stubFor(post(urlPathEqualTo(path)).willReturn(aResponse().withStatus(201)));
        feeds.app().profiles().upsert(new DrainProfile("TEST_5x2", Duration.ofSeconds(1), 5, 2, "test"));

        feeds.startFeed(FeedRow.jdbc(id, "TEST_5x2", source.name(), TARGET.baseUrl() + path)
                .schedule("every 300ms"));

        await().atMost(Duration.ofSeconds(20))
                .until(() -> TargetRequests.posts(TARGET, path).size() >= 25);
        feeds.awaitMoreExecutions(id, 1);
        feeds.stopFeed(id);

        assertThat(TargetRequests.keys(TARGET, path)).hasSize(25).doesNotHaveDuplicates();
        List<Execution> executions = feeds.finishedExecutions(id);
        assertThat(executions).allSatisfy(e -> {
            assertThat(e.cycles()).as("cycles of execution %s", e.id()).isLessThanOrEqualTo(2);
            assertThat(e.rowsDelivered())
                    .as("rows delivered by execution %s", e.id())
                    .isLessThanOrEqualTo(10);
            assertThat(e.status()).isEqualTo(ExecutionStatus.COMPLETE);
        });
        assertThat(executions).extracting(Execution::rowsDelivered).startsWith(10, 10, 5);
        assertThat(executions).extracting(Execution::cycles).startsWith(2, 2, 1);
        assertThat(executions.stream().mapToInt(Execution::rowsDelivered).sum()).isEqualTo(25);
        // the overlap re-check (H2 gives no commit horizon) re-reads at most one budget's pages per execution and
        // resumes where the previous execution stopped; those pages are not charged to the budget
        assertThat(executions.get(1).rowsDuplicate()).isEqualTo(10);
        assertThat(executions.get(2).rowsDuplicate()).isEqualTo(10);
    }
}
