package io.caravan.errors;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** caravan's log configuration in JSON mode, read back line by line from the console it writes to. */
class StructuredLogTest {
    private static final Logger LOG = LoggerFactory.getLogger(StructuredLogTest.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Guards against a route's log line that cannot be tied to its work (no route, correlation, execution id or key)
     * and against PII or secrets reaching the log: a payload's email and name and an Authorization value.
     */
    @Test
    void a_json_line_of_a_route_step_carries_caravans_ids_and_no_redacted_value() throws Exception {
        List<JsonNode> lines = jsonLinesWhile(() -> {
            CamelContext camel = new DefaultCamelContext();
            camel.getCamelContextExtension().addInterceptStrategy(new LogContext());
            camel.addRoutes(LogContextTest.hoursFeedRoute(e -> LOG.info(
                    "posting {} with Authorization={}", e.getMessage().getBody(String.class), "Bearer s3cr3t-token")));
            camel.start();
            try {
                camel.createProducerTemplate()
                        .sendBody("direct:work", "{\"id\":7,\"email\":\"alice@example.com\",\"name\":\"Alice Adams\"}");
            } finally {
                camel.stop();
            }
        });

        JsonNode line = lines.stream()
                .filter(l -> l.path("message").asText().startsWith("posting"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no JSON line for the route step among " + lines.size()));
        assertThat(line.path("log.level").asText()).isEqualTo("INFO");
        assertThat(line.path("caravan.route").asText()).isEqualTo("hours-feed");
        assertThat(line.path("caravan.correlationId").asText()).isEqualTo("hours-feed/42");
        assertThat(line.path("caravan.executionId").asText()).isEqualTo("42");
        assertThat(line.path("caravan.idempotencyKey").asText()).isEqualTo("hours-7-r3");
        assertThat(line.path("message").asText()).contains("\"id\":7").contains(HeaderRedaction.REDACTED);
        String raw = line.toString();
        assertThat(raw)
                .doesNotContain("alice@example.com")
                .doesNotContain("Alice Adams")
                .doesNotContain("s3cr3t");
    }

    /** Runs the work with the JSON configuration and returns what the console got, one JSON object per line. */
    private static List<JsonNode> jsonLinesWhile(Work work) throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        System.setProperty("caravan.log.format", "json");
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            context.reconfigure();
            work.run();
        } finally {
            System.clearProperty("caravan.log.format");
            context.reconfigure();
            System.setOut(original);
        }
        List<JsonNode> lines = new ArrayList<>();
        for (String text : captured.toString(StandardCharsets.UTF_8).split("\n")) {
            if (text.startsWith("{")) {
                lines.add(JSON.readTree(text));
            }
        }
        return lines;
    }

    private interface Work {
        void run() throws Exception;
    }
}
