package io.caravan.ops.alerts;

import java.util.Locale;

/** How urgent an alert is; the PrometheusRule's severity label and the card's colour. */
public enum Severity {
    CRITICAL("attention"),
    WARNING("warning"),
    INFO("accent");

    private final String cardColor;

    Severity(String cardColor) {
        this.cardColor = cardColor;
    }

    /** The Adaptive Card TextBlock colour. */
    String cardColor() {
        return cardColor;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
