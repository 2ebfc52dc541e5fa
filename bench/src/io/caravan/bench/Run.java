package io.caravan.bench;

/**
 * One measured drain: how many rows, how long until the sink had them all, and whether the sink saw each exactly
 * once. {@code innerSeconds} is the variant's own account of the work where it has one (caravan's execution_log
 * row), otherwise NaN.
 */
record Run(String variant, int rows, double seconds, double innerSeconds, Sink.Check check) {

    double rowsPerSecond() {
        return rows / seconds;
    }

    boolean valid() {
        return check.valid();
    }
}
