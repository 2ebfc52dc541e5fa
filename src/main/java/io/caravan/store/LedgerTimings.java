package io.caravan.store;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;

/**
 * How long the idempotency ledger waits before another owner may take over an IN_PROGRESS key: the lease bounds an
 * owner that is alive but stuck, the owner timeout an owner that is gone (its heartbeat stopped).
 *
 * <p>A crash delays the crashed process's keys by at most the owner timeout plus one schedule interval of the route
 * that claims them next; a live owner keeps a key until it completes it or its lease runs out.
 */
public record LedgerTimings(Duration lease, Duration heartbeat, Duration ownerTimeout) {

    /** The ledger's infrastructure settings, each declared once: property key, default, doc. */
    public enum Setting {
        LEASE(
                "caravan.ledger.lease",
                Duration.ofMinutes(2),
                "how long a claim is ours while our process lives; after it another owner takes the key over even if"
                        + " we still beat (a stuck process)"),
        HEARTBEAT(
                "caravan.ledger.heartbeat",
                Duration.ofSeconds(2),
                "how often a process writes its heartbeat to ledger_owner; at most half the owner timeout"),
        OWNER_TIMEOUT(
                "caravan.ledger.owner-timeout",
                Duration.ofSeconds(10),
                "a key whose owner has not beaten for this long (a crashed process) is taken over without waiting"
                        + " for its lease; our own claims are refused while our last heartbeat is that old");

        private final String key;
        private final Duration defaultValue;
        private final String doc;

        Setting(String key, Duration defaultValue, String doc) {
            this.key = key;
            this.defaultValue = defaultValue;
            this.doc = doc;
        }

        public String key() {
            return key;
        }

        public Duration defaultValue() {
            return defaultValue;
        }

        public String doc() {
            return doc;
        }
    }

    /** The defaults of {@link Setting}. */
    public static final LedgerTimings DEFAULTS = from(Setting::defaultValue);

    public LedgerTimings {
        Objects.requireNonNull(lease, "lease");
        Objects.requireNonNull(heartbeat, "heartbeat");
        Objects.requireNonNull(ownerTimeout, "ownerTimeout");
        positive(Setting.LEASE, lease);
        positive(Setting.HEARTBEAT, heartbeat);
        positive(Setting.OWNER_TIMEOUT, ownerTimeout);
        if (ownerTimeout.compareTo(heartbeat.multipliedBy(2)) < 0) {
            throw new IllegalArgumentException(Setting.OWNER_TIMEOUT.key + " (" + ownerTimeout
                    + ") must be at least twice " + Setting.HEARTBEAT.key + " (" + heartbeat
                    + "), so one late heartbeat does not make a live process look gone");
        }
    }

    /** Reads every setting through {@code value} (e.g. property lookup and duration parsing). */
    public static LedgerTimings from(Function<Setting, Duration> value) {
        return new LedgerTimings(
                value.apply(Setting.LEASE), value.apply(Setting.HEARTBEAT), value.apply(Setting.OWNER_TIMEOUT));
    }

    /** The default heartbeat and owner timeout with another lease. */
    public static LedgerTimings withLease(Duration lease) {
        return new LedgerTimings(lease, DEFAULTS.heartbeat, DEFAULTS.ownerTimeout);
    }

    /**
     * How old our own last heartbeat may be when we claim: the owner timeout less one heartbeat interval, so a key we
     * claim is not seen as an orphan by another owner before our next heartbeat is due.
     */
    Duration claimWindow() {
        return ownerTimeout.minus(heartbeat);
    }

    /**
     * After how long without a heartbeat an owner row is deleted: by then every key its owner claimed is older than
     * the owner timeout too, so the rule for keys without an owner row takes them over just the same.
     */
    Duration staleOwnerRow() {
        Duration twice = ownerTimeout.multipliedBy(2);
        return lease.compareTo(twice) > 0 ? lease : twice;
    }

    private static void positive(Setting setting, Duration value) {
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(setting.key + " must be positive, was " + value);
        }
    }
}
