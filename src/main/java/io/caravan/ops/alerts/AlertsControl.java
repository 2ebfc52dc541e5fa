package io.caravan.ops.alerts;

import java.lang.management.ManagementFactory;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/** The Alerts MBean. */
public final class AlertsControl implements AlertsControlMBean {
    public static final String OBJECT_NAME = "io.caravan:type=Alerts";

    private final Alerting alerting;
    private final AlertEvents events;
    private final AlertDelivery delivery;

    public AlertsControl(Alerting alerting, AlertEvents events, AlertDelivery delivery) {
        this.alerting = alerting;
        this.events = events;
        this.delivery = delivery;
    }

    /** Registers (or replaces) the MBean in the platform MBean server. */
    public static void register(AlertsControl control) {
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            ObjectName name = new ObjectName(OBJECT_NAME);
            if (server.isRegistered(name)) {
                server.unregisterMBean(name);
            }
            server.registerMBean(control, name);
        } catch (Exception e) {
            throw new IllegalStateException("cannot register " + OBJECT_NAME, e);
        }
    }

    @Override
    public String[] getActive() {
        return alerting.active().toArray(String[]::new);
    }

    @Override
    public String[] getHistory() {
        return events.recent(50).stream().map(AlertEvents.Event::describe).toArray(String[]::new);
    }

    @Override
    public String[] getChannels() {
        return delivery.channels().stream().map(AlertChannel::tag).sorted().toArray(String[]::new);
    }

    @Override
    public int getQueued() {
        return delivery.queued();
    }
}
