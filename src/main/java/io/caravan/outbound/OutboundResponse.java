package io.caravan.outbound;

/** A 2xx answer: its status and body text (UTF-8 unless the answer says otherwise); other answers are thrown. */
public record OutboundResponse(int status, String body) {}
