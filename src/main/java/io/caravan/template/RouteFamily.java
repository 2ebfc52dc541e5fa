package io.caravan.template;

import java.util.List;

/**
 * A kind of route that the config table can ask for: its YAML template id, the parameters it declares, and
 * how one row becomes a running instance. The reconciler knows families only through this interface.
 */
public interface RouteFamily {

    /** What the family declares: its template, its parameters, the tier it meets and whether rows are scheduled. */
    Declaration declaration();

    default String templateId() {
        return declaration().templateId();
    }

    default List<TemplateParameter> parameters() {
        return declaration().parameters();
    }

    default Tier minimumTier() {
        return declaration().minimumTier();
    }

    default boolean scheduled() {
        return declaration().scheduled();
    }

    /** Rules across parameters, after every parameter passed its own check; each problem names its parameter. */
    List<ParamProblem> crossFieldProblems(InstanceSpec spec);

    /** Builds the runtime of one row: beans it binds and the parameters for the Camel route template. */
    RouteInstance create(InstanceSpec spec) throws Exception;

    /**
     * @param templateId the id of the routeTemplate in routes/*.yaml
     * @param parameters one declaration per parameter a row may set in its params column
     * @param minimumTier the lowest tier this family meets (a feed has a ledger and watermark: T3)
     * @param scheduled whether rows of this family need a drain profile (budget and interval)
     */
    record Declaration(String templateId, List<TemplateParameter> parameters, Tier minimumTier, boolean scheduled) {}

    record ParamProblem(String parameter, String reason) {}
}
