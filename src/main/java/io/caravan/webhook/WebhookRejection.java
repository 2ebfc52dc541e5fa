package io.caravan.webhook;

/** Why an inbound webhook was refused; the HTTP status it is answered with and a reason safe to show. */
public final class WebhookRejection extends Exception {
    /**
     * Malformed requests (missing or unreadable headers) are 400; failed authenticity checks are 401; a body that
     * did not arrive in time is 408; a body over the limit is 413.
     */
    public enum Kind {
        MALFORMED(400),
        UNAUTHENTIC(401),
        TOO_SLOW(408),
        TOO_LARGE(413);

        private final int status;

        Kind(int status) {
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    private final Kind kind;

    public WebhookRejection(Kind kind, String reason) {
        super(reason, null, false, false);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    public int status() {
        return kind.status();
    }
}
