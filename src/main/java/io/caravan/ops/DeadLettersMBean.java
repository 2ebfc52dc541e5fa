package io.caravan.ops;

/**
 * io.caravan:type=DeadLetters: look at dead letters, count what a replay would take (the dry run), ask the replay
 * worker to re-send one or a filter of them, follow and cancel replays, discard an entry with a reason. Empty text
 * arguments mean "any"; times are ISO-8601 instants.
 */
public interface DeadLettersMBean {

    @Described(
            value = "The newest dead letters of a route (empty: of all): payload capped, secret-like headers redacted",
            params = {"route", "limit"})
    String[] list(String route, int limit);

    @Described(
            value = "Dry run: how many dead letters waiting for a replay match the filter (nothing is sent)",
            params = {"route", "category", "from", "until", "reasonContains"})
    String count(String route, String category, String from, String until, String reasonContains);

    @Described(
            value = "Replays one dead letter (even one replayed before: a key already delivered is not sent again)",
            params = {"id"})
    String replay(long id);

    @Described(
            value = "Replays every dead letter waiting for a replay that matches the filter, at most maxPerSecond a"
                    + " second; returns the request id",
            params = {"route", "category", "from", "until", "reasonContains", "maxPerSecond"})
    String replayFilter(
            String route, String category, String from, String until, String reasonContains, int maxPerSecond);

    @Described("The latest replay requests and how far each got")
    String[] requests();

    @Described(
            value = "One replay request: status, counts, last dead letter done",
            params = {"id"})
    String request(long id);

    @Described(
            value = "Cancels a replay request that has not finished; entries done keep their outcome",
            params = {"id"})
    String cancel(long id);

    @Described(
            value =
                    "Discards a dead letter waiting for a replay (replay status DISCARDED, with the reason): never sent",
            params = {"id", "reason"})
    String discard(long id, String reason);
}
