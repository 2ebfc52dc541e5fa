package io.caravan;

import java.util.Optional;
import java.util.function.Function;
import javax.sql.DataSource;
import org.apache.camel.CamelContext;

/**
 * Something local mode runs in-process instead of a real system (a demo source and target today). Found with
 * {@link java.util.ServiceLoader} only when caravan.mode=local; the production build leaves the implementations
 * (package io.caravan.local) out of the jar.
 */
public interface LocalStandIn {

    /** Starts the stand-in in {@code camel}; {@code sources} resolves the configured source data sources by name. */
    void install(CamelContext camel, Function<String, Optional<DataSource>> sources);
}
