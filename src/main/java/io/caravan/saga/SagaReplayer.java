package io.caravan.saga;

import io.caravan.store.DeadLetter;
import io.caravan.template.Replayer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the replay worker replays a saga row's dead letter: the saga FAILED at the entry's step is resumed from its
 * first unfinished step, never rerun ({@link SagaRunner#resumeFailed}). The ledger key is per dead letter
 * ({@code <step key>:resume:<id>}): an entry whose resume completed is ALREADY_DELIVERED when replayed again, and a
 * later failure of the same step (a new dead letter) is its own entry. The saga's own state, not the ledger, decides
 * which steps are called.
 */
final class SagaReplayer implements Replayer {
    private static final Logger LOG = LoggerFactory.getLogger(SagaReplayer.class);

    private final SagaRunner runner;

    SagaReplayer(SagaRunner runner) {
        this.runner = runner;
    }

    @Override
    public String ledgerKey(DeadLetter letter) {
        if (letter.idempotencyKey() == null
                || letter.header(SagaRunner.PLAN_HEADER) == null
                || letter.header(SagaRunner.BUSINESS_KEY_HEADER) == null
                || letter.header(SagaRunner.STEP_HEADER) == null) {
            throw new IllegalArgumentException("dead letter " + letter.id()
                    + " names no failed saga step (an unusable project event?); there is nothing to resume");
        }
        return letter.idempotencyKey() + ":resume:" + letter.id();
    }

    @Override
    public void resend(DeadLetter letter) {
        String outcome = runner.resumeFailed(
                letter.header(SagaRunner.PLAN_HEADER),
                letter.header(SagaRunner.BUSINESS_KEY_HEADER),
                letter.header(SagaRunner.STEP_HEADER));
        LOG.info("replay of dead letter {}: {}", letter.id(), outcome);
    }
}
