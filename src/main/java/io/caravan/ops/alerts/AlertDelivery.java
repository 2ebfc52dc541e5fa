package io.caravan.ops.alerts;

import io.caravan.errors.Classification;
import io.caravan.errors.ErrorClassifier;
import io.caravan.errors.RetryAfter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends notifications on a thread of its own from a bounded queue, so a slow or failing receiver never holds up the
 * evaluation or a route: when the queue is full the notification is dropped and counted. Requests are paced to at
 * most 4 per second (Teams' limit for a webhook). A failed request is classified by the shared
 * {@link ErrorClassifier}: TRANSIENT failures (timeouts, 408, 429, 5xx) are retried with doubling delays (or the
 * receiver's Retry-After, up to a minute), others are not; the last failure is recorded on the alert_event row.
 */
public final class AlertDelivery implements AutoCloseable {
    static final int CAPACITY = 500;
    static final Duration MIN_INTERVAL = Duration.ofMillis(250);
    private static final Duration MAX_RETRY_AFTER = Duration.ofMinutes(1);
    private static final Logger LOG = LoggerFactory.getLogger(AlertDelivery.class);

    private record Job(Notification notification, long eventId) {}

    private final Map<AlertChannel, String> urls;
    private final AlertHttp http;
    private final ErrorClassifier classifier = new ErrorClassifier();
    private final AlertEvents events;
    private final AlertSettings settings;
    private final MeterRegistry meters;
    private final BlockingQueue<Job> queue = new ArrayBlockingQueue<>(CAPACITY);
    private final Counter dropped;
    private final Thread worker;
    private long lastRequest = System.nanoTime() - MIN_INTERVAL.toNanos();
    private volatile boolean running = true;

    public AlertDelivery(
            Map<AlertChannel, String> urls,
            AlertHttp http,
            AlertEvents events,
            AlertSettings settings,
            MeterRegistry meters) {
        this.urls = Map.copyOf(urls);
        this.http = http;
        this.events = events;
        this.settings = settings;
        this.meters = meters;
        dropped = Counter.builder("caravan.alerts.dropped")
                .description("alert notifications dropped because the delivery queue was full")
                .register(meters);
        Gauge.builder("caravan.alerts.queued", queue, BlockingQueue::size)
                .description("alert notifications waiting to be sent")
                .register(meters);
        worker = new Thread(this::run, "caravan-alerts");
        worker.setDaemon(true);
        worker.start();
    }

    /** The channels that will be used (never their URLs). */
    public java.util.Set<AlertChannel> channels() {
        return urls.keySet();
    }

    /** Queues the notification; never blocks. False when it was dropped (queue full or no channel). */
    public boolean submit(Notification notification, long eventId) {
        if (urls.isEmpty()) {
            return false;
        }
        if (!queue.offer(new Job(notification, eventId))) {
            dropped.increment();
            LOG.warn("alert queue full ({}): {} dropped", CAPACITY, notification.title());
            return false;
        }
        return true;
    }

    public int queued() {
        return queue.size();
    }

    private void run() {
        while (running) {
            Job job;
            try {
                job = queue.poll(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (job == null) {
                continue;
            }
            for (Map.Entry<AlertChannel, String> channel : urls.entrySet()) {
                try {
                    deliver(job, channel.getKey(), channel.getValue());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } catch (RuntimeException e) {
                    LOG.warn(
                            "alert {} to {} failed: {}",
                            job.notification().title(),
                            channel.getKey().tag(),
                            e.toString());
                }
            }
        }
    }

    private void deliver(Job job, AlertChannel channel, String url) throws InterruptedException {
        String body = channel.render(job.notification());
        String state = job.notification().resolved() ? "resolved" : "firing";
        for (int attempt = 1; ; attempt++) {
            pace();
            try {
                http.post(url, body);
                meters.counter("caravan.alerts.sent", "channel", channel.tag(), "state", state)
                        .increment();
                LOG.info(
                        "alert sent to {}: {}",
                        channel.tag(),
                        job.notification().title());
                return;
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                Classification c = classifier.classify(e);
                meters.counter("caravan.alerts.delivery.failures", "channel", channel.tag())
                        .increment();
                boolean retry = c.category().retryable() && attempt < settings.maxAttempts() && running;
                String reason = c.category() + ": " + c.reason();
                LOG.warn(
                        "alert {} to {} failed (attempt {} of {}), {}: {}",
                        job.notification().title(),
                        channel.tag(),
                        attempt,
                        settings.maxAttempts(),
                        retry ? "retrying" : "giving up",
                        reason);
                if (!retry) {
                    recordFailure(job, channel.tag() + " " + reason);
                    return;
                }
                Thread.sleep(delay(attempt, c).toMillis());
            }
        }
    }

    private Duration delay(int attempt, Classification c) {
        Duration backoff = settings.retryDelay().multipliedBy(1L << Math.min(attempt - 1, 10));
        return c.retryAfterHeader()
                .flatMap(h -> RetryAfter.parse(h, java.time.Clock.systemUTC()))
                .map(d -> d.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : d)
                .filter(d -> d.compareTo(backoff) > 0)
                .orElse(backoff);
    }

    private void recordFailure(Job job, String error) {
        if (job.eventId() > 0) {
            try {
                events.deliveryFailed(job.eventId(), error);
            } catch (RuntimeException e) {
                LOG.warn("alert delivery failure not recorded: {}", e.toString());
            }
        }
    }

    /** At most one request per {@link #MIN_INTERVAL}: Teams allows 4 requests per second per webhook. */
    private void pace() throws InterruptedException {
        long wait = lastRequest + MIN_INTERVAL.toNanos() - System.nanoTime();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
        lastRequest = System.nanoTime();
    }

    @Override
    public void close() {
        running = false;
        worker.interrupt();
    }
}
