package io.caravan.outbound;

import io.caravan.errors.CategorizedException;
import io.caravan.errors.ErrorCategory;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.impl.routing.DefaultRoutePlanner;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.NoHttpResponseException;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.util.Timeout;

/**
 * caravan's one HTTP client: every outbound call of every family goes through {@link #execute} (webhook delivery,
 * the feed's HTTP source) or the route step {@link #send} (feed sink, drain target, trigger targets).
 *
 * <p>One configuration for all: a shared connection pool (per host and in total), connect and answer timeouts, the
 * JVM's TLS defaults with host name verification, no redirects (a 3xx is an answer: PERMANENT), no retries of its
 * own (retries are the error taxonomy's), no cookies, no proxy unless the operator configures one
 * ({@value #PROXY}). The {@link Egress} rule is checked by the route planner for every connection, on the host the
 * client actually connects to. An answer other than 2xx becomes the {@link HttpOperationFailedException} the
 * classifier knows (status, Retry-After and Location included); network failures the classifier knows pass through.
 */
public final class OutboundHttp implements AutoCloseable {
    /** The registry name of the app's one instance; routes call {@code send} on it. */
    public static final String BEAN = "caravanOutbound";
    /** The exchange property holding the {@link OutboundRequest} the next {@code send} step makes. */
    public static final String REQUEST = "caravanOutboundRequest";
    /** The endpoint a template's {@code to} uses for an HTTP target (a caravan-built URI, never a row's URL). */
    public static final String SEND_ENDPOINT = "bean:" + BEAN + "?method=send";

    public static final String CONNECT_TIMEOUT = "caravan.outbound.connect-timeout";
    public static final String RESPONSE_TIMEOUT = "caravan.outbound.response-timeout";
    public static final String MAX_CONNECTIONS = "caravan.outbound.max-connections";
    public static final String MAX_CONNECTIONS_PER_HOST = "caravan.outbound.max-connections-per-host";
    public static final String PROXY = "caravan.outbound.proxy";

    /** Body text of a failed answer kept for the dead letter's reason (the classifier shortens it further). */
    private static final int MAX_ERROR_BODY = 64 * 1024;

    /** The client's settings; {@code proxy} is host:port, or blank for none. */
    public record Settings(
            Duration connectTimeout,
            Duration responseTimeout,
            int maxConnections,
            int maxConnectionsPerHost,
            String proxy) {
        public static final Settings DEFAULT = new Settings(Duration.ofSeconds(5), Duration.ofSeconds(30), 200, 20, "");
    }

    private final Egress egress;
    private final CloseableHttpClient client;

    public OutboundHttp(Egress egress, Settings settings) {
        this.egress = egress;
        HttpHost proxy = proxy(settings.proxy());
        this.client = HttpClients.custom()
                .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                        .setMaxConnTotal(settings.maxConnections())
                        .setMaxConnPerRoute(settings.maxConnectionsPerHost())
                        .setDefaultConnectionConfig(ConnectionConfig.custom()
                                .setConnectTimeout(timeout(settings.connectTimeout()))
                                .setSocketTimeout(timeout(settings.responseTimeout()))
                                .build())
                        .build())
                .setDefaultRequestConfig(RequestConfig.custom()
                        .setRedirectsEnabled(false)
                        .setResponseTimeout(timeout(settings.responseTimeout()))
                        .setConnectionRequestTimeout(timeout(settings.responseTimeout()))
                        .build())
                .setRoutePlanner(new EgressRoutePlanner(egress, proxy))
                .disableRedirectHandling()
                .disableAutomaticRetries()
                .disableCookieManagement()
                .disableAuthCaching()
                .build();
    }

    public Egress egress() {
        return egress;
    }

    /**
     * Puts {@code request} on the exchange for the route's next {@code send} step, and its headers and body on the
     * message, so a dead letter records what was sent.
     */
    public static void prepare(Exchange exchange, OutboundRequest request) {
        exchange.setProperty(REQUEST, request);
        Message message = exchange.getMessage();
        request.headers().forEach(message::setHeader);
        message.setBody(request.body());
    }

    /**
     * The route step: makes the call a family's prepare step put on the exchange; the answer's status becomes the
     * CamelHttpResponseCode header and its text the body. Throws for anything but a 2xx answer.
     */
    public void send(Exchange exchange) throws Exception {
        OutboundRequest request = exchange.getProperty(REQUEST, OutboundRequest.class);
        if (request == null) {
            throw new IllegalStateException("no outbound request was prepared before the send step");
        }
        OutboundResponse response = execute(request);
        Message message = exchange.getMessage();
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, response.status());
        message.setBody(response.body());
    }

    /** Makes the call and returns its 2xx answer; throws what the error classifier knows otherwise. */
    public OutboundResponse execute(OutboundRequest request) throws Exception {
        HttpUriRequestBase http =
                new HttpUriRequestBase(request.method(), request.url().uri());
        String contentType = OutboundRequest.JSON;
        for (Map.Entry<String, String> h : request.headers().entrySet()) {
            if (h.getKey().equalsIgnoreCase("Content-Type")) {
                contentType = h.getValue(); // sent once, by the entity
            } else {
                http.addHeader(h.getKey(), h.getValue());
            }
        }
        if (request.body() != null) {
            http.setEntity(new ByteArrayEntity(request.body(), ContentType.parse(contentType)));
        }
        if (request.timeout() != null) {
            http.setConfig(RequestConfig.custom()
                    .setRedirectsEnabled(false)
                    .setResponseTimeout(timeout(request.timeout()))
                    .setConnectionRequestTimeout(timeout(request.timeout()))
                    .setConnectTimeout(timeout(request.timeout()))
                    .build());
        }
        Answer answer;
        try {
            answer = client.execute(http, HttpClientContext.create(), OutboundHttp::answer);
        } catch (UnknownHostException | ConnectException | SocketTimeoutException | NoHttpResponseException known) {
            throw known; // the classifier knows these
        } catch (IOException e) {
            Optional<EgressRefused> refused = refusal(e);
            if (refused.isPresent()) {
                throw new CategorizedException(
                        ErrorCategory.PERMANENT,
                        null,
                        "egress refused for " + request.url().withoutQuery() + ": "
                                + refused.get().getMessage());
            }
            throw new CategorizedException(
                    ErrorCategory.TRANSIENT,
                    null,
                    "network failure calling " + request.url().withoutQuery() + ": " + e,
                    e);
        }
        if (answer.status() >= 200 && answer.status() < 300) {
            return new OutboundResponse(answer.status(), answer.body());
        }
        String location = answer.status() >= 300 && answer.status() < 400 ? answer.location() : null;
        throw new HttpOperationFailedException(
                request.url().toString(), answer.status(), answer.reason(), location, answer.headers(), answer.body());
    }

    @Override
    public void close() throws IOException {
        client.close();
    }

    /** What came back, read while the connection is held. */
    private record Answer(int status, String reason, String location, Map<String, String> headers, String body) {}

    private static Answer answer(ClassicHttpResponse response) throws IOException {
        int status = response.getCode();
        boolean ok = status >= 200 && status < 300;
        String body = null;
        if (response.getEntity() != null) {
            try {
                body = ok
                        ? EntityUtils.toString(response.getEntity(), StandardCharsets.UTF_8)
                        : EntityUtils.toString(response.getEntity(), StandardCharsets.UTF_8, MAX_ERROR_BODY);
            } catch (org.apache.hc.core5.http.ParseException e) {
                throw new IOException("unreadable answer body: " + e.getMessage(), e);
            }
        }
        if (ok) {
            return new Answer(status, null, null, Map.of(), body);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (Header h : response.getHeaders()) {
            headers.putIfAbsent(h.getName(), h.getValue());
        }
        Header location = response.getFirstHeader("Location");
        return new Answer(
                status, response.getReasonPhrase(), location == null ? null : location.getValue(), headers, body);
    }

    private static Optional<EgressRefused> refusal(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof EgressRefused refused) {
                return Optional.of(refused);
            }
        }
        return Optional.empty();
    }

    private static HttpHost proxy(String hostAndPort) {
        if (hostAndPort == null || hostAndPort.isBlank()) {
            return null;
        }
        try {
            return HttpHost.create("http://" + hostAndPort.trim());
        } catch (java.net.URISyntaxException | IllegalArgumentException e) {
            throw new IllegalArgumentException(PROXY + " must be host:port, was '" + hostAndPort + "'", e);
        }
    }

    private static Timeout timeout(Duration d) {
        return Timeout.of(d.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The egress check on the host each connection goes to; then the operator's proxy, if any. */
    private static final class EgressRoutePlanner extends DefaultRoutePlanner {
        private final Egress egress;
        private final HttpHost proxy;

        EgressRoutePlanner(Egress egress, HttpHost proxy) {
            super(null);
            this.egress = egress;
            this.proxy = proxy;
        }

        @Override
        protected HttpHost determineProxy(HttpHost target, HttpContext context) throws HttpException {
            Optional<String> problem = egress.problem(target.getSchemeName(), target.getHostName());
            if (problem.isPresent()) {
                throw new EgressRefused(problem.get());
            }
            return proxy;
        }
    }

    /** A connection the egress rule does not allow. */
    private static final class EgressRefused extends HttpException {
        EgressRefused(String message) {
            super(message);
        }
    }
}
