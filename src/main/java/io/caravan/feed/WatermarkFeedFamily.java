package io.caravan.feed;

import static io.caravan.template.TemplateParameter.choice;
import static io.caravan.template.TemplateParameter.optional;
import static io.caravan.template.TemplateParameter.required;

import io.caravan.execution.DeliveryPool;
import io.caravan.execution.ExecutionOutcomes;
import io.caravan.outbound.OutboundHttp;
import io.caravan.outbound.OutboundUrl;
import io.caravan.template.InstanceSpec;
import io.caravan.template.KeyTemplate;
import io.caravan.template.ParamType;
import io.caravan.template.Replayer;
import io.caravan.template.RouteFamily;
import io.caravan.template.RouteInstance;
import io.caravan.template.TemplateParameter;
import io.caravan.template.Tier;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.function.Function;
import javax.sql.DataSource;
import org.apache.camel.CamelContext;
import org.apache.camel.support.CamelContextHelper;

/** The watermark-feed family (T3): schedule → keyset pages → ledger → throttle → HTTP or Kafka sink → watermark. */
public final class WatermarkFeedFamily implements RouteFamily {
    public static final String TEMPLATE_ID = "watermark-feed";

    /** This family's parameters, declared once; also the source of docs/route-config.md. */
    public static final List<TemplateParameter> PARAMETERS = List.of(
            choice(
                    "sourceKind",
                    List.of("jdbc", "http"),
                    null,
                    "Where rows come from: jdbc (a named statement on a source data source) or http (a paged JSON API)."),
            optional(
                    "sourceDataSource",
                    ParamType.IDENTIFIER,
                    "demo",
                    "jdbc: the source data source, configured as caravan.source.<name>.url/.user/.password-file."),
            optional(
                    "sourceQuery",
                    ParamType.IDENTIFIER,
                    null,
                    "jdbc: the statement routes/sql/<name>.sql, using :afterUpdatedAt, :afterId and :limit and returning id and updated_at."),
            optional(
                    "sourceUrl",
                    ParamType.URL,
                    null,
                    "http: the API answering GET ?updatedAfter=&afterId=&limit= (appended to the URL's own query string) with a JSON "
                            + "array ordered by (updated_at, id)."),
            optional("idField", ParamType.IDENTIFIER, "id", "http: the item field holding the row id."),
            optional(
                    "updatedAtField",
                    ParamType.IDENTIFIER,
                    "updated_at",
                    "http: the item field holding the ISO-8601 change time."),
            choice("idType", List.of("LONG", "TEXT"), "LONG", "How ids compare for the keyset: as numbers or as text."),
            choice(
                    "horizon",
                    List.of("auto", "transactions", "overlap"),
                    "auto",
                    "How the feed avoids passing rows that commit late: transactions (PostgreSQL sources: read only rows "
                            + "older than the oldest open transaction on the source database, from pg_stat_activity; the "
                            + "feed's user needs pg_read_all_stats or pg_monitor), overlap (re-check the overlap window "
                            + "behind the watermark), auto (transactions for PostgreSQL, overlap otherwise)."),
            optional(
                    "maxHorizonWait",
                    ParamType.DURATION,
                    "5m",
                    "horizon transactions: how long one open transaction may hold the feed back; after that the feed "
                            + "reads past it and re-checks the overlap, and the backstop catches what it commits later."),
            optional(
                    "overlap",
                    ParamType.DURATION,
                    "2m",
                    "Without a commit horizon: how far behind the watermark rows are re-checked for late commits, at "
                            + "most one budget of pages per execution, resuming where the last execution stopped."),
            optional(
                    "reconcileEvery",
                    ParamType.DURATION,
                    "10m",
                    "How often the backstop compares the source behind the watermark with the ledger and re-drives "
                            + "rows missing from it (an execution of its own, one budget of pages at most); 0 = off."),
            optional("reconcileWindow", ParamType.DURATION, "1h", "How far behind the watermark the backstop looks."),
            optional(
                    "sourceZone",
                    ParamType.TEXT,
                    "UTC",
                    "jdbc: the time zone of updated_at when it is a timestamp without time zone (a zone id such as "
                            + "Europe/Berlin); timestamp with time zone needs none."),
            required(
                    "key",
                    ParamType.KEY_TEMPLATE,
                    "The idempotency key of a row: literal text with ${body[<field>]} (a field of the row) and "
                            + "${header.caravanPayloadHash} (a hash of the row's content without updated_at), nothing else, "
                            + "e.g. SAP:ACTUAL_HOURS:${body[id]}:${body[revision]}. A row whose placeholder has no value "
                            + "(missing, null or blank) has no usable key and is quarantined (DATA_QUALITY)."),
            choice(
                    "sink",
                    List.of("http", "kafka"),
                    "http",
                    "Where rows go: http (each row POSTed to target) or kafka (each row published as an event to "
                            + "targetTopic: {event_id, event_type, route, timestamp, source_timestamp, data}, keyed by the row id, "
                            + "idempotent producer with acks=all; the watermark advances only after the broker acknowledged)."),
            optional(
                    "target",
                    ParamType.URL,
                    null,
                    "sink http: the URL each row is POSTed to as JSON with an Idempotency-Key header; its query string is sent as it is."),
            optional(
                    "targetTopic",
                    ParamType.IDENTIFIER,
                    null,
                    "sink kafka: the topic events are published to (brokers: camel.component.kafka.brokers). The event_id "
                            + "hashes route, row id and updated_at, so a replay from an older watermark produces the same ids."),
            optional(
                    "eventType",
                    ParamType.IDENTIFIER,
                    "ROW_CHANGED",
                    "sink kafka: the event_type written into each event."),
            optional(
                    "requiredFields",
                    ParamType.TEXT,
                    null,
                    "Comma-separated row fields that must have a value; a row missing one is not sent but dead-lettered as "
                            + "DATA_QUALITY (quarantine)."),
            optional(
                    "parallelDeliveries",
                    ParamType.POSITIVE_INT,
                    "1",
                    "Rows of one page delivered at the same time (1 = one after another). Rows of a page have distinct "
                            + "keys; the watermark still advances only after the whole page's outcomes are recorded."));

    private final CamelContext camel;
    private final FeedStores stores;
    private final MeterRegistry meters;
    private final Clock clock;
    private final Function<String, Optional<DataSource>> sourceDataSources;
    private final Path sqlDirectory;

    /** The registry name of the split's outcome aggregator that routes/watermark-feed.yaml refers to. */
    public static final String OUTCOMES_BEAN = "caravanRowOutcomes";

    public WatermarkFeedFamily(
            CamelContext camel,
            FeedStores stores,
            MeterRegistry meters,
            Clock clock,
            Function<String, Optional<DataSource>> sourceDataSources,
            Path sqlDirectory) {
        this.camel = camel;
        this.stores = stores;
        this.meters = meters;
        this.clock = clock;
        this.sourceDataSources = sourceDataSources;
        this.sqlDirectory = sqlDirectory;
    }

    @Override
    public Declaration declaration() {
        return new Declaration(TEMPLATE_ID, PARAMETERS, Tier.T3, true);
    }

    @Override
    public List<ParamProblem> crossFieldProblems(InstanceSpec spec) {
        List<ParamProblem> problems = new ArrayList<>();
        if (spec.param("sourceKind").equals("jdbc")) {
            String ds = spec.param("sourceDataSource");
            if (sourceDataSources.apply(ds).isEmpty()) {
                problems.add(new ParamProblem(
                        "sourceDataSource",
                        "no source data source '" + ds + "' is configured (caravan.source." + ds + ".url)"));
            }
            Optional<String> query = spec.optionalParam("sourceQuery");
            if (query.isEmpty()) {
                problems.add(new ParamProblem("sourceQuery", "is required when sourceKind is jdbc"));
            } else {
                try {
                    NamedStatement.load(sqlDirectory, query.get());
                } catch (IllegalArgumentException e) {
                    problems.add(new ParamProblem("sourceQuery", e.getMessage()));
                }
            }
        } else if (spec.optionalParam("sourceUrl").isEmpty()) {
            problems.add(new ParamProblem("sourceUrl", "is required when sourceKind is http"));
        }
        try {
            ZoneId.of(spec.param("sourceZone"));
        } catch (RuntimeException e) {
            problems.add(new ParamProblem("sourceZone", "'" + spec.param("sourceZone") + "' is not a time zone id"));
        }
        if (HorizonMode.of(spec.param("horizon")) == HorizonMode.TRANSACTIONS
                && !spec.param("sourceKind").equals("jdbc")) {
            problems.add(new ParamProblem("horizon", "transactions needs a jdbc (PostgreSQL) source"));
        }
        if (SinkKind.of(spec.param("sink")) == SinkKind.HTTP
                && spec.optionalParam("target").isEmpty()) {
            problems.add(new ParamProblem("target", "is required when sink is http"));
        }
        if (SinkKind.of(spec.param("sink")) == SinkKind.KAFKA
                && spec.optionalParam("targetTopic").isEmpty()) {
            problems.add(new ParamProblem("targetTopic", "is required when sink is kafka"));
        }
        return problems;
    }

    @Override
    public RouteInstance create(InstanceSpec spec) {
        // the split's aggregator, shared by this family's rows: bound with the first row, never by the entry point
        camel.getRegistry()
                .bind(
                        OUTCOMES_BEAN,
                        new ExecutionOutcomes(
                                WatermarkFeed.EXECUTION,
                                WatermarkFeed.DELIVERY,
                                WatermarkFeed.DELIVERED,
                                ExecutionOutcomes.SystemFailure.DEAD_LETTERED));
        String routeId = spec.routeId();
        DataSource jdbcSource = spec.param("sourceKind").equals("jdbc")
                ? sourceDataSources.apply(spec.param("sourceDataSource")).orElseThrow()
                : null;
        FeedSource source = jdbcSource != null
                ? new JdbcFeedSource(
                        jdbcSource,
                        NamedStatement.load(sqlDirectory, spec.param("sourceQuery")),
                        IdType.valueOf(spec.param("idType")),
                        ZoneId.of(spec.param("sourceZone")))
                : new HttpFeedSource(
                        CamelContextHelper.mandatoryLookup(camel, OutboundHttp.BEAN, OutboundHttp.class),
                        OutboundUrl.parse(spec.param("sourceUrl")),
                        spec.param("idField"),
                        spec.param("updatedAtField"));
        RowRules rules = new RowRules(
                routeId,
                KeyTemplate.parse(spec.param("key")),
                spec.optionalParam("requiredFields")
                        .map(WatermarkFeedFamily::requiredFields)
                        .orElse(List.of()),
                spec.param("sourceKind").equals("jdbc") ? "updated_at" : spec.param("updatedAtField"));
        FeedMetrics metrics = new FeedMetrics(meters, routeId, clock);
        FeedSink sink = SinkKind.of(spec.param("sink")) == SinkKind.KAFKA
                ? new KafkaSink(routeId, spec.param("targetTopic"), spec.param("eventType"), clock)
                : new HttpSink(OutboundUrl.parse(spec.param("target")));
        RereadPolicy reread = new RereadPolicy(
                spec.durationParam("overlap"),
                spec.durationParam("maxHorizonWait"),
                spec.durationParam("reconcileEvery"),
                spec.durationParam("reconcileWindow"));
        WatermarkFeed feed = new WatermarkFeed(
                routeId,
                source,
                spec.budget().orElseThrow(),
                HorizonMode.of(spec.param("horizon")).horizon(jdbcSource, reread.maxHorizonWait()),
                reread,
                rules,
                sink,
                stores,
                metrics,
                clock);
        int threads = spec.intParam("parallelDeliveries");
        ExecutorService pool = DeliveryPool.create(camel, this, "caravan-feed-" + routeId, threads);
        Map<String, Object> parameters = Map.of(
                "routeId", routeId,
                "schedule", spec.schedule().orElseThrow().quartzQuery(),
                "targetEndpoint", sink.endpointUri(),
                "throttled", spec.throttlePerSecond().isPresent(),
                "throttle", spec.throttlePerSecond().orElse(1));
        Replayer replayer = new FeedReplayer(camel, sink);
        return new RouteInstance() {
            @Override
            public Map<String, Object> templateParameters() {
                return parameters;
            }

            @Override
            public Map<String, Object> beans() {
                return Map.of(beanName(routeId), feed, poolName(routeId), pool);
            }

            @Override
            public Optional<Replayer> replayer() {
                return Optional.of(replayer);
            }

            @Override
            public void close() {
                camel.getExecutorServiceManager().shutdown(pool);
                metrics.close();
            }
        };
    }

    static List<String> requiredFields(String text) {
        return java.util.Arrays.stream(text.split(","))
                .map(String::trim)
                .filter(f -> !f.isEmpty())
                .toList();
    }

    static String beanName(String routeId) {
        return "caravan-feed-" + routeId;
    }

    static String poolName(String routeId) {
        return "caravan-feed-pool-" + routeId;
    }
}
