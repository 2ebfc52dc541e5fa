package io.caravan.template;

import java.util.Map;
import java.util.Optional;

/** The runtime of one route_config row: what the reconciler binds and passes to the Camel template. */
public interface RouteInstance extends AutoCloseable {

    /** Values for the YAML template's parameters (exactly the ones the template declares). */
    Map<String, Object> templateParameters();

    /** Beans to bind in the registry while the route exists, by name. */
    Map<String, Object> beans();

    /** Releases what the instance holds (pools, meters); called after its route is removed. */
    @Override
    void close();

    /** How the replay worker re-sends this route's dead letters; empty when the route's family has no replayer. */
    default Optional<Replayer> replayer() {
        return Optional.empty();
    }

    /** This instance, with {@code replayer} for its dead letters. */
    default RouteInstance withReplayer(Replayer replayer) {
        RouteInstance instance = this;
        Optional<Replayer> replays = Optional.of(replayer);
        return new RouteInstance() {
            @Override
            public Map<String, Object> templateParameters() {
                return instance.templateParameters();
            }

            @Override
            public Map<String, Object> beans() {
                return instance.beans();
            }

            @Override
            public Optional<Replayer> replayer() {
                return replays;
            }

            @Override
            public void close() {
                instance.close();
            }
        };
    }

    /** An instance of fixed parameters and beans; {@code release} runs on {@link #close()}. */
    static RouteInstance of(Map<String, Object> templateParameters, Map<String, Object> beans, Runnable release) {
        Map<String, Object> parameters = Map.copyOf(templateParameters);
        Map<String, Object> bound = Map.copyOf(beans);
        return new RouteInstance() {
            @Override
            public Map<String, Object> templateParameters() {
                return parameters;
            }

            @Override
            public Map<String, Object> beans() {
                return bound;
            }

            @Override
            public void close() {
                release.run();
            }
        };
    }
}
