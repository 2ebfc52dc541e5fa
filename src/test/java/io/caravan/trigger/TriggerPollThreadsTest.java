package io.caravan.trigger;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.caravan.testing.Databases;
import io.caravan.testing.TriggerFixture;
import io.caravan.testing.TriggerFixture.Customer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Trigger rows' receives and processing on the shared poll threads (caravan.trigger.poll-threads). */
class TriggerPollThreadsTest {
    static TriggerFixture triggers;

    @BeforeAll
    static void start() {
        triggers = TriggerFixture.start(Databases.Backend.H2, Map.of("caravan.trigger.poll-threads", "1"));
    }

    @AfterAll
    static void stop() {
        triggers.close();
    }

    /**
     * Guards against a busy queue keeping a shared poll thread for as long as its messages come (a greedy consumer),
     * so that another row's queue on the same threads waits for the whole backlog.
     */
    @Test
    void a_busy_queue_does_not_hold_the_shared_poll_thread_until_its_backlog_is_done() {
        Customer busy = triggers.customer(Map.of("maxMessagesPerPoll", "1"));
        Customer other = triggers.customer();
        List<String> backlog = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String change = triggers.newChangeId();
            triggers.target()
                    .stubFor(post(urlPathEqualTo("/process"))
                            .withHeader("Caravan-Change-Id", equalTo(change))
                            .willReturn(aResponse().withStatus(200).withFixedDelay(800)));
            backlog.add(change);
        }
        backlog.forEach(change -> triggers.change(change, busy));
        await().atMost(Duration.ofSeconds(30))
                .until(() -> !triggers.requests("/process", backlog.get(0)).isEmpty());

        String change = triggers.newChangeId();
        triggers.change(change, other);

        await().atMost(Duration.ofSeconds(60))
                .until(() -> !triggers.requests("/process", backlog.get(4)).isEmpty()
                        && !triggers.requests("/process", change).isEmpty());
        assertThat(arrival(change))
                .as("the other queue's change is processed before the busy queue's backlog is done")
                .isBefore(arrival(backlog.get(4)));
    }

    static Date arrival(String change) {
        ServeEvent first = triggers.requests("/process", change).get(0);
        return first.getRequest().getLoggedDate();
    }
}
