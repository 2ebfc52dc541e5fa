package io.caravan.ops.health;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.caravan.testing.Databases;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

class StoreHealthCheckTest {
    /** Guards against a pod staying in service without its store (nothing can be claimed or recorded). */
    @Test
    void readiness_is_down_when_the_store_cannot_be_reached_and_up_when_it_can() {
        HikariDataSource pool = Databases.pool("jdbc:h2:mem:store_check;DB_CLOSE_DELAY=-1", "sa", "");
        StoreHealthCheck check = new StoreHealthCheck(pool);
        check.setCamelContext(new DefaultCamelContext());
        assertThat(check.isReadiness()).isTrue();
        assertThat(check.isLiveness()).isFalse();
        assertThat(check.call().getState()).isEqualTo(HealthCheck.State.UP);
        pool.close();
        HealthCheck.Result down = check.call();
        assertThat(down.getState()).isEqualTo(HealthCheck.State.DOWN);
        assertThat(down.getMessage()).hasValueSatisfying(m -> assertThat(m).doesNotContain("jdbc:"));
    }
}
