package io.caravan.errors;

import java.util.Objects;
import java.util.regex.Pattern;
import org.apache.camel.AsyncCallback;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.NamedNode;
import org.apache.camel.Processor;
import org.apache.camel.spi.InterceptStrategy;
import org.apache.camel.support.processor.DelegateAsyncProcessor;
import org.slf4j.MDC;

/**
 * Puts caravan's ids into the logging context (MDC) for every step of every route, so each line of a route's work
 * carries them beside Camel's own (camel.routeId, camel.exchangeId with camel.main.useMdcLogging): caravan.route,
 * caravan.correlationId, caravan.executionId (feed and drain: their correlation id is "route/execution id") and
 * caravan.idempotencyKey. camel.main.mdcLoggingKeysPattern (application.properties) carries them across Camel's
 * thread switches and clears them when the exchange is done.
 */
public final class LogContext implements InterceptStrategy {
    public static final String ROUTE = "caravan.route";
    public static final String CORRELATION_ID = "caravan.correlationId";
    public static final String EXECUTION_ID = "caravan.executionId";
    public static final String IDEMPOTENCY_KEY = "caravan.idempotencyKey";

    private static final Pattern EXECUTION_NUMBER = Pattern.compile("[0-9]{1,19}");

    @Override
    public Processor wrapProcessorInInterceptors(
            CamelContext context, NamedNode definition, Processor target, Processor nextTarget) {
        return new DelegateAsyncProcessor(target) {
            @Override
            public boolean process(Exchange exchange, AsyncCallback callback) {
                put(exchange);
                return super.process(exchange, callback);
            }
        };
    }

    /** Sets the MDC from the exchange's caravan properties (a missing one is removed). */
    public static void put(Exchange exchange) {
        String route = exchange.getProperty(CaravanExchange.ROUTE_ID, String.class);
        String correlationId = exchange.getProperty(CaravanExchange.CORRELATION_ID, String.class);
        set(ROUTE, route != null ? route : exchange.getFromRouteId());
        set(CORRELATION_ID, correlationId);
        set(EXECUTION_ID, executionId(route, correlationId));
        set(IDEMPOTENCY_KEY, exchange.getProperty(CaravanExchange.IDEMPOTENCY_KEY, String.class));
    }

    static String executionId(String route, String correlationId) {
        if (route == null || correlationId == null || !correlationId.startsWith(route + "/")) {
            return null;
        }
        String rest = correlationId.substring(route.length() + 1);
        return EXECUTION_NUMBER.matcher(rest).matches() ? rest : null;
    }

    /** Runs around every step of every route: it writes the MDC only when a value changed. */
    private static void set(String key, String value) {
        String current = MDC.get(key);
        if (Objects.equals(current, value)) {
            return;
        }
        if (value == null) {
            MDC.remove(key);
        } else {
            MDC.put(key, value);
        }
    }
}
