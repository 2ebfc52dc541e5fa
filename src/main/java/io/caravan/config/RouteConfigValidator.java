package io.caravan.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.caravan.errors.RetryPolicy;
import io.caravan.outbound.Egress;
import io.caravan.outbound.OutboundUrl;
import io.caravan.store.DrainProfile;
import io.caravan.store.RouteConfigRow;
import io.caravan.template.DrainBudget;
import io.caravan.template.InstanceSpec;
import io.caravan.template.ParamType;
import io.caravan.template.RouteFamily;
import io.caravan.template.Schedule;
import io.caravan.template.TemplateParameter;
import io.caravan.template.Tier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Checks a route_config row column by column and parameter by parameter, then across fields, collecting every
 * problem so the row's owner sees them all at once.
 */
public final class RouteConfigValidator {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, RouteFamily> families;
    private final Predicate<String> templateLoaded;
    private final Egress egress;
    private final RetryPolicy defaultRetry;

    public RouteConfigValidator(
            Map<String, RouteFamily> families,
            Predicate<String> templateLoaded,
            Egress egress,
            RetryPolicy defaultRetry) {
        this.families = families;
        this.templateLoaded = templateLoaded;
        this.egress = egress;
        this.defaultRetry = defaultRetry;
    }

    /** The outcome: a spec to run, or the problems that keep the row from running. */
    public record Result(Optional<InstanceSpec> spec, RouteFamily family, List<ConfigProblem> problems) {
        public boolean valid() {
            return problems.isEmpty();
        }
    }

    public Result validate(RouteConfigRow row, Map<String, DrainProfile> profiles) {
        String id = row.routeId();
        List<ConfigProblem> problems = new ArrayList<>();
        for (ConfigColumn column : ConfigColumn.values()) {
            column.problem(row).ifPresent(problems::add);
        }
        RouteFamily family = row.template() == null ? null : families.get(row.template());
        if (row.template() != null && !row.template().isBlank()) {
            if (family == null) {
                problems.add(new ConfigProblem(
                        id, "template", "unknown template '" + row.template() + "'; known: " + families.keySet()));
            } else if (!templateLoaded.test(family.templateId())) {
                problems.add(new ConfigProblem(
                        id, "template", "template '" + row.template() + "' is not loaded from routes/"));
            }
        }
        Optional<DrainBudget> budget = Optional.empty();
        Optional<Schedule> schedule = Optional.empty();
        if (row.profile() != null && !row.profile().isBlank()) {
            DrainProfile p = profiles.get(row.profile());
            if (p == null) {
                problems.add(new ConfigProblem(
                        id, "profile", "unknown drain profile '" + row.profile() + "'; known: " + profiles.keySet()));
            } else {
                try {
                    budget = Optional.of(new DrainBudget(p.name(), p.maxReturnedEvents(), p.maxCycles()));
                    schedule = Optional.of(new Schedule.Every(p.scheduleInterval()));
                } catch (IllegalArgumentException e) {
                    problems.add(
                            new ConfigProblem(id, "profile", "drain profile '" + p.name() + "': " + e.getMessage()));
                }
            }
        } else if (family != null && family.scheduled()) {
            problems.add(new ConfigProblem(
                    id,
                    "profile",
                    "template '" + row.template() + "' is scheduled and needs a drain profile (budget)"));
        }
        if (row.schedule() != null && !row.schedule().isBlank()) {
            try {
                schedule = Optional.of(Schedule.parse(row.schedule()));
            } catch (IllegalArgumentException e) {
                problems.add(new ConfigProblem(id, "schedule", e.getMessage()));
            }
        }
        Map<String, String> params = family == null ? Map.of() : params(row, family, problems);
        RetryPolicy retry = defaultRetry;
        try {
            retry = new RetryPolicy(
                    row.retryMaxAttempts() == null ? defaultRetry.maxAttempts() : row.retryMaxAttempts(),
                    row.retryInitialDelayMs() == null
                            ? defaultRetry.initialDelay()
                            : Duration.ofMillis(row.retryInitialDelayMs()),
                    row.retryMaxDelayMs() == null ? defaultRetry.maxDelay() : Duration.ofMillis(row.retryMaxDelayMs()),
                    defaultRetry.multiplier(),
                    defaultRetry.jitter());
        } catch (IllegalArgumentException e) {
            problems.add(new ConfigProblem(id, "retry_initial_delay_ms", e.getMessage()));
        }
        if (!problems.isEmpty() || family == null) {
            return new Result(Optional.empty(), family, problems);
        }
        InstanceSpec spec = new InstanceSpec(
                id,
                row.template(),
                Tier.valueOf(row.tier()),
                budget,
                schedule,
                params,
                Optional.ofNullable(row.throttlePerSecond()),
                retry,
                row.version());
        problems.addAll(CrossFieldRules.problems(spec, family));
        return new Result(problems.isEmpty() ? Optional.of(spec) : Optional.empty(), family, problems);
    }

    private Map<String, String> params(RouteConfigRow row, RouteFamily family, List<ConfigProblem> problems) {
        String id = row.routeId();
        Map<String, String> raw = new LinkedHashMap<>();
        try {
            JsonNode node = JSON.readTree(row.params() == null || row.params().isBlank() ? "{}" : row.params());
            if (!node.isObject()) {
                problems.add(new ConfigProblem(id, "params", "must be a JSON object"));
                return Map.of();
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getValue().isContainerNode()) {
                    problems.add(
                            new ConfigProblem(id, "params." + e.getKey(), "must be a text, number or boolean value"));
                } else if (!e.getValue().isNull()) {
                    raw.put(e.getKey(), e.getValue().asText());
                }
            }
        } catch (Exception e) {
            problems.add(new ConfigProblem(
                    id,
                    "params",
                    "is not valid JSON: " + e.getMessage().lines().findFirst().orElse("")));
            return Map.of();
        }
        Map<String, TemplateParameter> declared = new LinkedHashMap<>();
        family.parameters().forEach(p -> declared.put(p.name(), p));
        for (String name : raw.keySet()) {
            if (!declared.containsKey(name)) {
                problems.add(new ConfigProblem(
                        id,
                        "params." + name,
                        "is not a parameter of template '" + family.templateId() + "'; declared: "
                                + declared.keySet()));
            }
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (TemplateParameter p : declared.values()) {
            String v = raw.getOrDefault(p.name(), p.defaultValue());
            if (v == null) {
                if (p.required()) {
                    problems.add(new ConfigProblem(id, "params." + p.name(), "is required: " + p.doc()));
                }
                continue;
            }
            Optional<String> problem = p.problem(v);
            if (problem.isPresent()) {
                problems.add(new ConfigProblem(id, "params." + p.name(), problem.get()));
                continue;
            }
            if (p.type() == ParamType.URL) {
                Optional<String> refused = egress.problem(OutboundUrl.parse(v));
                if (refused.isPresent()) {
                    problems.add(new ConfigProblem(id, "params." + p.name(), refused.get()));
                    continue;
                }
            }
            values.put(p.name(), v);
        }
        return values;
    }
}
