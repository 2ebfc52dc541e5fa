package io.caravan.config;

import io.caravan.template.InstanceSpec;
import io.caravan.template.RouteFamily;
import java.util.ArrayList;
import java.util.List;

/** Rules that span columns of a row, after each column passed its own check. */
final class CrossFieldRules {
    private CrossFieldRules() {}

    static List<ConfigProblem> problems(InstanceSpec spec, RouteFamily family) {
        List<ConfigProblem> problems = new ArrayList<>();
        String id = spec.routeId();
        if (!spec.tier().atLeast(family.minimumTier())) {
            problems.add(new ConfigProblem(
                    id,
                    "tier",
                    "template '" + family.templateId() + "' is a " + family.minimumTier()
                            + " pattern (ledger, watermark, replay); tier " + spec.tier() + " is below it"));
        }
        if (family.scheduled() && spec.schedule().isEmpty()) {
            problems.add(
                    new ConfigProblem(id, "schedule", "a scheduled template needs a schedule or a profile interval"));
        }
        if (spec.retryPolicy().initialDelay().compareTo(spec.retryPolicy().maxDelay()) > 0) {
            problems.add(new ConfigProblem(id, "retry_initial_delay_ms", "must not exceed retry_max_delay_ms"));
        }
        for (RouteFamily.ParamProblem p : family.crossFieldProblems(spec)) {
            problems.add(new ConfigProblem(id, "params." + p.parameter(), p.reason()));
        }
        return problems;
    }
}
