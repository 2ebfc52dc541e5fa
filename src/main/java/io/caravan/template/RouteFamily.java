package io.caravan.template;

import java.util.List;

/**
 * A kind of route that the config table can ask for: its YAML template id, the parameters it declares, and
 * how one row becomes a running instance. The reconciler knows families only through this interface.
 */
public interface RouteFamily {

    /** The id of the routeTemplate in routes/*.yaml. */
    String templateId();

    /** One declaration per parameter a row may set in its params column. */
    List<TemplateParameter> parameters();

    /** The lowest tier this family meets (a feed has a ledger and watermark: T3). */
    Tier minimumTier();

    /** Whether rows of this family need a drain profile (budget and interval). */
    boolean scheduled();

    /** Rules across parameters, after every parameter passed its own check; each problem names its parameter. */
    List<ParamProblem> crossFieldProblems(InstanceSpec spec);

    /** Builds the runtime of one row: beans it binds and the parameters for the Camel route template. */
    RouteInstance create(InstanceSpec spec) throws Exception;

    record ParamProblem(String parameter, String reason) {}
}
