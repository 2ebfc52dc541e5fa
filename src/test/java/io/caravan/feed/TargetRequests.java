package io.caravan.feed;

import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** What a feed's HTTP target (WireMock) received on one path, oldest first. */
final class TargetRequests {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TargetRequests() {}

    static List<LoggedRequest> posts(WireMockExtension target, String path) {
        List<LoggedRequest> posts = new ArrayList<>(target.findAll(postRequestedFor(urlPathEqualTo(path))));
        posts.sort(Comparator.comparing(LoggedRequest::getLoggedDate));
        return posts;
    }

    static List<String> keys(WireMockExtension target, String path) {
        return posts(target, path).stream()
                .map(r -> r.getHeader("Idempotency-Key"))
                .toList();
    }

    static List<LoggedRequest> postsWithKey(WireMockExtension target, String path, String key) {
        return posts(target, path).stream()
                .filter(r -> key.equals(r.getHeader("Idempotency-Key")))
                .toList();
    }

    /** The requests to the path with the status each was answered, oldest first. */
    static List<ServeEvent> served(WireMockExtension target, String path) {
        List<ServeEvent> events = new ArrayList<>(target.getAllServeEvents().stream()
                .filter(e -> e.getRequest().getUrl().split("\\?", 2)[0].equals(path))
                .toList());
        events.sort(Comparator.comparing(e -> e.getRequest().getLoggedDate()));
        return events;
    }

    static JsonNode body(LoggedRequest request) {
        try {
            return JSON.readTree(request.getBodyAsString());
        } catch (Exception e) {
            throw new AssertionError("request body is not JSON: " + request.getBodyAsString(), e);
        }
    }
}
