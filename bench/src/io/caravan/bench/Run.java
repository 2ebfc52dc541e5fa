package io.caravan.bench;

/**
 * One measured drain: how many rows, how long until the sink had them all, and whether the sink saw each exactly
 * once. {@code innerSeconds} is the variant's own account of the work where it has one (caravan's execution_log
 * row), otherwise NaN. {@code cpuSeconds} is this JVM's CPU time over the timed window (the variant, the sink and
 * H2; not the PostgreSQL server).
 */
record Run(
        String variant,
        int rows,
        double seconds,
        double innerSeconds,
        double cpuSeconds,
        Sink.Check check,
        double loadBefore) {

    Run(String variant, int rows, double seconds, double innerSeconds, double cpuSeconds, Sink.Check check) {
        this(variant, rows, seconds, innerSeconds, cpuSeconds, check, Double.NaN);
    }

    /** The same run, noting the machine's 1-minute load average when it started (other processes skew the timing). */
    Run withLoadBefore(double load) {
        return new Run(variant, rows, seconds, innerSeconds, cpuSeconds, check, load);
    }

    double rowsPerSecond() {
        return rows / seconds;
    }

    boolean valid() {
        return check.valid();
    }
}
