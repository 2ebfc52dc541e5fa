package io.caravan.errors;

import org.apache.camel.Exchange;

/** Exchange properties caravan routes share; the error handling reads the inputs and sets the outputs. */
public final class CaravanExchange {

    /** Input: the route_config route id (falls back to the Camel route the exchange came from). */
    public static final String ROUTE_ID = "caravan.routeId";
    /** Input: the correlation id that follows the work through logs and dead letters. */
    public static final String CORRELATION_ID = "caravan.correlationId";
    /** Input: the operation-level idempotency key, when the route has one. */
    public static final String IDEMPOTENCY_KEY = "caravan.idempotencyKey";

    /** Output: the {@link ErrorCategory} of a dead-lettered failure. */
    public static final String ERROR_CATEGORY = "caravan.errorCategory";
    /** Output: the id (Long) of the recorded dead letter. */
    public static final String DEAD_LETTER_ID = "caravan.deadLetterId";
    /** Output: the status code (Integer) of the failure, when it had one. */
    public static final String STATUS_CODE = "caravan.statusCode";
    /** Output: deliveries made of the failing step (Integer), the first included; set after every failure. */
    public static final String ATTEMPTS = "caravan.attempts";

    private CaravanExchange() {}

    public static String routeId(Exchange exchange) {
        String routeId = exchange.getProperty(ROUTE_ID, String.class);
        return routeId != null ? routeId : exchange.getFromRouteId();
    }

    public static String correlationId(Exchange exchange) {
        String correlationId = exchange.getProperty(CORRELATION_ID, String.class);
        if (correlationId != null) {
            return correlationId;
        }
        // a split or multicast part points at its parent exchange, which is what an operator searches for
        String parent = exchange.getProperty(Exchange.CORRELATION_ID, String.class);
        return parent != null ? parent : exchange.getExchangeId();
    }

    /**
     * Removes a previous item's key and outcome from an exchange that carries items one after another (a split's
     * result is copied back onto its parent, and the next item's sub-exchange copies the parent's properties).
     */
    public static void forgetOutcome(Exchange exchange) {
        exchange.removeProperty(ERROR_CATEGORY);
        exchange.removeProperty(DEAD_LETTER_ID);
        exchange.removeProperty(STATUS_CODE);
        exchange.removeProperty(ATTEMPTS);
        exchange.removeProperty(IDEMPOTENCY_KEY);
    }

    public static String idempotencyKey(Exchange exchange) {
        return exchange.getProperty(IDEMPOTENCY_KEY, String.class);
    }
}
