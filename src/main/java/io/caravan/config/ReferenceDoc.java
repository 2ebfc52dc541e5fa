package io.caravan.config;

import io.caravan.delivery.WebhookDeliveryFamily;
import io.caravan.drain.QueueDrainFamily;
import io.caravan.feed.WatermarkFeedFamily;
import io.caravan.inbound.InboundWebhookFamily;
import io.caravan.saga.SagaFamily;
import io.caravan.template.TemplateParameter;
import io.caravan.trigger.S3TransientTriggerFamily;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Generates docs/route-config.md from the declarations: {@link ConfigColumn} and each template's parameters.
 * A test fails when the committed file is not what this produces, so the reference cannot drift.
 */
public final class ReferenceDoc {
    /** Template id to its declared parameters, for every family the reconciler knows. */
    public static final Map<String, List<TemplateParameter>> TEMPLATES = templates();

    private ReferenceDoc() {}

    private static Map<String, List<TemplateParameter>> templates() {
        Map<String, List<TemplateParameter>> t = new LinkedHashMap<>();
        t.put(WatermarkFeedFamily.TEMPLATE_ID, WatermarkFeedFamily.PARAMETERS);
        t.put(S3TransientTriggerFamily.TEMPLATE_ID, S3TransientTriggerFamily.PARAMETERS);
        t.put(InboundWebhookFamily.TEMPLATE_ID, InboundWebhookFamily.PARAMETERS);
        t.put(QueueDrainFamily.TEMPLATE_ID, QueueDrainFamily.PARAMETERS);
        t.put(WebhookDeliveryFamily.TEMPLATE_ID, WebhookDeliveryFamily.PARAMETERS);
        t.put(SagaFamily.TEMPLATE_ID, SagaFamily.PARAMETERS);
        return t;
    }

    public static String render() {
        StringBuilder md = new StringBuilder();
        md.append("# Route config reference\n\n")
                .append(
                        "Generated from the declarations in `io.caravan.config.ConfigColumn` and each route family's parameters ")
                .append(
                        "(`ReferenceDocTest` fails when this file is stale; it rewrites it with `-Dcaravan.docs.write=true`).\n\n")
                .append(
                        "One row of `route_config` is one running route. Rows in `routes/route-config.yaml` are upserted at startup.\n\n")
                .append("## Columns\n\n| column | default | meaning |\n|---|---|---|\n");
        for (ConfigColumn c : ConfigColumn.values()) {
            md.append("| `")
                    .append(c.column())
                    .append("` | ")
                    .append(c.defaultValue() == null ? "—" : "`" + c.defaultValue() + "`")
                    .append(" | ")
                    .append(c.doc())
                    .append(" |\n");
        }
        for (Map.Entry<String, List<TemplateParameter>> e : TEMPLATES.entrySet()) {
            md.append("\n## Template `")
                    .append(e.getKey())
                    .append("`: parameters (`params` column)\n\n")
                    .append("| parameter | type | required | default | meaning |\n|---|---|---|---|---|\n");
            for (TemplateParameter p : e.getValue()) {
                String type = p.choices().isEmpty() ? p.type().name().toLowerCase() : String.join(" \\| ", p.choices());
                md.append("| `")
                        .append(p.name())
                        .append("` | ")
                        .append(type)
                        .append(" | ")
                        .append(p.required() ? "yes" : "no")
                        .append(" | ")
                        .append(p.defaultValue() == null ? "—" : "`" + p.defaultValue() + "`")
                        .append(" | ")
                        .append(p.doc().replace("|", "\\|"))
                        .append(" |\n");
            }
        }
        return md.toString();
    }

    /** Writes the reference: {@code java -cp ... io.caravan.config.ReferenceDoc docs/route-config.md}. */
    public static void main(String[] args) throws IOException {
        Path out = Path.of(args.length > 0 ? args[0] : "docs/route-config.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, render());
    }
}
