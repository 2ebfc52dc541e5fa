package io.caravan.config;

/** JMX (Hawtio) view of the route config table: reconcile on demand, see what runs and what is rejected. */
public interface RouteConfigControlMBean {

    /** Reconciles now; returns the route ids started, re-created or stopped. */
    String reconcileNow();

    String[] getRunningRoutes();

    /** Each rejected row with every problem found, as the log reports it. */
    String[] getRejectedRows();
}
