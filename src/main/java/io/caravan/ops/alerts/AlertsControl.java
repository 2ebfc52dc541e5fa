package io.caravan.ops.alerts;

import io.caravan.ops.health.PlatformMBeans;

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
        PlatformMBeans.register(OBJECT_NAME, control);
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
