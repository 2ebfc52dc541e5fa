package io.caravan.ops.health;

import java.sql.Connection;
import java.util.Map;
import javax.sql.DataSource;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Readiness: DOWN when caravan's store cannot hand out a valid connection within 2 seconds. Without its store the
 * instance is useless (no ledger, no watermarks, no dead letters), which is one of the two reasons readiness may fail
 * (the other, a context not started, is Camel's own check); one route's trouble never is.
 */
public final class StoreHealthCheck extends AbstractHealthCheck {
    private static final int TIMEOUT_SECONDS = 2;
    private final DataSource store;

    public StoreHealthCheck(DataSource store) {
        super("caravan", "store");
        this.store = store;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        try (Connection c = store.getConnection()) {
            if (c.isValid(TIMEOUT_SECONDS)) {
                builder.up();
                return;
            }
            builder.message("the store's connection is not valid");
        } catch (Exception e) {
            // the message may name the host; the exception class is enough here, the log has the rest
            builder.message("the store cannot be reached (" + e.getClass().getSimpleName() + ")");
        }
        builder.down();
    }
}
