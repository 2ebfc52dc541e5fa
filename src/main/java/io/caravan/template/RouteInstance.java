package io.caravan.template;

import java.util.Map;

/** The runtime of one route_config row: what the reconciler binds and passes to the Camel template. */
public interface RouteInstance extends AutoCloseable {

    /** Values for the YAML template's parameters (exactly the ones the template declares). */
    Map<String, Object> templateParameters();

    /** Beans to bind in the registry while the route exists, by name. */
    Map<String, Object> beans();

    /** Releases what the instance holds (pools, meters); called after its route is removed. */
    @Override
    void close();

    /** An instance of fixed parameters and beans; {@code release} runs on {@link #close()}. */
    static RouteInstance of(Map<String, Object> templateParameters, Map<String, Object> beans, Runnable release) {
        Map<String, Object> parameters = Map.copyOf(templateParameters);
        Map<String, Object> bound = Map.copyOf(beans);
        return new RouteInstance() {
            @Override
            public Map<String, Object> templateParameters() {
                return parameters;
            }

            @Override
            public Map<String, Object> beans() {
                return bound;
            }

            @Override
            public void close() {
                release.run();
            }
        };
    }
}
