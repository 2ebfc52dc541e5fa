package io.caravan.outbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OutboundUrlTest {

    @Test
    void a_url_keeps_scheme_host_port_path_and_query_as_written() {
        OutboundUrl url = OutboundUrl.parse("https://SAP.corp.example:8443/api/hours?client=100&proxyHost=x");
        assertThat(url.scheme()).isEqualTo("https");
        assertThat(url.host()).isEqualTo("sap.corp.example");
        assertThat(url.uri().getPort()).isEqualTo(8443);
        assertThat(url.uri().getRawQuery()).isEqualTo("client=100&proxyHost=x");
        assertThat(url.withoutQuery()).isEqualTo("https://SAP.corp.example:8443/api/hours");
        assertThat(OutboundUrl.parse("http://[::1]:8080/x").host()).isEqualTo("::1");
    }

    @Test
    void keyset_parameters_are_appended_encoded_to_the_urls_own_query_string() {
        Map<String, String> keyset = new LinkedHashMap<>();
        keyset.put("updatedAfter", "2026-01-01T00:00:00Z");
        keyset.put("afterId", "a b&c");
        assertThat(OutboundUrl.parse("http://localhost/items?tenant=7")
                        .withQueryParameters(keyset)
                        .toString())
                .isEqualTo("http://localhost/items?tenant=7&updatedAfter=2026-01-01T00%3A00%3A00Z&afterId=a+b%26c");
        assertThat(OutboundUrl.parse("http://localhost/items")
                        .withQueryParameters(Map.of("limit", "5"))
                        .toString())
                .isEqualTo("http://localhost/items?limit=5");
    }

    /** Guards against row text that means something to Camel or carries secrets being accepted as a URL. */
    @Test
    void text_that_is_not_plain_http_data_is_refused_with_a_precise_message() {
        assertRefused("http://localhost/x\u0000y", "contains whitespace or a control character at position 19");
        assertRefused("http://localhost/x\ty", "contains whitespace or a control character at position 19");
        assertRefused(" http://localhost/x", "contains whitespace or a control character at position 1");
        assertRefused("http://localhost/x\u00a0", "contains whitespace or a control character at position 19");
        assertRefused("http://localhost/x#frag", "contains a '#'");
        assertRefused("http://localhost/x?a=#bean:evil", "contains a '#'");
        assertRefused("http://localhost/{{x}}", "contains '{{'");
        assertRefused("http://localhost/x}}", "contains '}}'");
        assertRefused("http://localhost/x?a=raw(b)", "contains 'RAW('");
        assertRefused("http://user:pw@localhost/x", "must not carry credentials");
        assertRefused("http://user@localhost/x", "must not carry credentials");
        assertRefused("ftp://localhost/x", "must be an http:// or https:// URL");
        assertRefused("mailto:a@b", "must be an http:// or https:// URL");
        assertRefused("/relative", "must be an http:// or https:// URL");
        assertRefused("http://bad_host/x", "has no host name");
        assertRefused("http://localhost:0/x", "port 0 is not between 1 and 65535");
        assertRefused("http://localhost/x|y", "is not a URL: Illegal character in path at position 19");
        assertRefused("", "must be an http or https URL, was empty");
        assertRefused("http://localhost/" + "a".repeat(3000), "is longer than 2048 characters");
    }

    private static void assertRefused(String text, String message) {
        assertThatThrownBy(() -> OutboundUrl.parse(text))
                .as(text)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(message);
    }
}
