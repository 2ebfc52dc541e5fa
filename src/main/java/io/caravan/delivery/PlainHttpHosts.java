package io.caravan.delivery;

import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Hosts a subscriber may be called on over plain http (caravan.egress.plain-http-hosts, e.g. localhost in local
 * mode); every other subscriber URL must be https, because the body and its signature travel in it. Entries are
 * host names or *.domain wildcards.
 */
public final class PlainHttpHosts {
    public static final String SETTING = "caravan.egress.plain-http-hosts";

    private final List<String> entries;

    private PlainHttpHosts(List<String> entries) {
        this.entries = entries;
    }

    public static PlainHttpHosts parse(String commaSeparated) {
        return new PlainHttpHosts(Arrays.stream(commaSeparated == null ? new String[0] : commaSeparated.split(","))
                .map(e -> e.trim().toLowerCase(Locale.ROOT))
                .filter(e -> !e.isEmpty())
                .toList());
    }

    /** Why {@code url} may not be called, if it may not: plain http to a host not on the list. */
    public Optional<String> problem(String url) {
        URI uri = URI.create(url.trim());
        if ("https".equalsIgnoreCase(uri.getScheme())) {
            return Optional.empty();
        }
        String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
        for (String e : entries) {
            if (e.startsWith("*.") ? host.endsWith(e.substring(1)) : host.equals(e)) {
                return Optional.empty();
            }
        }
        return Optional.of("must be https: plain http is allowed only for hosts on " + SETTING + " " + entries
                + ", and '" + host + "' is not one of them");
    }
}
