package io.caravan.ops.alerts;

import io.caravan.outbound.OutboundHttp;
import io.caravan.outbound.OutboundRequest;
import io.caravan.outbound.OutboundUrl;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.camel.http.base.HttpOperationFailedException;

/**
 * The alerting's outbound call: a JSON POST through caravan's one HTTP client ({@link OutboundHttp}: the egress rule
 * on the host actually connected, https except for the plain-http hosts, no redirects). A non-2xx answer is the
 * {@link HttpOperationFailedException} the shared ErrorClassifier knows, re-thrown with the URI cut to scheme and host:
 * a Teams workflow URL's path and query carry its id and signature, and the exception's text reaches logs and
 * alert_event.
 */
public final class AlertHttp {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final OutboundHttp outbound;

    public AlertHttp(OutboundHttp outbound) {
        this.outbound = outbound;
    }

    /** Why the URL may not be called, or null when it may; never quotes the URL (it may carry a signature). */
    public String refusal(String url) {
        OutboundUrl parsed;
        try {
            parsed = OutboundUrl.parse(url);
        } catch (IllegalArgumentException e) {
            return "is not a usable URL";
        }
        return outbound.egress().problem(parsed).orElse(null);
    }

    /** POSTs the JSON body; returns on 2xx, throws otherwise (what the error classifier knows). */
    public void post(String url, String json) throws Exception {
        OutboundUrl target = OutboundUrl.parse(url);
        try {
            outbound.execute(OutboundRequest.postJson(target, null, json.getBytes(StandardCharsets.UTF_8))
                    .withTimeout(TIMEOUT));
        } catch (HttpOperationFailedException e) {
            URI uri = target.uri();
            throw new HttpOperationFailedException(
                    uri.getScheme() + "://" + uri.getHost(),
                    e.getStatusCode(),
                    e.getStatusText(),
                    e.getRedirectLocation(),
                    e.getResponseHeaders(),
                    e.getResponseBody());
        }
    }
}
