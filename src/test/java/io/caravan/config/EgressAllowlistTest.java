package io.caravan.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EgressAllowlistTest {

    @Test
    void exact_hosts_and_wildcard_domains_are_allowed_others_are_not() {
        EgressAllowlist allow = EgressAllowlist.parse(" sap.corp.example , *.workfront.example ");
        assertThat(allow.allows("https://sap.corp.example/api")).isTrue();
        assertThat(allow.allows("https://SAP.corp.example:8443/api")).isTrue();
        assertThat(allow.allows("https://eu.workfront.example/x")).isTrue();
        assertThat(allow.allows("https://workfront.example.evil.net/x")).isFalse();
        assertThat(allow.allows("https://evilsap.corp.example/x")).isFalse();
        assertThat(allow.allows("https://sap.corp.example.evil.net/x")).isFalse();
    }

    @Test
    void an_empty_allowlist_allows_nothing() {
        assertThat(EgressAllowlist.parse("").allows("http://localhost/x")).isFalse();
        assertThat(EgressAllowlist.parse(null).allows("http://localhost/x")).isFalse();
    }
}
