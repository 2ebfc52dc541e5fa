package io.caravan.config;

/** One reason a route_config row cannot run, naming the row and the column (params.NAME for a parameter). */
public record ConfigProblem(String routeId, String column, String reason) {

    public String message() {
        return "route_config row '" + routeId + "', column " + column + ": " + reason;
    }

    @Override
    public String toString() {
        return message();
    }
}
