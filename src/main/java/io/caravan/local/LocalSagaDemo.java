package io.caravan.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.caravan.LocalStandIn;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import javax.sql.DataSource;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Local mode's stand-ins for the SAP project setup saga: a Workfront-like source that publishes a project event to
 * the Kafka topic workfront-projects every 20 seconds, and an SAP-like target under /demo/sap-ps that answers each
 * step with project, WBS or document ids, now and then with a 503 (retried by the row's policy) and, for about one
 * project in eight, a 422 at WBS level 3, which fails the saga until an operator resumes it (io.caravan:type=Sagas).
 */
public final class LocalSagaDemo extends RouteBuilder implements LocalStandIn {
    static final String TOPIC = "workfront-projects";
    private static final Logger LOG = LoggerFactory.getLogger("caravan.demo");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AtomicLong projects = new AtomicLong();
    private final AtomicLong ids = new AtomicLong(4_000_000);

    @Override
    public void install(CamelContext camel, Function<String, Optional<DataSource>> sources) {
        try {
            camel.addRoutes(this);
        } catch (Exception e) {
            throw new IllegalStateException("local saga demo could not start", e);
        }
    }

    @Override
    public void configure() {
        from("timer:demo-workfront-projects?period=20000&delay=12000")
                .routeId("demo-workfront-project-source")
                .process(this::project)
                .to("kafka:" + TOPIC);
        from("platform-http:/demo/sap-ps?httpMethodRestrict=POST&matchOnUriPrefix=true")
                .routeId("demo-sap-project-system")
                .process(this::answer);
    }

    private void project(Exchange exchange) {
        long n = projects.incrementAndGet();
        String id = "WF-" + (1000 + n);
        exchange.getMessage().setHeader("kafka.KEY", id);
        exchange.getMessage()
                .setBody("{\"wfProjectId\":\"" + id + "\",\"name\":\"Demo project " + n + "\",\"budget\":"
                        + (50_000 + 5_000 * (n % 7)) + "}");
        LOG.info("workfront published project {}", id);
    }

    private void answer(Exchange exchange) throws Exception {
        String path = exchange.getMessage().getHeader(Exchange.HTTP_PATH, "", String.class);
        String key = exchange.getMessage().getHeader("Idempotency-Key", String.class);
        JsonNode body = JSON.readTree(exchange.getMessage().getBody(String.class));
        ThreadLocalRandom r = ThreadLocalRandom.current();
        exchange.getMessage().removeHeaders("*");
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
        if (r.nextInt(10) == 0) {
            LOG.info("sap-ps {} {}: 503 (busy)", path, key);
            exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 503);
            exchange.getMessage().setBody("{\"error\":\"busy\"}");
            return;
        }
        String project = body.path("projectId").asText(body.path("wfProjectId").asText());
        if (path.endsWith("/wbs/l3") && Math.abs(project.hashCode()) % 8 == 0 && r.nextBoolean()) {
            LOG.info("sap-ps {} {}: 422 (cost center locked)", path, key);
            exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 422);
            exchange.getMessage().setBody("{\"error\":\"cost center locked\"}");
            return;
        }
        String answer;
        if (path.endsWith("/projects")) {
            answer = "{\"projectId\":\"PS-" + ids.incrementAndGet() + "\"}";
        } else if (path.contains("/wbs/")) {
            answer = "{\"wbsId\":\"WBS-" + ids.incrementAndGet() + "\"}";
        } else {
            answer = "{\"documentId\":\"DOC-" + ids.incrementAndGet() + "\"}";
        }
        LOG.info("sap-ps {} {}: 201 {}", path, key, answer);
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 201);
        exchange.getMessage().setBody(answer);
    }
}
