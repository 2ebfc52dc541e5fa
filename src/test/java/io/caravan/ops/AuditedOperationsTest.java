package io.caravan.ops;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AuditedOperationsTest {

    /** Guards against ops_audit keeping a secret an operator pasted into an argument (a candidate row). */
    @Test
    void secret_looking_arguments_and_fields_are_redacted_and_the_rest_is_kept() {
        String yaml = "routeId: hooks\nparams:\n  secret: whsec_abc123\n  target: https://example.com/hook\n";
        String json = "{\"routeId\": \"hooks\", \"params\": {\"signingSecret\": \"whsec_x\\\"y\", \"apiKey\": 42}}";

        String audited = AuditedOperations.redacted(
                AuditedOperations.args("row", yaml, "json", json, "password", "hunter2", "route", "hooks"));

        assertThat(audited)
                .doesNotContain("whsec_abc123")
                .doesNotContain("whsec_x")
                .doesNotContain("42")
                .doesNotContain("hunter2")
                .contains("https://example.com/hook")
                .contains("\"password\":\"***\"")
                .contains("\"route\":\"hooks\"");
    }

    /** Guards against an operation without an authenticated user being audited under someone else's name. */
    @Test
    void the_principal_is_the_jolokia_user_only_while_its_request_runs() {
        String[] seen = new String[2];
        Operator.asJolokiaUser("ops", () -> seen[0] = Operator.current());
        Operator.asJolokiaUser(null, () -> seen[1] = Operator.current());

        assertThat(seen).containsExactly("jolokia:ops", "jolokia:anonymous");
        assertThat(Operator.current()).isEqualTo(Operator.LOCAL_JMX);
    }
}
