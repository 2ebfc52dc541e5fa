package io.caravan.errors;

import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.core5.http.NoHttpResponseException;
import org.apache.kafka.common.errors.RetriableException;

/**
 * The one place that decides the {@link ErrorCategory} of a failure. It walks the cause chain from the
 * outside in and the first link it recognises decides; an unrecognised chain is {@link ErrorCategory#SYSTEM}.
 *
 * <p>An unknown host is PERMANENT: a name that does not resolve is nearly always a wrong base URL in the
 * route's config, which retries would only hide; the alert makes it visible and the dead letters can be
 * replayed once the row is fixed.
 */
public final class ErrorClassifier {

    static final int MAX_BODY_CHARS = 500;
    private static final int MAX_MESSAGE_CHARS = 300;

    public Classification classify(Throwable failure) {
        if (failure == null) {
            return Classification.of(ErrorCategory.SYSTEM, null, "failure without an exception");
        }
        Set<Throwable> seen = new HashSet<>();
        for (Throwable t = failure; t != null && seen.add(t); t = t.getCause()) {
            Classification known = recognise(t);
            if (known != null) {
                return known;
            }
        }
        return Classification.of(ErrorCategory.SYSTEM, null, describe(failure));
    }

    private Classification recognise(Throwable t) {
        if (t instanceof CategorizedException categorized) {
            return Classification.of(categorized.category(), categorized.statusCode(), describe(t));
        }
        if (t instanceof HttpOperationFailedException http) {
            return httpStatus(http);
        }
        if (t instanceof DataQualityException dataQuality) {
            return Classification.of(ErrorCategory.DATA_QUALITY, null, "invalid payload: " + dataQuality.getMessage());
        }
        // only reading can be the payload's fault; a Jackson failure while writing is caravan's bug (SYSTEM)
        if (t instanceof StreamReadException || t instanceof MismatchedInputException) {
            return Classification.of(ErrorCategory.DATA_QUALITY, null, "unparseable payload: " + firstLine(t));
        }
        // the broker did not answer in time or not yet (timeouts, leader elections, too few in-sync replicas)
        if (t instanceof RetriableException) {
            return Classification.of(ErrorCategory.TRANSIENT, null, "Kafka: " + describe(t));
        }
        if (t instanceof UnknownHostException) {
            return Classification.of(
                    ErrorCategory.PERMANENT, null, "unknown host " + t.getMessage() + " (check the route's URL)");
        }
        return connectionFailure(t);
    }

    private static Classification httpStatus(HttpOperationFailedException http) {
        int status = http.getStatusCode();
        String reason = "HTTP " + status + " from " + withoutQuery(http.getUri()) + body(http.getResponseBody());
        if (status == 401 || status == 403) {
            reason = reason + " (credentials rejected: configuration error)";
        } else if (http.hasRedirectLocation()) {
            reason = reason + " (redirect to " + withoutQuery(http.getRedirectLocation()) + ")";
        }
        boolean transientStatus = status == 408 || status == 429 || status >= 500;
        return new Classification(
                transientStatus ? ErrorCategory.TRANSIENT : ErrorCategory.PERMANENT,
                status,
                reason,
                header(http.getResponseHeaders(), "Retry-After"));
    }

    private static Classification connectionFailure(Throwable t) {
        String kind;
        if (t instanceof ConnectTimeoutException) {
            kind = "connect timeout";
        } else if (t instanceof SocketTimeoutException) {
            kind = String.valueOf(t.getMessage()).toLowerCase().contains("connect")
                    ? "connect timeout"
                    : "read timeout";
        } else if (t instanceof HttpTimeoutException) {
            kind = "HTTP timeout";
        } else if (t instanceof ConnectException) {
            kind = "connection refused";
        } else if (t instanceof NoRouteToHostException) {
            kind = "no route to host";
        } else if (t instanceof NoHttpResponseException) {
            kind = "no HTTP response";
        } else {
            return null;
        }
        return Classification.of(ErrorCategory.TRANSIENT, null, kind + ": " + firstLine(t));
    }

    private static String body(String responseBody) {
        if (responseBody == null || responseBody.isBlank()) {
            return "";
        }
        String body = responseBody.strip();
        return ": " + (body.length() > MAX_BODY_CHARS ? body.substring(0, MAX_BODY_CHARS) + "…" : body);
    }

    /** Query strings carry API keys often enough that a reason never shows them. */
    static String withoutQuery(String uri) {
        if (uri == null) {
            return "unknown URI";
        }
        try {
            URI parsed = URI.create(uri);
            return new URI(parsed.getScheme(), null, parsed.getHost(), parsed.getPort(), parsed.getPath(), null, null)
                    .toString();
        } catch (Exception malformed) {
            int query = uri.indexOf('?');
            return query < 0 ? uri : uri.substring(0, query);
        }
    }

    private static String header(Map<String, String> headers, String name) {
        if (headers == null) {
            return null;
        }
        return headers.entrySet().stream()
                .filter(e -> name.equalsIgnoreCase(e.getKey()))
                .map(Map.Entry::getValue)
                .findFirst()
                .orElse(null);
    }

    private static String describe(Throwable t) {
        return t.getClass().getSimpleName() + ": " + firstLine(t);
    }

    private static String firstLine(Throwable t) {
        String message = String.valueOf(t.getMessage()).strip();
        int newline = message.indexOf('\n');
        String line = newline < 0 ? message : message.substring(0, newline);
        return line.length() > MAX_MESSAGE_CHARS ? line.substring(0, MAX_MESSAGE_CHARS) + "…" : line;
    }
}
