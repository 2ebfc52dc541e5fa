package io.caravan.errors;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.random.RandomGenerator;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.spi.Registry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Camel side of the error taxonomy, called from the {@code caravan-errors} route configuration.
 *
 * <p>Camel's RedeliveryErrorHandler (4.18) runs, after each failed delivery: increment header
 * CamelRedeliveryCounter (so it counts deliveries made), the onExceptionOccurred processor
 * ({@link #beforeRedelivery}), the retryWhile predicate ({@link #shouldRetry}), and only then reads header
 * CamelRedeliveryDelay to decide how long to wait. Once retryWhile says no, Camel removes the redelivery
 * headers and runs the onException steps ({@link #deadLetter}), which is why the attempt count is kept in
 * {@link CaravanExchange#ATTEMPTS}.
 *
 * <p>Camel's counter is per exchange: after a step succeeds on a retry it keeps its value, so a later step
 * would start with part of its budget spent. Attempts are therefore counted per failing step (node id).
 */
public final class FailureHandling {

    /** The registry name the route configuration calls this bean by. */
    public static final String BEAN_NAME = "caravanFailures";
    /** The registry name of the onExceptionOccurred processor that sets the next delay. */
    public static final String RETRY_DELAY_PROCESSOR = "caravanRetryDelay";

    private static final Logger LOG = LoggerFactory.getLogger(FailureHandling.class);
    private static final String FAILING_STEP = "caravan.failingStep";
    private static final String EARLIER_FAILURES = "caravan.earlierFailures";

    private final ErrorClassifier classifier;
    private final RetryPolicies policies;
    private final DeadLetterSink deadLetters;
    private final MeterRegistry meters;
    private final Clock clock;
    private final RandomGenerator random;
    private final HeaderRedaction redaction = new HeaderRedaction();

    public FailureHandling(
            ErrorClassifier classifier,
            RetryPolicies policies,
            DeadLetterSink deadLetters,
            MeterRegistry meters,
            Clock clock,
            RandomGenerator random) {
        this.classifier = Objects.requireNonNull(classifier, "classifier");
        this.policies = Objects.requireNonNull(policies, "policies");
        this.deadLetters = Objects.requireNonNull(deadLetters, "deadLetters");
        this.meters = Objects.requireNonNull(meters, "meters");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.random = Objects.requireNonNull(random, "random");
    }

    /** Binds this bean and its delay processor under the names {@code routes/caravan-errors.yaml} uses. */
    public void bindTo(Registry registry) {
        registry.bind(BEAN_NAME, this);
        registry.bind(RETRY_DELAY_PROCESSOR, Processor.class, (Processor) this::beforeRedelivery);
    }

    /** The retryWhile predicate: a retryable category and attempts left in the route's policy. */
    public boolean shouldRetry(Exchange exchange) {
        return willRetry(exchange, classifier.classify(failure(exchange)));
    }

    /**
     * The onExceptionOccurred processor: records the attempts made and, when a retry will follow, sets its
     * delay and counts it.
     */
    public void beforeRedelivery(Exchange exchange) {
        recordAttempt(exchange);
        Classification classification = classifier.classify(failure(exchange));
        if (!willRetry(exchange, classification)) {
            return;
        }
        String routeId = CaravanExchange.routeId(exchange);
        Duration delay = policies.forRoute(routeId)
                .delayBefore(
                        attempts(exchange),
                        classification.retryAfterHeader().flatMap(value -> RetryAfter.parse(value, clock)),
                        random);
        exchange.getMessage().setHeader(Exchange.REDELIVERY_DELAY, delay.toMillis());
        meters.counter(
                        "caravan.retries",
                        "route",
                        routeId,
                        "category",
                        classification.category().name())
                .increment();
        LOG.debug(
                "retry route={} correlationId={} attempt={} delayMs={} reason={}",
                routeId,
                CaravanExchange.correlationId(exchange),
                attempts(exchange) + 1,
                delay.toMillis(),
                classification.reason());
    }

    /**
     * The final step of a failure that is not retried (any more): records the dead letter and sets
     * {@link CaravanExchange#ERROR_CATEGORY}, {@link CaravanExchange#DEAD_LETTER_ID} and
     * {@link CaravanExchange#STATUS_CODE}.
     *
     * <p>The payload is the body at the failing step, not the route's original message: inside a split it is
     * the one failed item rather than the whole batch, and after a transformation it is what the peer
     * refused, which is what a replay has to send again. A failing record throws, so the exchange fails
     * instead of losing the dead letter.
     */
    public void deadLetter(Exchange exchange) {
        Classification classification = classifier.classify(failure(exchange));
        String routeId = CaravanExchange.routeId(exchange);
        String correlationId = CaravanExchange.correlationId(exchange);
        String key = CaravanExchange.idempotencyKey(exchange);
        int attempts = attempts(exchange);
        exchange.getMessage().removeHeader(Exchange.REDELIVERY_DELAY);
        Map<String, String> headers = redaction.redact(exchange.getMessage().getHeaders());

        long id = deadLetters.record(
                routeId,
                correlationId,
                key,
                classification.category(),
                classification.statusCode(),
                classification.reason(),
                attempts,
                payload(exchange),
                headers);

        exchange.setProperty(CaravanExchange.ERROR_CATEGORY, classification.category());
        exchange.setProperty(CaravanExchange.DEAD_LETTER_ID, id);
        exchange.setProperty(CaravanExchange.STATUS_CODE, classification.statusCode());
        meters.counter(
                        "caravan.dead.letters",
                        "route",
                        routeId,
                        "category",
                        classification.category().name())
                .increment();
        LOG.warn(
                "dead letter route={} correlationId={} key={} category={} status={} attempts={} deadLetterId={} reason={}",
                routeId,
                correlationId,
                key,
                classification.category(),
                classification.statusCode(),
                attempts,
                id,
                classification.reason());
    }

    private boolean willRetry(Exchange exchange, Classification classification) {
        return classification.category().retryable()
                && policies.forRoute(CaravanExchange.routeId(exchange)).allowsAnotherAttempt(attempts(exchange));
    }

    private static Throwable failure(Exchange exchange) {
        Throwable failure = exchange.getException();
        return failure != null ? failure : exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
    }

    /**
     * Camel has already counted the failed delivery when beforeRedelivery runs, so its counter is deliveries
     * made; failures of earlier steps of the same exchange are subtracted.
     */
    private static void recordAttempt(Exchange exchange) {
        int counter = redeliveryCounter(exchange);
        String step = exchange.getExchangeExtension().getHistoryNodeId();
        Integer earlier = exchange.getProperty(EARLIER_FAILURES, Integer.class);
        if (earlier == null || !Objects.equals(step, exchange.getProperty(FAILING_STEP, String.class))) {
            earlier = counter - 1;
            exchange.setProperty(FAILING_STEP, step);
            exchange.setProperty(EARLIER_FAILURES, earlier);
        }
        exchange.setProperty(CaravanExchange.ATTEMPTS, counter - earlier);
    }

    private static int attempts(Exchange exchange) {
        Integer recorded = exchange.getProperty(CaravanExchange.ATTEMPTS, Integer.class);
        return recorded != null ? recorded : redeliveryCounter(exchange);
    }

    private static int redeliveryCounter(Exchange exchange) {
        Integer counter = exchange.getMessage().getHeader(Exchange.REDELIVERY_COUNTER, Integer.class);
        return counter == null ? 1 : Math.max(1, counter);
    }

    private static String payload(Exchange exchange) {
        Object body = exchange.getMessage().getBody();
        if (body == null) {
            return null;
        }
        try {
            return exchange.getMessage().getBody(String.class);
        } catch (RuntimeException unreadable) {
            return "<unreadable " + body.getClass().getName() + ">";
        }
    }
}
