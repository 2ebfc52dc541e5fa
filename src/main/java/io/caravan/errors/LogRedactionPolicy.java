package io.caravan.errors;

import org.apache.logging.log4j.core.Core;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.appender.rewrite.RewritePolicy;
import org.apache.logging.log4j.core.config.plugins.Plugin;
import org.apache.logging.log4j.core.config.plugins.PluginFactory;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.message.SimpleMessage;

/**
 * The log configuration's {@code <CaravanRedaction/>} rewrite policy: every line's message passes through
 * {@link PayloadRedaction#current()} before any appender formats it, so neither the text nor the JSON output carries a
 * configured PII field or a secret-like value (debug-mode output included: it is a log line).
 */
@Plugin(name = "CaravanRedaction", category = Core.CATEGORY_NAME, elementType = "rewritePolicy", printObject = true)
public final class LogRedactionPolicy implements RewritePolicy {

    @PluginFactory
    public static LogRedactionPolicy create() {
        return new LogRedactionPolicy();
    }

    @Override
    public LogEvent rewrite(LogEvent event) {
        String message = event.getMessage() == null ? null : event.getMessage().getFormattedMessage();
        String redacted = PayloadRedaction.current().redact(message);
        if (redacted == null || redacted.equals(message)) {
            return event;
        }
        return new Log4jLogEvent.Builder(event)
                .setMessage(new SimpleMessage(redacted))
                .build();
    }
}
