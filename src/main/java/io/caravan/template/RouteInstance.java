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
}
