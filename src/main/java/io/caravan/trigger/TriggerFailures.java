package io.caravan.trigger;

import org.apache.camel.Exchange;

/**
 * The error handler of every trigger route (routes/caravan-trigger-errors.yaml), one bean for all: hands the failure
 * to the route's own {@link TransientTrigger}, which the exchange carries.
 */
public final class TriggerFailures {
    public static final String BEAN_NAME = "caravanTriggerFailures";

    public void failed(Exchange exchange) {
        TransientTrigger trigger = exchange.getProperty(TransientTrigger.INSTANCE, TransientTrigger.class);
        if (trigger == null) {
            throw new IllegalStateException(
                    "trigger route failed before its message was read",
                    exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class));
        }
        trigger.failed(exchange);
    }
}
