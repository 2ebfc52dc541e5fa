package io.caravan.template;

import java.text.ParseException;
import java.time.Duration;
import java.util.Date;
import org.quartz.CronExpression;

/** When a scheduled route fires: a fixed interval or a Quartz cron expression. */
public sealed interface Schedule permits Schedule.Every, Schedule.Cron {

    /** The query part of a camel-quartz endpoint URI for this schedule. */
    String quartzQuery();

    /** The time between two fire times: the interval, or a cron's gap between its next two fire times after now. */
    Duration nextGap();

    record Every(Duration interval) implements Schedule {
        public Every {
            if (interval.toMillis() < 100) {
                throw new IllegalArgumentException("interval must be at least 100ms, was " + interval);
            }
        }

        @Override
        public String quartzQuery() {
            // fire now on a misfire (e.g. the route started after the first fire time), then keep the interval
            return "trigger.repeatInterval=" + interval.toMillis()
                    + "&trigger.repeatCount=-1&trigger.misfireInstruction=1";
        }

        @Override
        public Duration nextGap() {
            return interval;
        }
    }

    record Cron(String expression) implements Schedule {
        public Cron {
            if (!CronExpression.isValidExpression(expression)) {
                throw new IllegalArgumentException("'" + expression + "' is not a valid Quartz cron expression");
            }
        }

        @Override
        public String quartzQuery() {
            return "cron=" + expression.trim().replace(' ', '+');
        }

        @Override
        public Duration nextGap() {
            try {
                CronExpression cron = new CronExpression(expression);
                Date first = cron.getNextValidTimeAfter(new Date());
                Date second = first == null ? null : cron.getNextValidTimeAfter(first);
                return second == null ? Duration.ofDays(365) : Duration.ofMillis(second.getTime() - first.getTime());
            } catch (ParseException e) {
                throw new IllegalStateException("validated when the schedule was parsed", e);
            }
        }
    }

    /** Parses {@code cron:<quartz cron>}, {@code every 5m}, or a bare duration such as {@code 5m} or {@code PT5M}. */
    public static Schedule parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("a schedule is required (like 'every 5m' or 'cron:0 0/5 * * * ?')");
        }
        String t = text.trim();
        if (t.startsWith("cron:")) {
            return new Cron(t.substring(5).trim());
        }
        if (t.startsWith("every ")) {
            t = t.substring(6);
        }
        return new Every(Durations.parse(t));
    }
}
