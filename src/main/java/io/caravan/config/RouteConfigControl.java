package io.caravan.config;

import java.lang.management.ManagementFactory;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/** Registers {@link RouteConfigControlMBean} as io.caravan:type=RouteConfig on the platform MBean server. */
public final class RouteConfigControl implements RouteConfigControlMBean {
    public static final String OBJECT_NAME = "io.caravan:type=RouteConfig";
    private final Reconciler reconciler;

    private RouteConfigControl(Reconciler reconciler) {
        this.reconciler = reconciler;
    }

    /** Registers the MBean, replacing one left by an earlier context in the same JVM (tests). */
    public static void register(Reconciler reconciler) {
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            ObjectName name = new ObjectName(OBJECT_NAME);
            if (server.isRegistered(name)) {
                server.unregisterMBean(name);
            }
            server.registerMBean(new RouteConfigControl(reconciler), name);
        } catch (Exception e) {
            throw new IllegalStateException("cannot register " + OBJECT_NAME, e);
        }
    }

    @Override
    public String reconcileNow() {
        return "changed: " + reconciler.reconcile();
    }

    @Override
    public String[] getRunningRoutes() {
        return reconciler.running().stream().sorted().toArray(String[]::new);
    }

    @Override
    public String[] getRejectedRows() {
        return reconciler.rejected().values().stream()
                .flatMap(r -> r.problems().stream())
                .map(ConfigProblem::message)
                .sorted()
                .toArray(String[]::new);
    }
}
