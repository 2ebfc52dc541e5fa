package io.caravan.template;

import io.caravan.errors.RetryPolicy;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** A validated route_config row, as a route family receives it: typed, defaults applied. */
public record InstanceSpec(
        String routeId,
        String template,
        Tier tier,
        Optional<DrainBudget> budget,
        Optional<Schedule> schedule,
        Map<String, String> params,
        Optional<Integer> throttlePerSecond,
        RetryPolicy retryPolicy,
        long version) {

    public InstanceSpec {
        params = Map.copyOf(params);
    }

    public String param(String name) {
        String v = params.get(name);
        if (v == null) {
            throw new IllegalStateException("route " + routeId + ": parameter " + name + " has no value");
        }
        return v;
    }

    public Optional<String> optionalParam(String name) {
        return Optional.ofNullable(params.get(name));
    }

    public int intParam(String name) {
        return Integer.parseInt(param(name).trim());
    }

    public Duration durationParam(String name) {
        return Durations.parse(param(name));
    }
}
