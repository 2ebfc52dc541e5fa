package io.caravan;

import com.zaxxer.hikari.HikariDataSource;
import io.caravan.config.ConfigHealthCheck;
import io.caravan.config.Reconciler;
import io.caravan.config.RouteConfigSeed;
import io.caravan.config.RouteConfigValidator;
import io.caravan.delivery.WebhookDeliveryFamily;
import io.caravan.drain.QueueDrainFamily;
import io.caravan.errors.ErrorClassifier;
import io.caravan.errors.FailureHandling;
import io.caravan.errors.LogContext;
import io.caravan.errors.PayloadRedaction;
import io.caravan.errors.RetryPolicies;
import io.caravan.errors.RetryPolicy;
import io.caravan.events.InboxSeal;
import io.caravan.events.SharedKafkaProducers;
import io.caravan.feed.FeedStores;
import io.caravan.feed.WatermarkFeedFamily;
import io.caravan.inbound.InboundWebhookFamily;
import io.caravan.ops.OperatorJolokia;
import io.caravan.ops.OpsMBeans;
import io.caravan.ops.alerts.AlertChannel;
import io.caravan.ops.alerts.AlertDelivery;
import io.caravan.ops.alerts.AlertEvents;
import io.caravan.ops.alerts.AlertHttp;
import io.caravan.ops.alerts.AlertRules;
import io.caravan.ops.alerts.AlertSettings;
import io.caravan.ops.alerts.Alerting;
import io.caravan.ops.alerts.AlertsControl;
import io.caravan.ops.health.HealthEvaluator;
import io.caravan.ops.health.RouteHealthCheck;
import io.caravan.ops.health.RouteHealthControl;
import io.caravan.ops.health.SignalReader;
import io.caravan.ops.health.StoreHealthCheck;
import io.caravan.outbound.Egress;
import io.caravan.outbound.OutboundHttp;
import io.caravan.saga.SagaFamily;
import io.caravan.store.ConfigAudit;
import io.caravan.store.DeadLetter;
import io.caravan.store.DeadLetters;
import io.caravan.store.DrainProfiles;
import io.caravan.store.ExecutionLog;
import io.caravan.store.IdempotencyLedger;
import io.caravan.store.LedgerHeartbeat;
import io.caravan.store.LedgerTimings;
import io.caravan.store.RouteConfigRow;
import io.caravan.store.RouteConfigStore;
import io.caravan.store.RouteLocks;
import io.caravan.store.RoutePauses;
import io.caravan.store.Sagas;
import io.caravan.store.Stores;
import io.caravan.store.TakeoverReason;
import io.caravan.store.TriggerRedrives;
import io.caravan.store.Watermarks;
import io.caravan.template.Durations;
import io.caravan.template.RouteFamily;
import io.caravan.template.SecretRoots;
import io.caravan.trigger.S3TransientTriggerFamily;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.random.RandomGenerator;
import javax.sql.DataSource;
import org.apache.camel.CamelContext;
import org.apache.camel.ExtendedStartupListener;
import org.apache.camel.component.kafka.KafkaComponent;
import org.apache.camel.component.kafka.KafkaConfiguration;
import org.apache.camel.component.micrometer.MicrometerConstants;
import org.apache.camel.component.platform.http.plugin.JolokiaPlatformHttpPlugin;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;
import org.apache.camel.model.Model;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.support.PropertyBindingSupport;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires caravan into camel-main: stores, the shared error handling, route families and the reconciler. Every
 * setting is read through Camel's properties, so an environment variable (CARAVAN_DATASOURCE_URL for
 * caravan.datasource.url) overrides application.properties.
 */
public final class Caravan extends MainListenerSupport {
    private static final Logger LOG = LoggerFactory.getLogger(Caravan.class);

    /** Names under which caravan's parts are bound in the Camel registry. */
    public static final String DATA_SOURCE = "caravanDataSource";

    public static final String LEDGER = "caravanLedger";
    public static final String RECONCILER = "caravanReconciler";
    /** The scheduler every feed's and drain's throttle shares (routes/*.yaml name it). */
    public static final String THROTTLE_POOL = "caravanThrottlePool";
    /** Threads of {@link #THROTTLE_POOL}: the throttles only schedule short tasks on it. */
    private static final int THROTTLE_THREADS = 2;

    private static final String KAFKA_ENV_PREFIX = "CAMEL_COMPONENT_KAFKA_";
    private static final String MANAGEMENT_AUTH = "camel.management.authenticationEnabled";
    private static final String MANAGEMENT_USERS = "camel.management.basicPropertiesFile";

    private CamelContext camel;
    private HikariDataSource store;
    private final Map<String, HikariDataSource> sources = new ConcurrentHashMap<>();
    private Reconciler reconciler;
    private RouteConfigStore configs;
    private OutboundHttp outbound;
    private LedgerHeartbeat heartbeat;
    private HealthEvaluator health;
    private AlertDelivery alertDelivery;
    private Path dataDir;
    private OpsMBeans opsMBeans;

    /** A camel-main with caravan's listener; {@code overrides} win over application.properties (tests use them). */
    public static Main newMain(Map<String, String> overrides) {
        Main main = new Main();
        main.setPropertyPlaceholderLocations(
                "file:application.properties;optional=true,classpath:application.properties;optional=true");
        overrides.forEach(main::addOverrideProperty);
        main.addMainListener(new Caravan());
        return main;
    }

    @Override
    public void beforeConfigure(BaseMainSupport main) {
        // bound before camel-micrometer-prometheus starts, so Camel's metrics and caravan's share one registry
        main.getCamelContext()
                .getRegistry()
                .bind(MicrometerConstants.METRICS_REGISTRY_NAME, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        // found by id before Camel's own: /observe/jolokia passes the authenticated user to caravan's MBeans
        main.getCamelContext().getRegistry().bind(JolokiaPlatformHttpPlugin.NAME, new OperatorJolokia());
        PropertiesComponent properties = main.getCamelContext().getPropertiesComponent();
        localManagementAuthentication(properties);
        jolokiaOnlyWithAuthentication(properties);
    }

    /**
     * Jolokia runs operations (caravan's MBeans, Camel's route controls): it is served only behind the management
     * server's authentication, never open on a port the Kubernetes base binds to every interface.
     */
    private static void jolokiaOnlyWithAuthentication(PropertiesComponent properties) {
        boolean jolokia = Boolean.parseBoolean(
                properties.resolveProperty("camel.management.jolokiaEnabled").orElse("false"));
        boolean authenticated =
                Boolean.parseBoolean(properties.resolveProperty(MANAGEMENT_AUTH).orElse("false"));
        if (jolokia && !authenticated) {
            properties.addOverrideProperty("camel.management.jolokiaEnabled", "false");
            LOG.warn("/observe/jolokia is off because management authentication is off "
                    + "(CAMEL_MANAGEMENT_AUTHENTICATIONENABLED, CAMEL_MANAGEMENT_BASICPROPERTIESFILE)");
        }
    }

    /**
     * Local mode protects /observe too: unless a users file is configured or CAMEL_MANAGEMENT_AUTHENTICATIONENABLED
     * says otherwise, a development user is generated under the data directory and authentication is turned on
     * (before camel-main configures the management server from these settings).
     */
    private static void localManagementAuthentication(PropertiesComponent properties) {
        boolean local =
                "local".equals(properties.resolveProperty("caravan.mode").orElse("local"));
        boolean usersConfigured = properties
                .resolveProperty(MANAGEMENT_USERS)
                .filter(f -> !f.isBlank())
                .isPresent();
        if (!local || usersConfigured || System.getenv("CAMEL_MANAGEMENT_AUTHENTICATIONENABLED") != null) {
            return;
        }
        Path dir = Path.of(properties.resolveProperty(DataDirectory.SETTING).orElse(DataDirectory.DEFAULT));
        DataDirectory.create(dir);
        Path users = LocalManagementUser.ensure(dir);
        properties.addOverrideProperty(MANAGEMENT_AUTH, "true");
        properties.addOverrideProperty(MANAGEMENT_USERS, users.toString());
        LOG.info(
                "management port: /observe/* needs the development user '{}' from {} (cat the file for its password)",
                LocalManagementUser.USER,
                users);
    }

    @Override
    public void afterConfigure(BaseMainSupport main) {
        camel = main.getCamelContext();
        Clock clock = Clock.systemUTC();
        // every log line is redacted for these fields; every route step puts caravan's ids into the MDC
        PayloadRedaction.configure(property(PayloadRedaction.SETTING, PayloadRedaction.DEFAULT_FIELDS));
        camel.getCamelContextExtension().addInterceptStrategy(new LogContext());
        dataDir = Path.of(property(DataDirectory.SETTING, DataDirectory.DEFAULT));
        if ("local".equals(property("caravan.mode", "local"))) {
            DataDirectory.create(dataDir); // owner-only before the stores and stand-ins write into it
        } else {
            DataDirectory.secure(dataDir);
        }
        store = Stores.dataSource(
                property("caravan.datasource.url"),
                property("caravan.datasource.user"),
                secret("caravan.datasource.password"),
                Integer.parseInt(property("caravan.datasource.pool-size", "10")));
        Stores.migrate(store);
        configs = new RouteConfigStore(store, clock);
        ConfigAudit audit = new ConfigAudit(store, clock);
        ExecutionLog executionLog = new ExecutionLog(store, clock);
        DeadLetters deadLetters = new DeadLetters(
                store,
                clock,
                Integer.parseInt(property(
                        "caravan.dead-letters.max-payload-bytes",
                        String.valueOf(DeadLetters.DEFAULT_MAX_PAYLOAD_BYTES))));
        Optional<InboxSeal> inboxSeal = inboxSeal();
        String owner = owner();
        IdempotencyLedger ledger = new IdempotencyLedger(
                store,
                owner,
                LedgerTimings.from(s -> camel.getPropertiesComponent()
                        .resolveProperty(s.key())
                        .map(Durations::parse)
                        .orElse(s.defaultValue())),
                clock);
        heartbeat = ledger.heartbeat();
        PrometheusMeterRegistry meters = camel.getRegistry()
                .lookupByNameAndType(MicrometerConstants.METRICS_REGISTRY_NAME, PrometheusMeterRegistry.class);
        ledgerMetrics(meters, ledger);

        RetryPolicies retryPolicies = new RetryPolicies(RetryPolicy.DEFAULT);
        FailureHandling failures = new FailureHandling(
                new ErrorClassifier(),
                retryPolicies,
                (routeId, correlationId, key, category, status, reason, attempts, payload, headers) ->
                        deadLetters.record(DeadLetter.of(
                                routeId,
                                correlationId,
                                key,
                                category.name(),
                                status,
                                reason,
                                attempts,
                                payload,
                                headers)),
                meters,
                clock,
                RandomGenerator.getDefault());
        failures.bindTo(camel.getRegistry());
        // shut down by Camel with the context, after the routes
        camel.getRegistry()
                .bind(
                        THROTTLE_POOL,
                        camel.getExecutorServiceManager()
                                .newScheduledThreadPool(this, "caravan-throttle", THROTTLE_THREADS));
        camel.getRegistry().bind(DATA_SOURCE, store);
        camel.getRegistry().bind(LEDGER, ledger);
        Egress egress = Egress.of(
                property(Egress.ALLOWED_HOSTS, ""), property(Egress.PLAIN_HTTP_HOSTS, Egress.DEFAULT_PLAIN_HTTP_HOSTS));
        outbound = new OutboundHttp(egress, outboundSettings());
        camel.getRegistry().bind(OutboundHttp.BEAN, outbound);
        // one Kafka producer client per distinct producer configuration, and one pool continuing asynchronous sends,
        // for the endpoints that name them
        camel.getRegistry().bind(SharedKafkaProducers.BEAN, new SharedKafkaProducers());
        camel.getRegistry().bind(SharedKafkaProducers.WORKERS, SharedKafkaProducers.workers(camel));

        Path routesDir = Path.of(property("caravan.routes.dir", "routes"));
        SecretRoots secretRoots = SecretRoots.of(
                property(SecretRoots.DIRS, SecretRoots.DEFAULT_DIRS),
                property(SecretRoots.ENV_PREFIX, SecretRoots.DEFAULT_ENV_PREFIX));
        SagaFamily sagaFamily = new SagaFamily(
                camel,
                new Sagas(store, clock),
                new RouteLocks(store, clock),
                deadLetters,
                executionLog,
                meters,
                clock,
                owner,
                Durations.parse(property(SagaFamily.LEASE, SagaFamily.DEFAULT_LEASE)),
                routesDir.resolve("sagas"));
        Map<String, RouteFamily> families = Map.of(
                WatermarkFeedFamily.TEMPLATE_ID,
                new WatermarkFeedFamily(
                        camel,
                        new FeedStores(store, ledger, new Watermarks(store, clock), executionLog, deadLetters),
                        meters,
                        clock,
                        this::sourceDataSource,
                        routesDir.resolve("sql")),
                S3TransientTriggerFamily.TEMPLATE_ID,
                new S3TransientTriggerFamily(
                        camel, ledger, deadLetters, new TriggerRedrives(store, clock), meters, clock),
                InboundWebhookFamily.TEMPLATE_ID,
                new InboundWebhookFamily(ledger, inboxSeal, meters, clock, secretRoots),
                QueueDrainFamily.TEMPLATE_ID,
                new QueueDrainFamily(
                        camel,
                        ledger,
                        deadLetters,
                        executionLog,
                        inboxSeal,
                        meters,
                        Durations.parse(
                                property(QueueDrainFamily.LEAVE_GROUP_GAP, QueueDrainFamily.DEFAULT_LEAVE_GROUP_GAP))),
                WebhookDeliveryFamily.TEMPLATE_ID,
                new WebhookDeliveryFamily(meters, clock, outbound, secretRoots),
                SagaFamily.TEMPLATE_ID,
                sagaFamily);
        Model model = camel.getCamelContextExtension().getContextPlugin(Model.class);
        RouteConfigValidator validator = new RouteConfigValidator(
                families, id -> model.getRouteTemplateDefinition(id) != null, egress, RetryPolicy.DEFAULT);
        reconciler = new Reconciler(
                camel,
                configs,
                new DrainProfiles(store),
                audit,
                executionLog,
                validator,
                retryPolicies,
                new RoutePauses(store, clock));
        camel.getRegistry().bind(RECONCILER, reconciler);
        HealthCheckRegistry.get(camel).register(new ConfigHealthCheck(reconciler));
        opsMBeans = OpsMBeans.register(
                camel,
                store,
                clock,
                reconciler,
                validator,
                meters,
                ledger,
                deadLetters,
                Durations.parse(property("caravan.replay.lease", "2m")),
                sagaFamily);
        healthAndAlerts(meters, deadLetters, executionLog, clock);

        kafkaSettingsFromEnvironment();
        if ("local".equals(property("caravan.mode", "local"))) {
            installLocalStandIns();
        }
        try {
            camel.addStartupListener(new ExtendedStartupListener() {
                @Override
                public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {}

                @Override
                public void onCamelContextFullyStarted(CamelContext context, boolean alreadyStarted) {
                    startReconciling();
                }
            });
            camel.addService(new Lifecycle(), true, true);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        LOG.info(
                "caravan configured: store {}, owner {}, mode {}",
                safeUrl(property("caravan.datasource.url")),
                owner,
                property("caravan.mode", "local"));
    }

    /**
     * camel-main configures the kafka component from application.properties but ignores the environment for it
     * (CAMEL_COMPONENT_KAFKA_BROKERS, ..._SASLJAASCONFIG): the resolved brokers setting and every
     * CAMEL_COMPONENT_KAFKA_&lt;OPTION&gt; variable (option name in any case) are applied here, so a real cluster is
     * reached by configuration alone, as the README promises for every setting.
     */
    private void kafkaSettingsFromEnvironment() {
        KafkaConfiguration kafka =
                camel.getComponent("kafka", KafkaComponent.class).getConfiguration();
        camel.getPropertiesComponent()
                .resolveProperty("camel.component.kafka.brokers")
                .filter(b -> !b.isBlank())
                .ifPresent(kafka::setBrokers);
        System.getenv().forEach((name, value) -> {
            if (name.startsWith(KAFKA_ENV_PREFIX) && name.length() > KAFKA_ENV_PREFIX.length()) {
                String option = name.substring(KAFKA_ENV_PREFIX.length()).replace("_", "");
                Map<String, Object> one = new HashMap<>(Map.of(option, value));
                try {
                    PropertyBindingSupport.build()
                            .withCamelContext(camel)
                            .withTarget(kafka)
                            .withIgnoreCase(true)
                            .withMandatory(true)
                            .withProperties(one)
                            .bind();
                } catch (RuntimeException e) {
                    // the value may be a credential (SASL JAAS config): name the variable only
                    throw new IllegalStateException(
                            "environment variable " + name + " is not an option of Camel's kafka component", null);
                }
            }
        });
    }

    /** Local mode's in-process stand-ins, found through ServiceLoader (a production build has none). */
    private void installLocalStandIns() {
        List<LocalStandIn> standIns = ServiceLoader.load(LocalStandIn.class).stream()
                .map(ServiceLoader.Provider::get)
                .toList();
        if (standIns.isEmpty()) {
            throw new IllegalStateException("caravan.mode=local, but this build has no local stand-ins "
                    + "(a production build); set CARAVAN_MODE=production");
        }
        standIns.forEach(s -> s.install(camel, this::sourceDataSource));
    }

    /** After every route has started: upsert the seed rows, then reconcile now and every refresh. */
    private void startReconciling() {
        String seedFile = property("caravan.config.seed-file", "routes/route-config.yaml");
        if (!seedFile.isBlank() && Files.exists(Path.of(seedFile))) {
            try {
                RouteConfigSeed.Loaded seed = RouteConfigSeed.load(Path.of(seedFile));
                seed.problems().forEach(p -> LOG.warn("route config seed: {}", p));
                for (RouteConfigRow row : seed.rows()) {
                    configs.upsert(row, row.updatedBy());
                }
            } catch (Exception e) {
                LOG.error("route config seed {} could not be read; the table is used as it is", seedFile, e);
            }
        }
        reconciler.start(Durations.parse(property("caravan.config.refresh", "10s")));
        health.start(Durations.parse(
                property(HealthEvaluator.EVALUATE_EVERY, HealthEvaluator.DEFAULT_EVALUATE_EVERY.toSeconds() + "s")));
        DataDirectory.secure(dataDir); // files the stores and local stand-ins created while starting
    }

    /**
     * Starts the ledger's heartbeat before any route claims a key; on shutdown stops the reconciler, then the heartbeat
     * (deleting this owner's row: the routes have completed or released their keys), and closes the pools.
     */
    private final class Lifecycle extends ServiceSupport {
        @Override
        protected void doStart() {
            heartbeat.start();
        }

        @Override
        protected void doStop() {
            opsMBeans.close();
            reconciler.close();
            health.close();
            alertDelivery.close();
            heartbeat.stop();
            try {
                outbound.close();
            } catch (Exception e) {
                LOG.warn("closing the outbound HTTP client failed", e);
            }
            sources.values().forEach(HikariDataSource::close);
            store.close();
        }
    }

    private OutboundHttp.Settings outboundSettings() {
        OutboundHttp.Settings d = OutboundHttp.Settings.DEFAULT;
        return new OutboundHttp.Settings(
                Durations.parse(property(
                        OutboundHttp.CONNECT_TIMEOUT, d.connectTimeout().toMillis() + "ms")),
                Durations.parse(property(
                        OutboundHttp.RESPONSE_TIMEOUT, d.responseTimeout().toMillis() + "ms")),
                Integer.parseInt(property(OutboundHttp.MAX_CONNECTIONS, String.valueOf(d.maxConnections()))),
                Integer.parseInt(
                        property(OutboundHttp.MAX_CONNECTIONS_PER_HOST, String.valueOf(d.maxConnectionsPerHost()))),
                property(OutboundHttp.PROXY, d.proxy()));
    }

    /**
     * Route health (evaluated once the routes run; /health, io.caravan:type=RouteHealth, caravan_route_health) and the
     * alerts derived from it, sent to the configured Teams and webhook URLs (io.caravan:type=Alerts, alert_event). In
     * local mode alerts go to the demo receiver unless a URL is set.
     */
    private void healthAndAlerts(
            PrometheusMeterRegistry meters, DeadLetters deadLetters, ExecutionLog executionLog, Clock clock) {
        health = new HealthEvaluator(
                configs::all,
                id -> Optional.ofNullable(camel.getRouteController().getRouteStatus(id)),
                new SignalReader(meters, deadLetters, executionLog, clock),
                meters,
                clock);
        HealthCheckRegistry.get(camel).register(new RouteHealthCheck(health));
        HealthCheckRegistry.get(camel).register(new StoreHealthCheck(store));
        RouteHealthControl.register(new RouteHealthControl(health, deadLetters));

        String teamsUrl = alertSecret(AlertSettings.TEAMS_URL);
        if (teamsUrl.isBlank() && "local".equals(property("caravan.mode", "local"))) {
            teamsUrl = "http://localhost:" + property("camel.server.port", "8080") + "/demo/alerts";
        }
        AlertSettings settings = new AlertSettings(
                Optional.of(teamsUrl),
                Optional.of(alertSecret(AlertSettings.WEBHOOK_URL)),
                Durations.parse(property(AlertSettings.GROUP_WAIT, AlertSettings.DEFAULT_GROUP_WAIT.toSeconds() + "s")),
                Durations.parse(property(
                        AlertSettings.REPEAT_INTERVAL, AlertSettings.DEFAULT_REPEAT_INTERVAL.toSeconds() + "s")),
                property(AlertSettings.RUNBOOK_URL, AlertSettings.DEFAULT_RUNBOOK_URL),
                Duration.ofSeconds(2),
                4);
        AlertHttp http = new AlertHttp(outbound);
        Map<AlertChannel, String> urls = new EnumMap<>(AlertChannel.class);
        settings.teamsUrl().ifPresent(u -> urls.put(AlertChannel.TEAMS, u));
        settings.webhookUrl().ifPresent(u -> urls.put(AlertChannel.WEBHOOK, u));
        urls.entrySet().removeIf(e -> {
            String refused = http.refusal(e.getValue());
            if (refused != null) {
                LOG.warn("alerts are not sent to {}: its URL {}", e.getKey().tag(), refused);
            }
            return refused != null;
        });
        if (urls.isEmpty()) {
            LOG.info(
                    "no alert channel configured ({} / {}): alerts are kept in alert_event and JMX only",
                    AlertSettings.TEAMS_URL,
                    AlertSettings.WEBHOOK_URL);
        }
        AlertEvents events = new AlertEvents(store);
        alertDelivery = new AlertDelivery(urls, http, events, settings, meters);
        Alerting alerting = new Alerting(AlertRules.all(), events, alertDelivery, settings, clock);
        health.addListener(alerting);
        AlertsControl.register(new AlertsControl(alerting, events, alertDelivery));
    }

    /**
     * caravan_ledger_takeovers_total{reason=lease|owner_gone}, and this process's heartbeat: its age (growing past the
     * owner timeout means the store cannot be written and other processes may take over our keys) and failed writes.
     */
    private static void ledgerMetrics(MeterRegistry meters, IdempotencyLedger ledger) {
        for (TakeoverReason reason : TakeoverReason.values()) {
            FunctionCounter.builder("caravan.ledger.takeovers", ledger, l -> l.takeovers(reason))
                    .description("IN_PROGRESS keys taken over from another owner: its lease ended, or its heartbeat"
                            + " stopped (owner_gone)")
                    .tag("reason", reason.tag())
                    .register(meters);
        }
        Gauge.builder(
                        "caravan.ledger.heartbeat.age.seconds",
                        ledger.heartbeat(),
                        h -> h.age().toMillis() / 1000.0)
                .description("seconds since this process last wrote its ledger owner heartbeat")
                .register(meters);
        FunctionCounter.builder("caravan.ledger.heartbeat.failures", ledger.heartbeat(), LedgerHeartbeat::failures)
                .description("ledger owner heartbeats that could not be written")
                .register(meters);
    }

    /**
     * The key the inbound receiver seals inbox records with and the drain verifies them with: caravan.inbox.secret
     * or caravan.inbox.secret-file; in local mode, generated once into &lt;data dir&gt;/secrets/inbox-secret (owner-only).
     */
    private Optional<InboxSeal> inboxSeal() {
        String keys = secret(InboxSeal.SETTING);
        if (!keys.isBlank()) {
            return Optional.of(InboxSeal.parse(keys));
        }
        if ("local".equals(property("caravan.mode", "local"))) {
            try {
                return Optional.of(
                        InboxSeal.loadOrCreate(dataDir.resolve("secrets").resolve("inbox-secret")));
            } catch (java.io.IOException e) {
                throw new IllegalStateException("local inbox secret could not be created: " + e, e);
            }
        }
        LOG.warn("{} is not set: inbound-webhook and queue-drain rows are not started", InboxSeal.SETTING);
        return Optional.empty();
    }

    /** An alert URL: a missing or unreadable file leaves that channel off (with a warning) instead of failing startup. */
    private String alertSecret(String key) {
        try {
            return secret(key);
        } catch (IllegalStateException e) {
            LOG.warn("{}: alerts are not sent to this channel", e.getMessage());
            return "";
        }
    }

    private Optional<DataSource> sourceDataSource(String name) {
        if (!name.matches("[A-Za-z0-9_-]{1,64}")) {
            return Optional.empty();
        }
        HikariDataSource existing = sources.get(name);
        if (existing != null) {
            return Optional.of(existing);
        }
        Optional<String> url = camel.getPropertiesComponent().resolveProperty("caravan.source." + name + ".url");
        if (url.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(sources.computeIfAbsent(
                name,
                n -> Stores.dataSource(
                        url.get(),
                        property("caravan.source." + n + ".user", ""),
                        secret("caravan.source." + n + ".password"),
                        4)));
    }

    private String property(String key) {
        return camel.getPropertiesComponent()
                .resolveProperty(key)
                .orElseThrow(() -> new IllegalStateException("setting " + key + " is required"));
    }

    private String property(String key, String defaultValue) {
        return camel.getPropertiesComponent().resolveProperty(key).orElse(defaultValue);
    }

    /** A secret from KEY (environment override) or from the file named by KEY-file; never logged. */
    private String secret(String key) {
        Optional<String> file =
                camel.getPropertiesComponent().resolveProperty(key + "-file").filter(f -> !f.isBlank());
        if (file.isPresent()) {
            // the operator's infrastructure setting, not a row: any path; the message names the setting only
            try {
                return Files.readString(Path.of(file.get()), StandardCharsets.UTF_8)
                        .strip();
            } catch (IOException | RuntimeException e) {
                throw new IllegalStateException("the file named by " + key + "-file cannot be read", null);
            }
        }
        return camel.getPropertiesComponent().resolveProperty(key).orElse("");
    }

    private static String owner() {
        String host = System.getenv("HOSTNAME");
        if (host == null) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (Exception e) {
                host = "caravan";
            }
        }
        return host + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static String safeUrl(String url) {
        return url.replaceAll("(?i)(password|pwd)=[^;&]*", "$1=***");
    }
}
