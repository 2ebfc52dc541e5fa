package io.caravan.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The key grammar: what a row's owner may write, and that it renders keys exactly as before. */
class KeyTemplateTest {

    /** Guards against a key template reaching code, the environment or the exchange: each probe names its token. */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "${bean:type:java.lang.Runtime?method=getRuntime.exec(\"touch /tmp/x\")}",
                "${env:HOME}",
                "${env.HOME}",
                "${sys.user.name}",
                "${sysenv.PATH}",
                "${camelContext.getRegistry()}",
                "${camelContext.name}",
                "${body.getClass()}",
                "${body[id].getClass()}",
                "${body[x].foo()}",
                "${body}",
                "${exchangeProperty.caravanFeedExecution}",
                "${exchange}",
                "${header.CamelHttpUri}",
                "${headers}",
                "${date:now}",
                "${ref:caravan-store}",
                "${type:java.lang.System.out}",
                "${random(1,9)}",
                "${body[id]?.foo}"
            })
    void anything_but_body_fields_and_declared_headers_is_rejected_naming_the_token(String probe) {
        String template = "SAP:" + probe + ":${body[id]}";

        assertThat(KeyTemplate.problem(template))
                .get()
                .asString()
                .startsWith("'" + probe + "' ")
                .contains("${body[<field>]} and ${header.<name>}");
    }

    /** Guards against a nested placeholder being smuggled through the first closing brace. */
    @Test
    void nested_and_unclosed_placeholders_are_rejected() {
        assertThat(KeyTemplate.problem("K:${body[${header.caravanPayloadHash}]}"))
                .get()
                .asString()
                .startsWith("'${body[${header.caravanPayloadHash}' nests a placeholder");
        assertThat(KeyTemplate.problem("K:${body[id]"))
                .get()
                .asString()
                .startsWith("'${body[id]' is not closed by '}'");
        assertThat(KeyTemplate.problem(" ")).contains("must not be blank");
    }

    /** Guards against the grammar running anything: the bean probe must not create its file. */
    @Test
    void the_bean_probe_creates_no_file(@TempDir Path dir) {
        Path marker = dir.resolve("x");
        String probe = "${bean:type:java.lang.Runtime?method=getRuntime.exec(\"touch " + marker + "\")}";

        assertThatThrownBy(() -> KeyTemplate.parse(probe)).isInstanceOf(IllegalArgumentException.class);

        assertThat(Files.exists(marker)).isFalse();
    }

    @Test
    void seed_templates_render_the_row_fields_and_the_declared_header() {
        Map<String, Object> row = Map.of("id", 42L, "revision", 3, "payload", "p");

        assertThat(KeyTemplate.parse("SAP:ACTUAL_HOURS:${body[id]}:${body[revision]}")
                        .render(row, Map.of()))
                .contains("SAP:ACTUAL_HOURS:42:3");
        assertThat(KeyTemplate.parse("SAP:ACTUAL_HOURS_API:${body[id]}:${header.caravanPayloadHash}")
                        .render(row, Map.of(KeyTemplate.PAYLOAD_HASH, "abc")))
                .contains("SAP:ACTUAL_HOURS_API:42:abc");
        assertThat(KeyTemplate.parse("literal only, $ and } and {{x}}").render(row, Map.of()))
                .contains("literal only, $ and } and {{x}}");
    }

    /** Guards against two rows sharing a key because a missing part rendered as nothing. */
    @Test
    void a_missing_null_or_blank_field_gives_no_key() {
        KeyTemplate template = KeyTemplate.parse("K:${body[id]}:${body[revision]}");
        Map<String, Object> nullRevision = new HashMap<>();
        nullRevision.put("id", 1);
        nullRevision.put("revision", null);

        assertThat(template.render(Map.of("id", 1), Map.of())).isEmpty();
        assertThat(template.render(nullRevision, Map.of())).isEmpty();
        assertThat(template.render(Map.of("id", 1, "revision", " "), Map.of())).isEmpty();
        assertThat(KeyTemplate.parse("K:${header.caravanPayloadHash}").render(Map.of(), Map.of()))
                .isEmpty();
    }

    /** Guards against keys changing when the grammar replaced Camel's simple language: the ledger holds old keys. */
    @Test
    void valid_templates_render_exactly_what_camel_simple_rendered() throws Exception {
        List<String> templates = List.of(
                "SAP:ACTUAL_HOURS:${body[id]}:${body[revision]}",
                "SAP:ACTUAL_HOURS_API:${body[id]}:${header.caravanPayloadHash}",
                "EVENTS:${body[id]}",
                "${body[payload]}",
                "${body[id]}${body[revision]}-${body[updated_at]}",
                "x ${body[name_with-dash]} y");
        List<Map<String, Object>> rows = List.of(
                Map.of(
                        "id",
                        1L,
                        "revision",
                        1,
                        "payload",
                        "p1",
                        "updated_at",
                        "2026-01-01T00:00:00Z",
                        "name_with-dash",
                        "a"),
                Map.of(
                        "id",
                        9_007_199_254_740_993L,
                        "revision",
                        12,
                        "payload",
                        "ü ñ 漢",
                        "updated_at",
                        java.sql.Timestamp.valueOf("2026-03-04 05:06:07.123456"),
                        "name_with-dash",
                        "b c"),
                Map.of(
                        "id",
                        "ORD-7",
                        "revision",
                        new java.math.BigDecimal("2.50"),
                        "payload",
                        "a:b:c",
                        "updated_at",
                        java.time.OffsetDateTime.parse("2026-03-04T05:06:07.000001+01:00"),
                        "name_with-dash",
                        0));
        try (DefaultCamelContext camel = new DefaultCamelContext()) {
            camel.start();
            for (String text : templates) {
                for (Map<String, Object> row : rows) {
                    Exchange exchange = new DefaultExchange(camel);
                    exchange.getMessage().setBody(row);
                    exchange.getMessage().setHeader(KeyTemplate.PAYLOAD_HASH, "0123456789abcdef01234567");
                    String simple = camel.resolveLanguage("simple")
                            .createExpression(text)
                            .evaluate(exchange, String.class);

                    assertThat(KeyTemplate.parse(text)
                                    .render(row, Map.of(KeyTemplate.PAYLOAD_HASH, "0123456789abcdef01234567")))
                            .as("%s over %s", text, row)
                            .contains(simple);
                }
            }
        }
    }
}
