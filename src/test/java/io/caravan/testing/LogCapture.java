package io.caravan.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

/** Every log event of the JVM (at the levels configured) while it is open, for tests that count log lines. */
public final class LogCapture extends AbstractAppender implements AutoCloseable {
    /** One captured event: its logger, level, message, and whether it carried a stack trace. */
    public record Line(String logger, String level, String message, boolean stackTrace) {}

    private final List<Line> lines = new ArrayList<>();

    private LogCapture() {
        super("capture-" + UUID.randomUUID(), null, null, true, Property.EMPTY_ARRAY);
    }

    public static LogCapture open() {
        LogCapture capture = new LogCapture();
        capture.attach();
        return capture;
    }

    private void attach() {
        start();
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        // every logger of caravan's configuration is additive: the root sees each event once
        context.getConfiguration().getRootLogger().addAppender(this, null, null);
        context.updateLoggers();
    }

    @Override
    public synchronized void append(LogEvent event) {
        lines.add(new Line(
                event.getLoggerName(),
                event.getLevel().name(),
                event.getMessage().getFormattedMessage(),
                event.getThrown() != null));
    }

    public synchronized List<Line> lines() {
        return List.copyOf(lines);
    }

    @Override
    public void close() {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        context.getConfiguration().getRootLogger().removeAppender(getName());
        context.updateLoggers();
        stop();
    }
}
