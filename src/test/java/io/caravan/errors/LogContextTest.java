package io.caravan.errors;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.camel.CamelContext;
import org.apache.camel.Processor;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/** caravan's ids in the logging context, with the MDC settings caravan ships in application.properties. */
class LogContextTest {

    /**
     * Guards against caravan's ids outliving the exchange that put them: a log line written on the same thread after
     * the exchange (by other work the thread does next) would carry the ids of work that is over.
     */
    @Test
    void a_routes_ids_are_in_the_mdc_during_its_steps_and_gone_from_the_thread_when_it_is_done() throws Exception {
        Map<String, String> seen = new HashMap<>();
        try (CamelContext camel = shippedMdcSettings(new DefaultCamelContext())) {
            camel.getCamelContextExtension().addInterceptStrategy(new LogContext());
            camel.addRoutes(hoursFeedRoute(e -> seen.putAll(MDC.getCopyOfContextMap())));
            camel.start();

            camel.createProducerTemplate().sendBody("direct:work", "{}");
        }

        assertThat(seen)
                .containsEntry(LogContext.ROUTE, "hours-feed")
                .containsEntry(LogContext.CORRELATION_ID, "hours-feed/42")
                .containsEntry(LogContext.EXECUTION_ID, "42")
                .containsEntry(LogContext.IDEMPOTENCY_KEY, "hours-7-r3")
                .containsEntry("camel.routeId", "hours-feed");
        Map<String, String> after = MDC.getCopyOfContextMap();
        assertThat(after == null ? Map.of() : after)
                .doesNotContainKeys(
                        LogContext.ROUTE,
                        LogContext.CORRELATION_ID,
                        LogContext.EXECUTION_ID,
                        LogContext.IDEMPOTENCY_KEY);
    }

    /**
     * direct:work, route hours-feed: a step sets caravan's exchange properties (route hours-feed, correlation id
     * hours-feed/42, idempotency key hours-7-r3), then {@code step} runs.
     */
    static RouteBuilder hoursFeedRoute(Processor step) {
        return new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:work")
                        .routeId("hours-feed")
                        .process(e -> {
                            e.setProperty(CaravanExchange.ROUTE_ID, "hours-feed");
                            e.setProperty(CaravanExchange.CORRELATION_ID, "hours-feed/42");
                            e.setProperty(CaravanExchange.IDEMPOTENCY_KEY, "hours-7-r3");
                        })
                        .process(step);
            }
        };
    }

    /** camel.main.useMdcLogging and camel.main.mdcLoggingKeysPattern as application.properties sets them. */
    private static CamelContext shippedMdcSettings(CamelContext camel) throws Exception {
        Properties shipped = new Properties();
        try (Reader in = Files.newBufferedReader(Path.of("application.properties"))) {
            shipped.load(in);
        }
        camel.setUseMDCLogging(Boolean.parseBoolean(shipped.getProperty("camel.main.useMdcLogging")));
        camel.setMDCLoggingKeysPattern(shipped.getProperty("camel.main.mdcLoggingKeysPattern"));
        return camel;
    }
}
