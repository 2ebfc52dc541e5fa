package io.caravan.ops.health;

import java.lang.management.ManagementFactory;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/** Registers caravan's operations MBeans in the platform MBean server, replacing one of the same name (a restart). */
public final class PlatformMBeans {
    private PlatformMBeans() {}

    public static void register(String objectName, Object mbean) {
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            ObjectName name = new ObjectName(objectName);
            if (server.isRegistered(name)) {
                server.unregisterMBean(name);
            }
            server.registerMBean(mbean, name);
        } catch (Exception e) {
            throw new IllegalStateException("cannot register " + objectName, e);
        }
    }
}
