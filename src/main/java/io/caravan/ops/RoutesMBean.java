package io.caravan.ops;

/** io.caravan:type=Routes: switch route_config rows on and off, pause and resume their routes. */
public interface RoutesMBean {

    @Described("Every route_config row: enabled or disabled, paused, the Camel route's status, version")
    String[] getRoutes();

    @Described(
            value = "Enables the row (version + 1, audited); the reconciler starts the route",
            params = {"route"})
    String enable(String route);

    @Described(
            value = "Disables the row (version + 1, audited); the reconciler stops the route gracefully",
            params = {"route"})
    String disable(String route);

    @Described(
            value = "Pauses the route: it stops consuming, the row stays enabled; holds across restarts until resumed",
            params = {"route"})
    String pause(String route);

    @Described(
            value = "Ends the route's pause: it consumes again",
            params = {"route"})
    String resume(String route);
}
