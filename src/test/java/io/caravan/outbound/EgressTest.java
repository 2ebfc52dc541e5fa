package io.caravan.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EgressTest {

    private static boolean allows(Egress egress, String url) {
        return egress.problem(OutboundUrl.parse(url)).isEmpty();
    }

    @Test
    void exact_hosts_and_wildcard_domains_are_allowed_others_are_not() {
        Egress allow = Egress.of(" sap.corp.example , *.workfront.example ", "");
        assertThat(allows(allow, "https://sap.corp.example/api")).isTrue();
        assertThat(allows(allow, "https://SAP.corp.example:8443/api")).isTrue();
        assertThat(allows(allow, "https://eu.workfront.example/x")).isTrue();
        assertThat(allows(allow, "https://workfront.example.evil.net/x")).isFalse();
        assertThat(allows(allow, "https://evilsap.corp.example/x")).isFalse();
        assertThat(allows(allow, "https://sap.corp.example.evil.net/x")).isFalse();
        assertThat(allows(allow, "https://sap.corp.example./x"))
                .as("a trailing dot is another name")
                .isFalse();
    }

    @Test
    void an_empty_allowlist_allows_nothing() {
        assertThat(allows(Egress.of("", "localhost"), "http://localhost/x")).isFalse();
        assertThat(allows(Egress.of(null, "localhost"), "http://localhost/x")).isFalse();
    }

    /** Guards against plain http to a peer off the machine for any family, not only webhook delivery. */
    @Test
    void plain_http_is_allowed_only_to_the_plain_http_hosts() {
        Egress egress = Egress.of("localhost,127.0.0.1,sap.corp.example", Egress.DEFAULT_PLAIN_HTTP_HOSTS);
        assertThat(allows(egress, "http://localhost:8080/x")).isTrue();
        assertThat(allows(egress, "http://127.0.0.1:8080/x")).isTrue();
        assertThat(allows(egress, "https://sap.corp.example/x")).isTrue();
        assertThat(egress.problem(OutboundUrl.parse("http://sap.corp.example/x")))
                .contains("must be https: plain http is allowed only for hosts on caravan.egress.plain-http-hosts "
                        + "[localhost, 127.0.0.1], and 'sap.corp.example' is not one of them");
        assertThat(egress.problem(OutboundUrl.parse("https://127.0.0.2/x")))
                .contains("host '127.0.0.2' is not on the egress allowlist [localhost, 127.0.0.1, sap.corp.example] "
                        + "(caravan.egress.allowed-hosts)");
    }
}
