package io.caravan.ops;

/** io.caravan:type=Config: the route_config table as the reconciler sees it; validate a row before writing it. */
public interface ConfigMBean {

    @Described("Route ids the reconciler runs")
    String[] getRunningRoutes();

    @Described("Each rejected row with every problem found: row, column and reason")
    String[] getRejectedRows();

    @Described("Reconciles now; returns the route ids started, re-created or stopped")
    String reconcileNow();

    @Described(
            value = "Validates one candidate row (YAML or JSON, as in routes/route-config.yaml) without applying it;"
                    + " returns the reconciler's messages, or that the row is valid",
            params = {"row"})
    String[] validateRow(String row);
}
