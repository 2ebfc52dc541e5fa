package io.caravan.inbound;

import static org.assertj.core.api.Assertions.assertThat;

import io.caravan.events.InboxSeal;
import io.caravan.store.ClaimOutcome;
import io.caravan.store.IdempotencyLedger;
import io.caravan.testing.CaravanApp;
import io.caravan.testing.Databases;
import io.caravan.testing.WebhookSender;
import io.caravan.webhook.WebhookSecret;
import io.caravan.webhook.WebhookVerifier;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class InboundClaimBatchTest {

    /**
     * Guards against a webhook-id that is twice in one ledger batch (two requests with it at the same moment) being
     * claimed, and so queued, for both requests.
     */
    @Test
    void a_webhook_id_twice_in_one_claim_batch_is_claimed_for_the_first_request_only() {
        IdempotencyLedger ledger =
                new IdempotencyLedger(Databases.h2(), "pod-1", Duration.ofSeconds(30), Clock.systemUTC());
        InboundWebhook inbound = new InboundWebhook(
                "crm-webhooks",
                "crm",
                "inbox-crm",
                new WebhookVerifier(
                        List.of(WebhookSecret.parse(WebhookSender.newSecret())),
                        Duration.ofMinutes(5),
                        Clock.systemUTC()),
                InboxSeal.parse(CaravanApp.INBOX_SECRET),
                ledger,
                1024,
                new SimpleMeterRegistry());
        String a = inbound.key("msg_" + UUID.randomUUID());
        String b = inbound.key("msg_" + UUID.randomUUID());

        assertThat(inbound.claimAll(List.of(a, b, a)))
                .containsExactly(ClaimOutcome.CLAIMED, ClaimOutcome.CLAIMED, ClaimOutcome.HELD);
        assertThat(inbound.claimAll(List.of(a))).containsExactly(ClaimOutcome.HELD);
    }
}
