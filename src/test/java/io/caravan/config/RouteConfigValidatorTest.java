package io.caravan.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.caravan.errors.RetryPolicy;
import io.caravan.feed.WatermarkFeedFamily;
import io.caravan.outbound.Egress;
import io.caravan.store.DrainProfile;
import io.caravan.store.RouteConfigRow;
import io.caravan.template.RouteFamily;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

/** Per-field and cross-field validation of route_config rows, with the messages operators read. */
class RouteConfigValidatorTest {
    static final Map<String, DrainProfile> PROFILES = Map.of(
            "FEED_THROUGHPUT_5MIN", new DrainProfile("FEED_THROUGHPUT_5MIN", Duration.ofMinutes(5), 50, 2, "seed"));
    static final String GOOD_PARAMS =
            "{\"sourceKind\":\"jdbc\",\"sourceDataSource\":\"demo\",\"sourceQuery\":\"actual-hours\","
                    + "\"key\":\"SAP:ACTUAL_HOURS:${body[id]}:${body[revision]}\",\"target\":\"http://localhost:8080/sap\"}";

    final RouteConfigValidator validator;

    RouteConfigValidatorTest() {
        DefaultCamelContext camel = new DefaultCamelContext();
        DataSource demo = org.h2.jdbcx.JdbcConnectionPool.create("jdbc:h2:mem:validator", "sa", "");
        RouteFamily feed = new WatermarkFeedFamily(
                camel,
                null,
                null,
                Clock.systemUTC(),
                name -> name.equals("demo") ? Optional.of(demo) : Optional.empty(),
                Path.of("routes/sql"));
        validator = new RouteConfigValidator(
                Map.of(feed.templateId(), feed),
                id -> true,
                Egress.of("localhost,*.corp.example", "localhost,*.corp.example"),
                RetryPolicy.DEFAULT);
    }

    static RouteConfigRow row(String id, String template, String tier, String profile, String schedule, String params) {
        return new RouteConfigRow(
                id,
                template,
                true,
                tier,
                profile,
                schedule,
                params,
                null,
                null,
                null,
                null,
                "team",
                1,
                Instant.now(),
                "test");
    }

    /** A watermark-feed row with good parameters and the given throttle and retry columns. */
    static RouteConfigRow hoursFeed(Integer throttle, Long retryInitialDelayMs, Long retryMaxDelayMs) {
        return new RouteConfigRow(
                "hours",
                "watermark-feed",
                true,
                "T3",
                "FEED_THROUGHPUT_5MIN",
                null,
                GOOD_PARAMS,
                throttle,
                3,
                retryInitialDelayMs,
                retryMaxDelayMs,
                "team",
                1,
                Instant.now(),
                "test");
    }

    List<String> problems(RouteConfigRow row) {
        return validator.validate(row, PROFILES).problems().stream()
                .map(ConfigProblem::message)
                .toList();
    }

    @Test
    void a_complete_row_is_valid_with_defaults_applied() {
        RouteConfigValidator.Result r = validator.validate(
                row("hours", "watermark-feed", "T3", "FEED_THROUGHPUT_5MIN", null, GOOD_PARAMS), PROFILES);
        assertThat(r.problems()).isEmpty();
        assertThat(r.spec()).get().satisfies(spec -> {
            assertThat(spec.param("overlap")).isEqualTo("2m");
            assertThat(spec.budget()).get().extracting(b -> b.perExecution()).isEqualTo(100);
            assertThat(spec.schedule().orElseThrow().quartzQuery()).contains("trigger.repeatInterval=300000");
        });
    }

    @Test
    void unknown_template_names_the_column_and_the_known_templates() {
        assertThat(problems(row("hours", "watermark-fed", "T3", "FEED_THROUGHPUT_5MIN", null, "{}")))
                .containsExactly(
                        "route_config row 'hours', column template: unknown template 'watermark-fed'; known: [watermark-feed]");
    }

    @Test
    void every_problem_of_a_row_is_reported_together() {
        String params = "{\"sourceKind\":\"jdbc\",\"sourceQuery\":\"actual-hours\",\"colour\":\"red\","
                + "\"target\":\"http://evil.example.net/x\"}";
        assertThat(problems(row("Bad_Id", "watermark-feed", "T9", "NOPE", "cron:not a cron", params)))
                .contains(
                        "route_config row 'Bad_Id', column route_id: 'Bad_Id' must be 2-63 lower-case letters, digits or '-', starting with a letter or digit",
                        "route_config row 'Bad_Id', column tier: 'T9' is not a tier (T0 to T5)",
                        "route_config row 'Bad_Id', column profile: unknown drain profile 'NOPE'; known: [FEED_THROUGHPUT_5MIN]",
                        "route_config row 'Bad_Id', column schedule: 'not a cron' is not a valid Quartz cron expression",
                        "route_config row 'Bad_Id', column params.colour: is not a parameter of template 'watermark-feed'; declared: "
                                + "[sourceKind, sourceDataSource, sourceQuery, sourceUrl, idField, updatedAtField, idType, horizon, maxHorizonWait, overlap, reconcileEvery, reconcileWindow, sourceZone, key, sink, target, targetTopic, eventType, requiredFields, parallelDeliveries]",
                        "route_config row 'Bad_Id', column params.target: host 'evil.example.net' is not on the egress "
                                + "allowlist [localhost, *.corp.example] (caravan.egress.allowed-hosts)")
                .anySatisfy(p -> assertThat(p).startsWith("route_config row 'Bad_Id', column params.key: is required"));
    }

    @Test
    void parameters_are_checked_against_their_declared_types() {
        String params = GOOD_PARAMS.replace(
                "\"target\":\"http://localhost:8080/sap\"", "\"target\":\"ftp://localhost/x\",\"overlap\":\"soon\"");
        assertThat(problems(row("hours", "watermark-feed", "T3", "FEED_THROUGHPUT_5MIN", null, params)))
                .containsExactlyInAnyOrder(
                        "route_config row 'hours', column params.target: must be an http:// or https:// URL",
                        "route_config row 'hours', column params.overlap: 'soon' is not a duration (like 30s, 5m or PT5M)");
    }

    @Test
    void params_that_are_not_a_json_object_are_rejected() {
        assertThat(problems(row("hours", "watermark-feed", "T3", "FEED_THROUGHPUT_5MIN", null, "[1,2]")))
                .containsExactly("route_config row 'hours', column params: must be a JSON object");
        assertThat(problems(row("hours", "watermark-feed", "T3", "FEED_THROUGHPUT_5MIN", null, "{oops")))
                .singleElement()
                .asString()
                .startsWith("route_config row 'hours', column params: is not valid JSON");
    }

    @Test
    void a_feed_below_tier_t3_is_rejected() {
        assertThat(problems(row("hours", "watermark-feed", "T2", "FEED_THROUGHPUT_5MIN", null, GOOD_PARAMS)))
                .containsExactly("route_config row 'hours', column tier: template 'watermark-feed' is a T3 pattern "
                        + "(ledger, watermark, replay); tier T2 is below it");
    }

    @Test
    void a_scheduled_template_without_a_profile_has_no_budget_and_is_rejected() {
        assertThat(problems(row("hours", "watermark-feed", "T3", null, "every 1m", GOOD_PARAMS)))
                .containsExactly(
                        "route_config row 'hours', column profile: template 'watermark-feed' is scheduled and needs a drain profile (budget)");
    }

    @Test
    void jdbc_source_needs_an_existing_named_statement_and_data_source() {
        String params = GOOD_PARAMS.replace("actual-hours", "no-such-query").replace("\"demo\"", "\"erp\"");
        assertThat(problems(row("hours", "watermark-feed", "T3", "FEED_THROUGHPUT_5MIN", null, params)))
                .containsExactlyInAnyOrder(
                        "route_config row 'hours', column params.sourceDataSource: no source data source 'erp' is configured (caravan.source.erp.url)",
                        "route_config row 'hours', column params.sourceQuery: statement 'no-such-query' not found: no file routes/sql/no-such-query.sql");
    }

    @Test
    void a_secret_written_into_the_target_url_is_refused() {
        String params = GOOD_PARAMS.replace("http://localhost:8080/sap", "http://user:pw@localhost:8080/sap");
        assertThat(problems(row("hours", "watermark-feed", "T3", "FEED_THROUGHPUT_5MIN", null, params)))
                .containsExactly(
                        "route_config row 'hours', column params.target: must not carry credentials (user:password@host); "
                                + "give them as a secret reference");
    }

    /**
     * Guards against a row's URL reaching Camel as endpoint syntax: a fragment or #class/#bean reference, property
     * placeholders, RAW(), expressions or whitespace are refused naming the column, before any route exists.
     */
    @Test
    void url_text_that_would_mean_something_to_camel_is_refused_naming_the_column() {
        Map<String, String> probes = new java.util.LinkedHashMap<>();
        probes.put(
                "http://localhost:8080/sap?httpClientConfigurer=#class:java.io.FileOutputStream('/tmp/x')",
                "contains a '#' (fragments and #bean/#class references are not part of a URL caravan calls) at position 48");
        probes.put(
                "http://localhost:8080/sap#top",
                "contains a '#' (fragments and #bean/#class references are not part of a URL caravan calls) at position 26");
        probes.put(
                "http://localhost:8080/sap?k={{env:HOME}}",
                "contains '{{' (property placeholders are not allowed in a URL) at position 29");
        probes.put(
                "http://localhost:8080/sap?p=RAW(secret)",
                "contains 'RAW(' (Camel endpoint syntax is not allowed in a URL)");
        probes.put(
                "http://localhost:8080/sap?p=${env:HOME}",
                "contains '${' (expressions are not allowed in a URL) at position 29");
        probes.put(
                "http://localhost:8080/s ap",
                "contains whitespace or a control character at position 24; encode it (%20)");
        probes.put(
                "http://admin@localhost:8080/sap",
                "must not carry credentials (user:password@host); give them as a secret reference");
        probes.put("file:///etc/passwd", "must be an http:// or https:// URL");
        probes.put("http:localhost", "must be an http:// or https:// URL");
        probes.forEach((url, reason) -> {
            String params = GOOD_PARAMS.replace("http://localhost:8080/sap", url);
            assertThat(problems(row("hours", "watermark-feed", "T3", "FEED_THROUGHPUT_5MIN", null, params)))
                    .as(url)
                    .containsExactly("route_config row 'hours', column params.target: " + reason);
        });
    }

    /** Guards against plain http leaving the machine: every family's URLs must be https off the plain-http hosts. */
    @Test
    void plain_http_to_a_host_off_the_plain_http_list_is_refused_for_a_feed_target_too() {
        RouteFamily feed = new WatermarkFeedFamily(
                new DefaultCamelContext(),
                null,
                null,
                Clock.systemUTC(),
                name -> Optional.empty(),
                Path.of("routes/sql"));
        RouteConfigValidator strict = new RouteConfigValidator(
                Map.of(feed.templateId(), feed),
                id -> true,
                Egress.of("localhost,sap.corp.example", "localhost"),
                RetryPolicy.DEFAULT);
        String params = GOOD_PARAMS.replace("http://localhost:8080/sap", "http://sap.corp.example/hours");
        assertThat(strict.validate(row("hours", "watermark-feed", "T3", "FEED_THROUGHPUT_5MIN", null, params), Map.of())
                        .problems())
                .extracting(ConfigProblem::message)
                .contains(
                        "route_config row 'hours', column params.target: must be https: plain http is allowed only "
                                + "for hosts on caravan.egress.plain-http-hosts [localhost], and 'sap.corp.example' is not one of them");
        String https = GOOD_PARAMS.replace("http://localhost:8080/sap", "https://sap.corp.example/hours");
        assertThat(strict.validate(row("hours", "watermark-feed", "T3", "FEED_THROUGHPUT_5MIN", null, https), Map.of())
                        .problems())
                .extracting(ConfigProblem::message)
                .noneMatch(m -> m.contains("params.target"));
    }

    /** Guards against a row's key running code or reading the host: the row is rejected naming the token. */
    @Test
    void a_key_outside_the_grammar_rejects_the_row_naming_column_and_token() {
        for (String probe : List.of(
                "${bean:type:java.lang.Runtime?method=getRuntime.exec(\\\"touch /tmp/caravan-probe\\\")}",
                "${env:HOME}",
                "${sys.user.name}",
                "${camelContext.getRegistry()}",
                "${body.getClass()}",
                "${body[id].getClass()}")) {
            String params = GOOD_PARAMS.replace("${body[revision]}", probe);
            String shown = probe.replace("\\\"", "\"");

            assertThat(problems(row("hours", "watermark-feed", "T3", "FEED_THROUGHPUT_5MIN", null, params)))
                    .singleElement()
                    .asString()
                    .startsWith("route_config row 'hours', column params.key: '" + shown + "' ");
        }
        assertThat(java.nio.file.Files.exists(Path.of("/tmp/caravan-probe"))).isFalse();
    }

    @Test
    void retry_and_throttle_must_be_positive_and_ordered() {
        RouteConfigRow r = hoursFeed(0, 5000L, 1000L);
        assertThat(validator.validate(r, PROFILES).problems())
                .extracting(ConfigProblem::column)
                .containsExactlyInAnyOrder("throttle_per_second", "retry_initial_delay_ms");
    }

    /**
     * Guards against a row whose throttle_per_second takes the heap: Camel's throttle makes one permit object per
     * delivery allowed in a second, so 2,000,000,000 would stop the whole instance at the row's first delivery.
     */
    @Test
    void a_throttle_above_the_limit_is_refused_naming_the_column_and_the_limit() {
        RouteConfigRow r = hoursFeed(2_000_000_000, 500L, 1000L);
        assertThat(validator.validate(r, PROFILES).problems()).singleElement().satisfies(p -> {
            assertThat(p.column()).isEqualTo("throttle_per_second");
            assertThat(p.message()).contains("at most " + ConfigColumn.MAX_THROTTLE_PER_SECOND);
        });
        RouteConfigRow atLimit = hoursFeed(ConfigColumn.MAX_THROTTLE_PER_SECOND, 500L, 1000L);
        assertThat(validator.validate(atLimit, PROFILES).problems()).isEmpty();
    }
}
