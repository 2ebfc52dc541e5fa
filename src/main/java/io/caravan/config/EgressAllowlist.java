package io.caravan.config;

import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Hosts that routes may call. Entries are exact host names or *.domain wildcards; configured by
 * caravan.egress.allowed-hosts. An empty list allows nothing.
 */
public final class EgressAllowlist {
    private final List<String> entries;

    public EgressAllowlist(List<String> entries) {
        this.entries = entries.stream()
                .map(e -> e.trim().toLowerCase(Locale.ROOT))
                .filter(e -> !e.isEmpty())
                .toList();
    }

    public static EgressAllowlist parse(String commaSeparated) {
        return new EgressAllowlist(commaSeparated == null ? List.of() : Arrays.asList(commaSeparated.split(",")));
    }

    public boolean allows(String url) {
        String host = URI.create(url.trim()).getHost();
        if (host == null) {
            return false;
        }
        String h = host.toLowerCase(Locale.ROOT);
        for (String e : entries) {
            if (e.startsWith("*.") ? h.endsWith(e.substring(1)) : h.equals(e)) {
                return true;
            }
        }
        return false;
    }

    public List<String> entries() {
        return entries;
    }
}
