package io.caravan.ops;

import io.caravan.errors.HeaderRedaction;
import io.caravan.store.DeadLetter;
import io.caravan.store.DeadLetters;
import io.caravan.store.ReplayFilter;
import io.caravan.store.ReplayRequest;
import io.caravan.store.ReplayRequests;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@link DeadLettersMBean}: replays are stored as requests; the replay worker's route works them off. */
public final class DeadLettersControl implements DeadLettersMBean {
    public static final String OBJECT_NAME = "io.caravan:type=DeadLetters";
    /** The rate of a replay of one entry, and the default an operator starts from. */
    static final int DEFAULT_MAX_PER_SECOND = 10;
    /** Characters of a payload shown in a listing. */
    static final int SHOWN_PAYLOAD = 300;

    private final DeadLetters deadLetters;
    private final ReplayRequests requests;
    private final MeterRegistry meters;
    private final AuditedOperations audited;
    private final HeaderRedaction redaction = new HeaderRedaction();

    DeadLettersControl(
            DeadLetters deadLetters, ReplayRequests requests, MeterRegistry meters, AuditedOperations audited) {
        this.deadLetters = deadLetters;
        this.requests = requests;
        this.meters = meters;
        this.audited = audited;
    }

    @Override
    public String[] list(String route, int limit) {
        return audited.run(
                "list",
                AuditedOperations.args("route", route, "limit", limit),
                () -> deadLetters.recent(blank(route) ? null : route.trim(), Math.min(Math.max(limit, 1), 500)).stream()
                        .map(this::line)
                        .toArray(String[]::new));
    }

    private String line(DeadLetters.Listed listed) {
        DeadLetter d = listed.letter();
        Map<String, Object> headers = new LinkedHashMap<>(d.headers());
        String payload = d.payload() == null
                ? "none"
                : d.payload().length() > SHOWN_PAYLOAD ? d.payload().substring(0, SHOWN_PAYLOAD) + "…" : d.payload();
        return d.id() + " " + d.routeId() + " " + d.createdAt() + " " + d.category()
                + (d.statusCode() == null ? "" : " " + d.statusCode()) + " attempts " + d.attempts() + " key "
                + d.idempotencyKey() + " replay " + d.replayStatus()
                + (listed.replayRequestId() == null ? "" : " by request " + listed.replayRequestId())
                + (listed.replayReason() == null ? "" : " (" + listed.replayReason() + ")") + " reason: " + d.reason()
                + " headers " + redaction.redact(headers) + " payload (" + d.payloadSize() + " bytes"
                + (d.payloadTruncated() ? ", stored truncated" : "") + "): " + payload;
    }

    @Override
    public String count(String route, String category, String from, String until, String reasonContains) {
        return audited.run("count", filterArgs(route, category, from, until, reasonContains), () -> {
            ReplayFilter filter = ReplayFilter.of(route, category, from, until, reasonContains);
            return deadLetters.count(filter) + " " + filter.describe() + " (dry run: nothing sent)";
        });
    }

    @Override
    public String replay(long id) {
        return audited.run("replay", AuditedOperations.args("id", id), () -> {
            DeadLetter letter =
                    deadLetters.find(id).orElseThrow(() -> new IllegalArgumentException("no dead letter " + id));
            if (DeadLetter.QUARANTINED.equals(letter.replayStatus())
                    || DeadLetter.DISCARDED.equals(letter.replayStatus())) {
                throw new IllegalArgumentException(
                        "dead letter " + id + " is " + letter.replayStatus() + " and is never replayed");
            }
            return request(ReplayFilter.one(id), DEFAULT_MAX_PER_SECOND, letter.routeId());
        });
    }

    @Override
    public String replayFilter(
            String route, String category, String from, String until, String reasonContains, int maxPerSecond) {
        return audited.run(
                "replayFilter",
                filterArgs(route, category, from, until, reasonContains, "maxPerSecond", maxPerSecond),
                () -> {
                    ReplayFilter filter = ReplayFilter.of(route, category, from, until, reasonContains);
                    return request(filter, maxPerSecond, filter.routeId() == null ? "any" : filter.routeId());
                });
    }

    private String request(ReplayFilter filter, int maxPerSecond, String routeTag) {
        long matching = deadLetters.count(filter);
        long id = requests.create(filter, maxPerSecond, Operator.current());
        meters.counter("caravan.replay.requested", "route", routeTag).increment();
        return "replay request " + id + ": " + matching + " " + filter.describe() + ", at most " + maxPerSecond
                + "/s; follow it with request(" + id + ")";
    }

    @Override
    public String[] requests() {
        return audited.run("requests", AuditedOperations.args(), () -> requests.recent(50).stream()
                .map(ReplayRequest::describe)
                .toArray(String[]::new));
    }

    @Override
    public String request(long id) {
        return audited.run("request", AuditedOperations.args("id", id), () -> requests.find(id)
                .map(ReplayRequest::describe)
                .orElseThrow(() -> new IllegalArgumentException("no replay request " + id)));
    }

    @Override
    public String cancel(long id) {
        return audited.run("cancel", AuditedOperations.args("id", id), () -> {
            ReplayRequest before =
                    requests.find(id).orElseThrow(() -> new IllegalArgumentException("no replay request " + id));
            if (!requests.cancel(id)) {
                throw new IllegalArgumentException(
                        "replay request " + id + " has already finished: " + before.status());
            }
            return "replay request " + id + " cancelled after dead letter " + before.cursorId();
        });
    }

    @Override
    public String discard(long id, String reason) {
        return audited.run("discard", AuditedOperations.args("id", id, "reason", reason), () -> {
            if (blank(reason)) {
                throw new IllegalArgumentException("a discard needs a reason");
            }
            DeadLetter letter =
                    deadLetters.find(id).orElseThrow(() -> new IllegalArgumentException("no dead letter " + id));
            if (!deadLetters.discard(id, reason.trim())) {
                throw new IllegalArgumentException(
                        "dead letter " + id + " is " + letter.replayStatus() + ", not waiting for a replay");
            }
            return "dead letter " + id + " of " + letter.routeId() + " discarded: " + reason.trim();
        });
    }

    /** The filter's arguments for the audit, then {@code more} names and values. */
    private static Map<String, Object> filterArgs(
            String route, String category, String from, String until, String reasonContains, Object... more) {
        Map<String, Object> args = AuditedOperations.args(
                "route", route, "category", category, "from", from, "until", until, "reasonContains", reasonContains);
        args.putAll(AuditedOperations.args(more));
        return args;
    }

    private static boolean blank(String text) {
        return text == null || text.isBlank();
    }
}
