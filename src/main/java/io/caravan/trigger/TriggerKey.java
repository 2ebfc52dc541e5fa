package io.caravan.trigger;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The S3 key of a transient trigger, {@code customers/<code>/<changeId>.json}, as one route may process it: code and
 * changeId from a safe character set, nothing that could climb out of the prefix, and the code of the route's own
 * customer. Parsing is strict; every rejection names the key and the rule it broke.
 */
public record TriggerKey(String customer, String changeId) {

    public static final String PREFIX = "customers/";
    public static final String ARCHIVE_PREFIX = "archive/";
    static final int MAX_LENGTH = 200;
    private static final Pattern CODE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");
    private static final Pattern CHANGE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,127}");
    private static final String SUFFIX = ".json";

    public TriggerKey {
        Objects.requireNonNull(customer, "customer");
        Objects.requireNonNull(changeId, "changeId");
        if (!CODE.matcher(customer).matches()) {
            throw new IllegalArgumentException("customer code '" + customer + "' is not 1-64 of [A-Za-z0-9_-]");
        }
        if (!CHANGE_ID.matcher(changeId).matches()) {
            throw new IllegalArgumentException("change id '" + changeId + "' is not 1-128 of [A-Za-z0-9_-]");
        }
    }

    /** Whether {@code code} may name a customer (the route's own code is checked with this at validation). */
    public static boolean isValidCustomerCode(String code) {
        return code != null && CODE.matcher(code).matches();
    }

    /**
     * Parses a decoded S3 key for the route of {@code expectedCustomer}.
     *
     * @throws InvalidTriggerKey naming the key and the rule it broke
     */
    public static TriggerKey parse(String key, String expectedCustomer) {
        if (key == null || key.isEmpty()) {
            throw new InvalidTriggerKey(key, "the key is empty");
        }
        if (key.length() > MAX_LENGTH) {
            throw new InvalidTriggerKey(key, "the key is longer than " + MAX_LENGTH + " characters");
        }
        if (key.contains("..")) {
            throw new InvalidTriggerKey(key, "the key contains '..'");
        }
        if (!key.startsWith(PREFIX)) {
            throw new InvalidTriggerKey(key, "the key is not under " + PREFIX);
        }
        if (!key.endsWith(SUFFIX)) {
            throw new InvalidTriggerKey(key, "the key does not end in " + SUFFIX);
        }
        String rest = key.substring(PREFIX.length(), key.length() - SUFFIX.length());
        int slash = rest.indexOf('/');
        if (slash < 0 || rest.indexOf('/', slash + 1) >= 0) {
            throw new InvalidTriggerKey(key, "the key is not customers/<code>/<changeId>.json");
        }
        String code = rest.substring(0, slash);
        String changeId = rest.substring(slash + 1);
        if (!CODE.matcher(code).matches()) {
            throw new InvalidTriggerKey(key, "the customer code is not 1-64 of [A-Za-z0-9_-]");
        }
        if (!CHANGE_ID.matcher(changeId).matches()) {
            throw new InvalidTriggerKey(key, "the change id is not 1-128 of [A-Za-z0-9_-]");
        }
        if (!code.equals(expectedCustomer)) {
            throw new InvalidTriggerKey(
                    key, "the key is for customer '" + code + "', this route serves '" + expectedCustomer + "'");
        }
        return new TriggerKey(code, changeId);
    }

    /** customers/&lt;code&gt;/&lt;changeId&gt;.json */
    public String key() {
        return PREFIX + customer + "/" + changeId + SUFFIX;
    }

    /** archive/&lt;changeId&gt;.json, the change's single source of truth. */
    public String archiveKey() {
        return ARCHIVE_PREFIX + changeId + SUFFIX;
    }

    /** Where a trigger that failed for good is moved, e.g. failed/&lt;code&gt;/&lt;changeId&gt;.json. */
    public String quarantineKey(String quarantinePrefix) {
        return quarantinePrefix + customer + "/" + changeId + SUFFIX;
    }

    /** The idempotency key of this customer's processing of the change. */
    public String processingKey() {
        return changeId + ":" + customer;
    }

    /** The idempotency key of a side effect shared by every customer of the change (one meeting per change). */
    public String sharedKey() {
        return changeId;
    }

    @Override
    public String toString() {
        return key();
    }

    /** A key this route must not process; the message names the key and the rule. */
    public static final class InvalidTriggerKey extends IllegalArgumentException {
        private final String key;

        InvalidTriggerKey(String key, String rule) {
            super("trigger key '" + printable(key) + "' rejected: " + rule);
            this.key = key;
        }

        public String key() {
            return key;
        }

        private static String printable(String key) {
            if (key == null) {
                return "";
            }
            String shown = key.length() > MAX_LENGTH ? key.substring(0, MAX_LENGTH) + "…" : key;
            StringBuilder b = new StringBuilder();
            shown.codePoints().forEach(c -> {
                if (c < 0x20 || c == 0x7f) {
                    b.append(String.format("\\u%04x", c));
                } else {
                    b.appendCodePoint(c);
                }
            });
            return b.toString();
        }
    }
}
