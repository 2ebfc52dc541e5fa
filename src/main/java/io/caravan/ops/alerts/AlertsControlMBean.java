package io.caravan.ops.alerts;

/** {@code io.caravan:type=Alerts}: the alerts firing now and the alert history. */
public interface AlertsControlMBean {
    /** One line per alert whose condition holds now (sent, or waiting for its group wait). */
    String[] getActive();

    /** The latest 50 alert_event rows, newest first. */
    String[] getHistory();

    /** The channels alerts go to (teams, webhook), never their URLs. */
    String[] getChannels();

    /** Notifications waiting to be sent. */
    int getQueued();
}
