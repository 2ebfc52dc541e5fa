package io.caravan.ops.alerts;

import io.caravan.config.EgressAllowlist;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import org.apache.camel.http.base.HttpOperationFailedException;

/**
 * The one outbound HTTP call of the alerting: POST JSON, no redirects, the host checked against the egress allowlist,
 * plain http only to loopback hosts. A non-2xx answer becomes an {@link HttpOperationFailedException} so the shared
 * {@code ErrorClassifier} decides whether to retry. Kept in one class so it can move onto the outbound room's client.
 */
public final class AlertHttp {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final HttpClient client = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(TIMEOUT)
            .build();
    private final EgressAllowlist egress;

    public AlertHttp(EgressAllowlist egress) {
        this.egress = egress;
    }

    /** Why the URL may not be called, or null when it may; never quotes the URL (it may carry a signature). */
    public String refusal(String url) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            return "not a URL";
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !(scheme.equals("http") && isLoopback(host))) {
            return "needs https (plain http only to localhost)";
        }
        if (!egress.allows(url)) {
            return "host " + host + " is not in caravan.egress.allowed-hosts";
        }
        return null;
    }

    /** POSTs the body; returns on 2xx, throws otherwise (status as HttpOperationFailedException, I/O as is). */
    public void post(String url, String json) throws IOException, InterruptedException, HttpOperationFailedException {
        String refused = refusal(url);
        if (refused != null) {
            throw new IllegalStateException("alert URL refused: " + refused);
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create(url))
                .timeout(TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8))
                .build();
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        int status = response.statusCode();
        if (status < 200 || status > 299) {
            // the URI is reduced to its host: a Teams workflow URL's path and query carry its signature
            URI uri = URI.create(url);
            throw new HttpOperationFailedException(
                    uri.getScheme() + "://" + uri.getHost(),
                    status,
                    "",
                    response.headers().firstValue("Location").orElse(null),
                    Map.of(
                            "Retry-After",
                            response.headers().firstValue("Retry-After").orElse("")),
                    response.body() == null ? "" : response.body());
        }
    }

    private static boolean isLoopback(String host) {
        return host.equals("localhost") || host.equals("127.0.0.1") || host.equals("[::1]") || host.equals("::1");
    }
}
