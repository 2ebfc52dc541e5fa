package io.caravan.ops.alerts;

import java.math.BigDecimal;

/** Numbers as people and PromQL read them: 600, 0.05, 2.5 (no 600.0, no exponent). */
final class FormatNumber {
    private FormatNumber() {}

    static String of(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return String.valueOf(v);
        }
        return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }
}
