package io.caravan.feed;

import java.util.Locale;

/** The kinds of feed sink a row can choose with its {@code sink} parameter. */
enum SinkKind {
    /** Each row POSTed as JSON to the {@code target} URL with an Idempotency-Key header. */
    HTTP,
    /** Each row published as an event (seed 002's payload) to the {@code targetTopic} Kafka topic. */
    KAFKA;

    static SinkKind of(String parameter) {
        return valueOf(parameter.trim().toUpperCase(Locale.ROOT));
    }
}
