package io.caravan.outbound;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The egress rule every outbound call obeys: the host must be on {@value #ALLOWED_HOSTS} (an empty list allows
 * nothing), and plain http is allowed only to hosts on {@value #PLAIN_HTTP_HOSTS} (default localhost and 127.0.0.1);
 * every other URL must be https. Entries are exact host names (or IP addresses) or {@code *.domain} wildcards,
 * compared without regard to case. Host names are compared as written, not resolved: a name on the list is trusted
 * to resolve where its owner says.
 *
 * <p>Checked twice: when a row is validated (the row is rejected naming its column) and by {@link OutboundHttp}
 * for every connection it opens, on the host it actually connects to.
 */
public final class Egress {
    public static final String ALLOWED_HOSTS = "caravan.egress.allowed-hosts";
    public static final String PLAIN_HTTP_HOSTS = "caravan.egress.plain-http-hosts";
    public static final String DEFAULT_PLAIN_HTTP_HOSTS = "localhost,127.0.0.1";

    private final List<String> allowed;
    private final List<String> plainHttp;

    private Egress(List<String> allowed, List<String> plainHttp) {
        this.allowed = allowed;
        this.plainHttp = plainHttp;
    }

    /** The rule from the two comma-separated settings; null or blank is an empty list. */
    public static Egress of(String allowedHosts, String plainHttpHosts) {
        return new Egress(entries(allowedHosts), entries(plainHttpHosts));
    }

    /** Why {@code url} may not be called, if it may not. */
    public Optional<String> problem(OutboundUrl url) {
        return problem(url.scheme(), url.host());
    }

    /** Why a connection to {@code host} over {@code scheme} may not be opened, if it may not. */
    public Optional<String> problem(String scheme, String host) {
        String h = normalHost(host);
        if (!matches(allowed, h)) {
            return Optional.of(
                    "host '" + h + "' is not on the egress allowlist " + allowed + " (" + ALLOWED_HOSTS + ")");
        }
        if (!"https".equalsIgnoreCase(scheme) && !matches(plainHttp, h)) {
            return Optional.of("must be https: plain http is allowed only for hosts on " + PLAIN_HTTP_HOSTS + " "
                    + plainHttp + ", and '" + h + "' is not one of them");
        }
        return Optional.empty();
    }

    public List<String> allowedHosts() {
        return allowed;
    }

    public List<String> plainHttpHosts() {
        return plainHttp;
    }

    static String normalHost(String host) {
        if (host == null) {
            return "";
        }
        String h = host.toLowerCase(Locale.ROOT);
        return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
    }

    private static boolean matches(List<String> entries, String host) {
        if (host.isEmpty()) {
            return false;
        }
        for (String e : entries) {
            if (e.startsWith("*.") ? host.endsWith(e.substring(1)) : host.equals(e)) {
                return true;
            }
        }
        return false;
    }

    private static List<String> entries(String commaSeparated) {
        return Arrays.stream(commaSeparated == null ? new String[0] : commaSeparated.split(","))
                .map(e -> normalHost(e.trim()))
                .filter(e -> !e.isEmpty())
                .toList();
    }
}
