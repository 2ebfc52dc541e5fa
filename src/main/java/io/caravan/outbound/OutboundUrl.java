package io.caravan.outbound;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/**
 * A URL a row gives caravan to call: http or https, a host, an optional port, path and query, nothing else. It is
 * data for the peer, never part of a Camel endpoint URI: the query string is the peer's query string.
 *
 * <p>{@link #parse} rejects, with a message saying what and where, anything that would mean something to Camel or
 * carry what belongs elsewhere: a {@code #} (fragments, {@code #bean:} and {@code #class:} references), property
 * placeholders {@code {{ }}}, {@code RAW(}, {@code ${}, credentials in the authority, whitespace and control
 * characters.
 */
public final class OutboundUrl {
    static final int MAX_LENGTH = 2048;

    private final URI uri;
    private final String scheme;
    private final String host;

    private OutboundUrl(URI uri) {
        this.uri = uri;
        this.scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        this.host = Egress.normalHost(uri.getHost());
    }

    /** The URL {@code text} means, or an {@link IllegalArgumentException} whose message says what is wrong. */
    public static OutboundUrl parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("must be an http or https URL, was empty");
        }
        if (text.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("is longer than " + MAX_LENGTH + " characters");
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c) || Character.isISOControl(c) || Character.isSpaceChar(c)) {
                throw new IllegalArgumentException(
                        "contains whitespace or a control character at position " + (i + 1) + "; encode it (%20)");
            }
        }
        refuse(text, "#", "a '#' (fragments and #bean/#class references are not part of a URL caravan calls)");
        refuse(text, "{{", "'{{' (property placeholders are not allowed in a URL)");
        refuse(text, "}}", "'}}' (property placeholders are not allowed in a URL)");
        refuse(text, "${", "'${' (expressions are not allowed in a URL)");
        if (text.toUpperCase(Locale.ROOT).contains("RAW(")) {
            throw new IllegalArgumentException("contains 'RAW(' (Camel endpoint syntax is not allowed in a URL)");
        }
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(
                    "is not a URL: " + e.getReason() + (e.getIndex() >= 0 ? " at position " + (e.getIndex() + 1) : ""));
        }
        String scheme = uri.getScheme();
        if (scheme == null
                || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
                || uri.isOpaque()) {
            throw new IllegalArgumentException("must be an http:// or https:// URL");
        }
        if (uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException(
                    "must not carry credentials (user:password@host); give them as a secret reference");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException(
                    "has no host name caravan can call (letters, digits, '-' and '.', or an IP address)");
        }
        if (uri.getPort() == 0 || uri.getPort() > 65535) {
            throw new IllegalArgumentException("port " + uri.getPort() + " is not between 1 and 65535");
        }
        return new OutboundUrl(uri);
    }

    private static void refuse(String text, String token, String what) {
        int at = text.indexOf(token);
        if (at >= 0) {
            throw new IllegalArgumentException("contains " + what + " at position " + (at + 1));
        }
    }

    /** This URL with {@code parameters} appended to its own query string (names and values are encoded here). */
    public OutboundUrl withQueryParameters(Map<String, String> parameters) {
        StringBuilder query = new StringBuilder(uri.getRawQuery() == null ? "" : uri.getRawQuery());
        parameters.forEach((name, value) -> {
            if (!query.isEmpty()) {
                query.append('&');
            }
            query.append(encode(name)).append('=').append(encode(value));
        });
        String text = uri.toString();
        int q = text.indexOf('?');
        return new OutboundUrl(URI.create((q < 0 ? text : text.substring(0, q)) + "?" + query));
    }

    public URI uri() {
        return uri;
    }

    /** http or https, in lower case. */
    public String scheme() {
        return scheme;
    }

    /** The host name or IP address, in lower case, without the brackets of an IPv6 literal. */
    public String host() {
        return host;
    }

    /** The URL without its query string: for reasons and log lines, since query strings often carry API keys. */
    public String withoutQuery() {
        String text = uri.toString();
        int q = text.indexOf('?');
        return q < 0 ? text : text.substring(0, q);
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OutboundUrl other && uri.toString().equals(other.uri.toString());
    }

    @Override
    public int hashCode() {
        return uri.toString().hashCode();
    }

    @Override
    public String toString() {
        return uri.toString();
    }
}
