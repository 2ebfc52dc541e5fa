package io.caravan.ops.health;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.OptionalDouble;

/** A route's measured signals at one evaluation; a signal that is missing or NaN is "no data". */
public record Signals(Map<Signal, Double> values) {

    public Signals {
        EnumMap<Signal, Double> kept = new EnumMap<>(Signal.class);
        values.forEach((s, v) -> {
            if (v != null && !v.isNaN()) {
                kept.put(s, v);
            }
        });
        values = Collections.unmodifiableMap(kept);
    }

    public static Signals of(Map<Signal, Double> values) {
        return new Signals(values);
    }

    public OptionalDouble get(Signal signal) {
        Double v = values.get(signal);
        return v == null ? OptionalDouble.empty() : OptionalDouble.of(v);
    }

    /** Whether the signal has a value strictly above the bound (no data is never above). */
    public boolean above(Signal signal, double bound) {
        Double v = values.get(signal);
        return v != null && v > bound;
    }

    /** Whether the signal has a value at or above the bound. */
    public boolean atLeast(Signal signal, double bound) {
        Double v = values.get(signal);
        return v != null && v >= bound;
    }
}
