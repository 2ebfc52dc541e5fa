package io.caravan.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.caravan.errors.RetryPolicy;
import io.caravan.feed.WatermarkFeedFamily;
import io.caravan.template.DrainBudget;
import io.caravan.template.InstanceSpec;
import io.caravan.template.Schedule;
import io.caravan.template.Tier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/** The YAML templates and the Java families agree on the parameters that connect them. */
class TemplateDeclarationTest {

    @SuppressWarnings("unchecked")
    static Set<String> declaredIn(Path yaml) throws Exception {
        Set<String> names = new LinkedHashSet<>();
        for (Object item :
                (List<Object>) new Load(LoadSettings.builder().build()).loadFromString(Files.readString(yaml))) {
            Map<String, Object> template = (Map<String, Object>) ((Map<String, Object>) item).get("routeTemplate");
            for (Object p : (List<Object>) template.get("parameters")) {
                names.add((String) ((Map<String, Object>) p).get("name"));
            }
        }
        return names;
    }

    static Set<String> usedIn(Path yaml) throws Exception {
        Set<String> used = new LinkedHashSet<>();
        Matcher m = Pattern.compile("\\{\\{([A-Za-z0-9_.-]+)}}").matcher(Files.readString(yaml));
        while (m.find()) {
            used.add(m.group(1));
        }
        return used;
    }

    /** Guards against a template parameter used but not declared, or declared but never used. */
    @Test
    void watermark_feed_yaml_declares_exactly_the_parameters_it_uses() throws Exception {
        Path yaml = Path.of("routes/watermark-feed.yaml");
        assertThat(usedIn(yaml)).containsExactlyInAnyOrderElementsOf(declaredIn(yaml));
    }

    /** Guards against the family passing parameters the YAML template does not declare, or missing one. */
    @Test
    void watermark_feed_family_supplies_every_yaml_parameter() throws Exception {
        Map<String, String> params = new HashMap<>();
        params.put("sourceKind", "http");
        params.put("sourceUrl", "http://localhost/x");
        params.put("idField", "id");
        params.put("updatedAtField", "updated_at");
        params.put("idType", "LONG");
        params.put("overlap", "2m");
        params.put("horizon", "auto");
        params.put("maxHorizonWait", "5m");
        params.put("reconcileEvery", "10m");
        params.put("reconcileWindow", "1h");
        params.put("sourceZone", "UTC");
        params.put("key", "${body[id]}");
        params.put("sink", "http");
        params.put("target", "http://localhost/y");
        params.put("parallelDeliveries", "2");
        InstanceSpec spec = new InstanceSpec(
                "r1",
                "watermark-feed",
                Tier.T3,
                Optional.of(new DrainBudget("P", 5, 2)),
                Optional.of(new Schedule.Every(Duration.ofSeconds(1))),
                params,
                Optional.empty(),
                RetryPolicy.DEFAULT,
                1);
        try (DefaultCamelContext camel = new DefaultCamelContext()) {
            javax.sql.DataSource store = io.caravan.testing.Databases.h2();
            var stores = new io.caravan.feed.FeedStores(
                    store,
                    null,
                    new io.caravan.store.Watermarks(store, Clock.systemUTC()),
                    new io.caravan.store.ExecutionLog(store, Clock.systemUTC()),
                    new io.caravan.store.DeadLetters(store, Clock.systemUTC()));
            var family = new WatermarkFeedFamily(
                    camel,
                    stores,
                    new io.micrometer.core.instrument.simple.SimpleMeterRegistry(),
                    Clock.systemUTC(),
                    n -> Optional.empty(),
                    Path.of("routes/sql"));
            try (var outbound = new io.caravan.outbound.OutboundHttp(
                    io.caravan.outbound.Egress.of("localhost", "localhost"),
                    io.caravan.outbound.OutboundHttp.Settings.DEFAULT)) {
                camel.getRegistry().bind(io.caravan.outbound.OutboundHttp.BEAN, outbound);
                try (var instance = family.create(spec)) {
                    assertThat(instance.templateParameters().keySet())
                            .containsExactlyInAnyOrderElementsOf(declaredIn(Path.of("routes/watermark-feed.yaml")));
                }
            }
        }
    }

    /** Guards against a trigger template parameter used but not declared, or declared but never used. */
    @Test
    void s3_transient_trigger_yaml_declares_exactly_the_parameters_it_uses() throws Exception {
        Path yaml = Path.of("routes/s3-transient-trigger.yaml");
        assertThat(usedIn(yaml)).containsExactlyInAnyOrderElementsOf(declaredIn(yaml));
    }

    /** Guards against the trigger family passing parameters the YAML template does not declare, or missing one. */
    @Test
    void s3_transient_trigger_family_supplies_every_yaml_parameter() throws Exception {
        Map<String, String> params =
                io.caravan.testing.TriggerRows.params(Map.of("region", "eu-central-1", "sweepInterval", "1h"));
        InstanceSpec spec = new InstanceSpec(
                "t1",
                "s3-transient-trigger",
                Tier.T2,
                Optional.empty(),
                Optional.empty(),
                params,
                Optional.empty(),
                RetryPolicy.DEFAULT,
                1);
        try (DefaultCamelContext camel = new DefaultCamelContext()) {
            camel.getPropertiesComponent()
                    .addOverrideProperty("caravan.aws.s3.endpoint-override", "http://127.0.0.1:1");
            camel.getPropertiesComponent()
                    .addOverrideProperty("caravan.aws.sqs.endpoint-override", "http://127.0.0.1:1");
            javax.sql.DataSource store = io.caravan.testing.Databases.h2();
            var family = new io.caravan.trigger.S3TransientTriggerFamily(
                    camel,
                    null,
                    new io.caravan.store.DeadLetters(store, Clock.systemUTC()),
                    new io.caravan.store.TriggerRedrives(store, Clock.systemUTC()),
                    new io.micrometer.core.instrument.simple.SimpleMeterRegistry(),
                    Clock.systemUTC());
            assertThat(family.crossFieldProblems(spec)).isEmpty();
            try (var instance = family.create(spec)) {
                assertThat(instance.templateParameters().keySet())
                        .containsExactlyInAnyOrderElementsOf(declaredIn(Path.of("routes/s3-transient-trigger.yaml")));
            }
        }
    }

    /** Guards against a parameter used but not declared (or the reverse) in the inbound and drain templates. */
    @Test
    void inbound_webhook_and_queue_drain_yaml_declare_exactly_the_parameters_they_use() throws Exception {
        for (String file : List.of("routes/inbound-webhook.yaml", "routes/queue-drain.yaml")) {
            Path yaml = Path.of(file);
            assertThat(usedIn(yaml)).as(file).containsExactlyInAnyOrderElementsOf(declaredIn(yaml));
        }
    }

    @Test
    void inbound_webhook_family_supplies_every_yaml_parameter() throws Exception {
        Path secret = Files.createTempFile("whsec", ".txt");
        Files.writeString(secret, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        Map<String, String> params = Map.of(
                "source", "crm",
                "secret", "file:" + secret.toAbsolutePath(),
                "tolerance", "5m",
                "inboxTopic", "crm-inbox",
                "maxBodySize", "1024",
                "sendTimeout", "10s");
        InstanceSpec spec = new InstanceSpec(
                "in1",
                "inbound-webhook",
                Tier.T1,
                Optional.empty(),
                Optional.empty(),
                params,
                Optional.empty(),
                RetryPolicy.DEFAULT,
                1);
        var family = new io.caravan.inbound.InboundWebhookFamily(
                null,
                Optional.of(io.caravan.events.InboxSeal.parse(io.caravan.testing.CaravanApp.INBOX_SECRET)),
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry(),
                Clock.systemUTC(),
                io.caravan.testing.TestSecrets.ROOTS);
        assertThat(family.crossFieldProblems(spec)).isEmpty();
        try (var instance = family.create(spec)) {
            assertThat(instance.templateParameters().keySet())
                    .containsExactlyInAnyOrderElementsOf(declaredIn(Path.of("routes/inbound-webhook.yaml")));
        }
    }

    /**
     * Guards against an inbound or drain row running without the inbox key: it would write unsealed records, or
     * deliver records nobody authenticated. Both are rejected naming the setting.
     */
    @Test
    void without_an_inbox_key_inbound_and_drain_rows_are_rejected_naming_the_setting() {
        InstanceSpec inbound = new InstanceSpec(
                "in1",
                "inbound-webhook",
                Tier.T1,
                Optional.empty(),
                Optional.empty(),
                Map.of("source", "crm", "inboxTopic", "crm-inbox", "maxBodySize", "1024", "sendTimeout", "10s"),
                Optional.empty(),
                RetryPolicy.DEFAULT,
                1);
        InstanceSpec drain = new InstanceSpec(
                "d1",
                "queue-drain",
                Tier.T2,
                Optional.of(new DrainBudget("P", 5, 2)),
                Optional.of(new Schedule.Every(Duration.ofSeconds(1))),
                Map.of("inboxTopic", "crm-inbox", "target", "http://localhost/z", "pollTimeout", "1s"),
                Optional.empty(),
                RetryPolicy.DEFAULT,
                1);
        var meters = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();

        var inboundProblems = new io.caravan.inbound.InboundWebhookFamily(
                        null, Optional.empty(), meters, Clock.systemUTC(), io.caravan.testing.TestSecrets.ROOTS)
                .crossFieldProblems(inbound);
        var drainProblems = new io.caravan.drain.QueueDrainFamily(
                        null, null, null, null, Optional.empty(), meters, java.time.Duration.ofSeconds(30))
                .crossFieldProblems(drain);

        assertThat(inboundProblems).anySatisfy(p -> assertThat(p.toString()).contains("caravan.inbox.secret"));
        assertThat(drainProblems).anySatisfy(p -> assertThat(p.toString()).contains("caravan.inbox.secret"));
    }

    @Test
    void queue_drain_family_supplies_every_yaml_parameter() throws Exception {
        Map<String, String> params = Map.of(
                "inboxTopic",
                "crm-inbox",
                "target",
                "http://localhost/z",
                "pollTimeout",
                "1s",
                "parallelDeliveries",
                "1");
        InstanceSpec spec = new InstanceSpec(
                "d1",
                "queue-drain",
                Tier.T2,
                Optional.of(new DrainBudget("P", 5, 2)),
                Optional.of(new Schedule.Every(Duration.ofSeconds(1))),
                params,
                Optional.empty(),
                RetryPolicy.DEFAULT,
                1);
        try (DefaultCamelContext camel = new DefaultCamelContext()) {
            camel.getComponent("kafka", org.apache.camel.component.kafka.KafkaComponent.class)
                    .getConfiguration()
                    .setBrokers("localhost:9");
            javax.sql.DataSource store = io.caravan.testing.Databases.h2();
            var family = new io.caravan.drain.QueueDrainFamily(
                    camel,
                    null,
                    new io.caravan.store.DeadLetters(store, Clock.systemUTC()),
                    new io.caravan.store.ExecutionLog(store, Clock.systemUTC()),
                    Optional.of(io.caravan.events.InboxSeal.parse(io.caravan.testing.CaravanApp.INBOX_SECRET)),
                    new io.micrometer.core.instrument.simple.SimpleMeterRegistry(),
                    java.time.Duration.ofSeconds(30));
            try (var instance = family.create(spec)) {
                assertThat(instance.templateParameters().keySet())
                        .containsExactlyInAnyOrderElementsOf(declaredIn(Path.of("routes/queue-drain.yaml")));
            }
        }
    }

    /** Guards against a parameter the webhook-delivery template uses but does not declare, or the reverse. */
    @Test
    void webhook_delivery_yaml_declares_exactly_the_parameters_it_uses() throws Exception {
        Path yaml = Path.of("routes/webhook-delivery.yaml");
        assertThat(usedIn(yaml)).containsExactlyInAnyOrderElementsOf(declaredIn(yaml));
    }

    /** Guards against the delivery family passing parameters its YAML template does not declare, or missing one. */
    @Test
    void webhook_delivery_family_supplies_every_yaml_parameter(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        Map<String, String> params = new HashMap<>();
        params.put("topic", "events");
        params.put("url", "https://hooks.example.com/in");
        params.put("secret", io.caravan.testing.Events.secretFile(dir, "s"));
        params.put("startFrom", "earliest");
        params.put("timeout", "5s");
        params.put("batchSize", "1");
        params.put("maxInFlight", "16");
        params.put("debug", "false");
        InstanceSpec spec = new InstanceSpec(
                "sub1",
                "webhook-delivery",
                Tier.T1,
                Optional.empty(),
                Optional.empty(),
                params,
                Optional.empty(),
                RetryPolicy.DEFAULT,
                1);
        try (var outbound = new io.caravan.outbound.OutboundHttp(
                        io.caravan.outbound.Egress.of("localhost", "localhost"),
                        io.caravan.outbound.OutboundHttp.Settings.DEFAULT);
                var instance = new io.caravan.delivery.WebhookDeliveryFamily(
                                new io.micrometer.core.instrument.simple.SimpleMeterRegistry(),
                                Clock.systemUTC(),
                                outbound,
                                io.caravan.testing.TestSecrets.ROOTS)
                        .create(spec)) {
            assertThat(instance.templateParameters().keySet())
                    .containsExactlyInAnyOrderElementsOf(declaredIn(Path.of("routes/webhook-delivery.yaml")));
        }
    }
}
