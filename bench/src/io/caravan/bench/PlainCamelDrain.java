package io.caravan.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import com.zaxxer.hikari.HikariDataSource;
import java.time.OffsetDateTime;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.http.HttpComponent;
import org.apache.camel.component.jackson.JacksonDataFormat;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.processor.idempotent.jdbc.JdbcMessageIdRepository;

/**
 * (b) the route a Camel user writes without caravan: select the table, split it streaming, drop keys camel-sql's
 * JdbcMessageIdRepository has seen, POST the rest as JSON. Same camel-http settings as caravan's
 * application.properties. Timed from starting the route to the sink's last request.
 */
final class PlainCamelDrain implements Drain {
    static final String KEY = "SAP:HOURS:${body[id]}:${body[revision]}";

    @Override
    public String name() {
        return "plain-camel";
    }

    @Override
    public Run run(BenchStore store, Backlog backlog, Sink sink) throws Exception {
        BenchStore.Db repoDb = store.fresh("message_id");
        HikariDataSource repoDataSource = BenchStore.pool(repoDb, "bench-message-id", 10);
        DefaultCamelContext camel = new DefaultCamelContext();
        try {
            camel.disableJMX(); // caravan runs with camel.main.jmxEnabled=false in the bench too
            camel.getRegistry().bind("src", backlog.dataSource);
            HttpComponent http = camel.getComponent("http", HttpComponent.class);
            http.setConnectTimeout(5000);
            http.setResponseTimeout(30000);
            http.setAutomaticRetriesDisabled(true);
            // creates CAMEL_MESSAGEPROCESSED on start; add() is SELECT + INSERT in its own transaction per key
            JdbcMessageIdRepository seen = new JdbcMessageIdRepository(repoDataSource, "bench");
            // H2 returns TIMESTAMP WITH TIME ZONE as OffsetDateTime, which Jackson needs jsr310 for (not on the
            // classpath)
            ObjectMapper mapper = new ObjectMapper()
                    .registerModule(
                            new SimpleModule().addSerializer(OffsetDateTime.class, ToStringSerializer.instance));
            JacksonDataFormat json = new JacksonDataFormat(mapper, Map.class);
            camel.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("timer:plain-feed?repeatCount=1&delay=0")
                            .routeId("plain-feed")
                            .autoStartup(false)
                            .setBody(constant("select * from source_rows order by updated_at, id"))
                            .to("jdbc:src?outputType=StreamList")
                            .split(body())
                            .streaming()
                            .idempotentConsumer(simple(KEY), seen)
                            .setHeader("Idempotency-Key", simple(KEY))
                            .marshal(json)
                            .setHeader(Exchange.CONTENT_TYPE, constant("application/json"))
                            // no CamelHttpMethod header: camel-http POSTs a body anyway, and the String "POST" costs a
                            // type-converter scan per message (see bench/README.md)
                            .to(sink.url())
                            .end();
                }
            });
            camel.start();

            long cpu = Drain.cpuNanos();
            long start = System.nanoTime();
            camel.getRouteController().startRoute("plain-feed");
            long end = Drain.awaitRequests(sink, backlog.rows, "plain-camel");
            double cpuSeconds = Drain.cpuSecondsSince(cpu);
            Thread.sleep(300);
            return new Run(name(), backlog.rows, (end - start) / 1e9, Double.NaN, cpuSeconds, sink.check());
        } finally {
            camel.stop();
            repoDataSource.close();
            repoDb.drop().run();
        }
    }
}
