package io.caravan.errors;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryPoliciesTest {

    private final RetryPolicy patient = new RetryPolicy(8, Duration.ofSeconds(1), Duration.ofMinutes(1), 2.0, 0.2);

    @Test
    void a_route_without_its_own_policy_gets_the_default() {
        assertThat(new RetryPolicies().forRoute("orders-to-crm")).isEqualTo(RetryPolicy.DEFAULT);
        assertThat(new RetryPolicies().forRoute(null)).isEqualTo(RetryPolicy.DEFAULT);
    }

    @Test
    void a_route_gets_its_policy_until_it_is_removed() {
        RetryPolicies policies = new RetryPolicies();

        policies.put("orders-to-crm", patient);
        assertThat(policies.forRoute("orders-to-crm")).isEqualTo(patient);
        assertThat(policies.forRoute("other")).isEqualTo(RetryPolicy.DEFAULT);

        policies.remove("orders-to-crm");
        assertThat(policies.forRoute("orders-to-crm")).isEqualTo(RetryPolicy.DEFAULT);
    }
}
