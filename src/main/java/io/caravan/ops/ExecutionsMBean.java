package io.caravan.ops;

/** io.caravan:type=Executions: what scheduled executions did, and a re-run of one that did not finish. */
public interface ExecutionsMBean {

    @Described(
            value = "The route's latest executions, newest first",
            params = {"route", "limit"})
    String[] recentExecutions(String route, int limit);

    @Described(
            value = "The route's INCOMPLETE executions (the process ended while they ran), newest first",
            params = {"route"})
    String[] incompleteExecutions(String route);

    @Described(
            value = "Runs the route's scheduled execution once now for an INCOMPLETE execution; audited",
            params = {"executionId"})
    String rerunIncomplete(long executionId);
}
