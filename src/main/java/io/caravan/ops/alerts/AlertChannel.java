package io.caravan.ops.alerts;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** Where caravan sends alerts, each with its own message format. */
public enum AlertChannel {
    /**
     * A Microsoft Teams Workflows webhook ("When a Teams webhook request is received"; the legacy Office 365 connector
     * URL accepts the same envelope): a message with one Adaptive Card 1.4 attachment. Teams refuses messages over
     * 28 KB, so the details are cut until the card fits.
     */
    TEAMS {
        @Override
        String render(Notification n) {
            String details = String.join("\n\n", n.details());
            String json = write(card(n, details));
            while (json.getBytes(StandardCharsets.UTF_8).length > MAX_TEAMS_BYTES && !details.isEmpty()) {
                details = details.substring(0, details.length() / 2);
                json = write(card(n, details.isEmpty() ? "" : details + "… (details cut)"));
            }
            return json;
        }

        private ObjectNode card(Notification n, String details) {
            ObjectNode message = JSON.createObjectNode();
            message.put("type", "message");
            ObjectNode attachment = message.putArray("attachments").addObject();
            attachment.put("contentType", "application/vnd.microsoft.card.adaptive");
            attachment.putNull("contentUrl");
            ObjectNode content = attachment.putObject("content");
            content.put("$schema", "http://adaptivecards.io/schemas/adaptive-card.json");
            content.put("type", "AdaptiveCard");
            content.put("version", "1.4");
            ArrayNode body = content.putArray("body");
            ObjectNode title = body.addObject();
            title.put("type", "TextBlock");
            title.put("text", n.title());
            title.put("weight", "Bolder");
            title.put("size", "Medium");
            title.put("wrap", true);
            title.put(
                    "color",
                    n.resolved() ? "Good" : capitalised(n.rule().severity().cardColor()));
            ObjectNode summary = body.addObject();
            summary.put("type", "TextBlock");
            summary.put("text", n.rule().summary());
            summary.put("wrap", true);
            ObjectNode facts = body.addObject();
            facts.put("type", "FactSet");
            ArrayNode list = facts.putArray("facts");
            fact(list, "Route", n.route());
            fact(list, "Rule", n.rule().id());
            fact(list, "Severity", n.rule().severity().label());
            fact(list, "State", n.resolved() ? "resolved" : "firing");
            fact(list, "Value", n.rule().signal().tag() + " = " + FormatNumber.of(n.value()));
            fact(list, "Threshold", n.rule().comparison().promql() + " " + FormatNumber.of(n.threshold()));
            fact(list, "Correlation id", n.correlationId() == null ? "-" : n.correlationId());
            fact(list, "Execution id", n.executionId() == null ? "-" : n.executionId());
            fact(list, "Since", n.firstAt().toString());
            if (!details.isEmpty()) {
                ObjectNode text = body.addObject();
                text.put("type", "TextBlock");
                text.put("text", details);
                text.put("wrap", true);
                text.put("isSubtle", true);
            }
            String runbookUrl = n.runbookUrl();
            if (runbookUrl.startsWith("https://") || runbookUrl.startsWith("http://")) {
                ObjectNode runbook = content.putArray("actions").addObject();
                runbook.put("type", "Action.OpenUrl");
                runbook.put("title", "Runbook");
                runbook.put("url", runbookUrl);
            } else {
                // Action.OpenUrl needs an absolute address: a runbook path is shown as a fact instead
                fact(list, "Runbook", runbookUrl);
            }
            return message;
        }
    },
    /** Any HTTP endpoint: one flat JSON object per notification. */
    WEBHOOK {
        @Override
        String render(Notification n) {
            ObjectNode o = JSON.createObjectNode();
            o.put("status", n.resolved() ? "resolved" : "firing");
            o.put("rule", n.rule().id());
            o.put("route", n.route());
            o.put("severity", n.rule().severity().label());
            o.put("signal", n.rule().signal().tag());
            o.put("value", n.value());
            o.put("comparison", n.rule().comparison().promql());
            o.put("threshold", n.threshold());
            o.put("summary", n.rule().summary());
            o.put("correlationId", n.correlationId());
            o.put("executionId", n.executionId());
            o.put("startsAt", n.firstAt().toString());
            o.put("at", n.at().toString());
            o.put("runbook", n.runbookUrl());
            ArrayNode details = o.putArray("details");
            n.details().forEach(details::add);
            return write(o);
        }
    };

    /** Teams' limit for a webhook message. */
    public static final int MAX_TEAMS_BYTES = 28 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The request body for this notification. */
    abstract String render(Notification n);

    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }

    private static void fact(ArrayNode facts, String title, String value) {
        ObjectNode f = facts.addObject();
        f.put("title", title);
        f.put("value", value);
    }

    private static String capitalised(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    private static String write(ObjectNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
