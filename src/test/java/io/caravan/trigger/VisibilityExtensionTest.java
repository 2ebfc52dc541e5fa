package io.caravan.trigger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.caravan.testing.LocalAws;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.Synchronization;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/** The shared-scheduler visibility extension that replaces aws2-sqs's per-consumer extender thread. */
class VisibilityExtensionTest {
    static final Duration VISIBILITY = Duration.ofSeconds(2);

    final SqsClient sqs = LocalAws.shared().sqs();
    final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    final DefaultCamelContext camel = new DefaultCamelContext();

    @AfterEach
    void stop() throws Exception {
        scheduler.shutdownNow();
        camel.close();
    }

    String newQueue() {
        return LocalAws.shared().createQueueWithDlq("visibility-" + UUID.randomUUID(), 10, 2);
    }

    Message receiveOne(String queueUrl) {
        List<Message> messages = sqs.receiveMessage(b -> b.queueUrl(queueUrl)
                        .maxNumberOfMessages(1)
                        .visibilityTimeout((int) VISIBILITY.toSeconds())
                        .waitTimeSeconds(1))
                .messages();
        return messages.isEmpty() ? null : messages.get(0);
    }

    Exchange exchangeOf(Message message) {
        Exchange exchange = new DefaultExchange(camel);
        exchange.getIn().setHeader("CamelAwsSqsReceiptHandle", message.receiptHandle());
        return exchange;
    }

    static void complete(Exchange exchange) {
        for (Synchronization s : exchange.getExchangeExtension().handoverCompletions()) {
            s.onComplete(exchange);
        }
    }

    /**
     * Guards against a message whose processing outlives the visibility timeout reappearing (and being processed a
     * second time by another consumer) while it is still in flight, and against one that is never released.
     */
    @Test
    void a_message_in_flight_longer_than_its_visibility_timeout_stays_hidden_until_its_exchange_completes() {
        String queueUrl = newQueue();
        sqs.sendMessage(b -> b.queueUrl(queueUrl).messageBody("change"));
        Message received = receiveOne(queueUrl);
        assertThat(received).isNotNull();
        VisibilityExtension extension =
                new VisibilityExtension("test", sqs, () -> queueUrl, VISIBILITY, scheduler, Clock.systemUTC());
        Exchange exchange = exchangeOf(received);
        extension.process(exchange);

        // three visibility timeouts: without the extension the message is back after the first
        long until = System.nanoTime() + VISIBILITY.multipliedBy(3).toNanos();
        while (System.nanoTime() < until) {
            assertThat(receiveOne(queueUrl))
                    .as("received again while in flight")
                    .isNull();
        }

        complete(exchange);
        assertThat(extension.inFlight()).isZero();
        Message again = await().atMost(Duration.ofSeconds(15)).until(() -> receiveOne(queueUrl), m -> m != null);
        assertThat(again.messageId()).isEqualTo(received.messageId());
        extension.close();
    }

    /** Guards against a closed route's extension still extending (its task must leave the shared scheduler). */
    @Test
    void a_closed_extension_stops_extending() {
        String queueUrl = newQueue();
        sqs.sendMessage(b -> b.queueUrl(queueUrl).messageBody("change"));
        Message received = receiveOne(queueUrl);
        VisibilityExtension extension =
                new VisibilityExtension("test", sqs, () -> queueUrl, VISIBILITY, scheduler, Clock.systemUTC());
        extension.process(exchangeOf(received));
        extension.close();

        Message again = await().atMost(Duration.ofSeconds(15)).until(() -> receiveOne(queueUrl), m -> m != null);
        assertThat(again.messageId()).isEqualTo(received.messageId());
    }
}
