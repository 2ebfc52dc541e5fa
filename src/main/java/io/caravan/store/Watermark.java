package io.caravan.store;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.Objects;

/**
 * The position of a watermark feed: the last source row fully handled, identified by its {@code updated_at} and its
 * id (the tie-breaker between rows updated at the same instant).
 *
 * <p>{@code updatedAt} is truncated to microseconds, the precision both databases store, so a watermark read back
 * from the store equals the one written.
 *
 * <p>Order: by {@code updatedAt}, then by id. Two ids that both parse as a {@code long} compare numerically
 * ({@code "9" < "10"}), otherwise they compare lexicographically ({@code "a-10" < "a-9"}). A route's ids should be
 * either all numeric or all non-numeric; mixing them gives an order that is not transitive.
 *
 * <p>Wire form: {@code <ISO-8601 instant>|<id>}, e.g. {@code 2024-05-01T10:15:30.123456Z|4711}. The id is everything
 * after the first {@code |} and may itself contain {@code |}.
 */
public record Watermark(Instant updatedAt, String id) implements Comparable<Watermark> {

    /** The longest id the watermark table holds ({@code watermark.last_id}). */
    public static final int MAX_ID_LENGTH = 400;

    /** Before every row: the start of a feed that has never advanced. */
    public static final Watermark ORIGIN = new Watermark(Instant.EPOCH, "");

    private static final char SEPARATOR = '|';
    private static final Comparator<Watermark> ORDER =
            Comparator.comparing(Watermark::updatedAt).thenComparing(Watermark::id, Watermark::compareIds);

    public Watermark {
        Objects.requireNonNull(updatedAt, "watermark updatedAt must not be null");
        Objects.requireNonNull(id, "watermark id must not be null (use \"\" for no id)");
        if (id.length() > MAX_ID_LENGTH) {
            throw new IllegalArgumentException("watermark id is " + id.length() + " characters long; at most "
                    + MAX_ID_LENGTH + " fit the watermark table");
        }
        updatedAt = updatedAt.truncatedTo(ChronoUnit.MICROS);
    }

    /** Parses the {@linkplain #wireForm() wire form}; rejects anything else with a message naming what is wrong. */
    public static Watermark parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("watermark must not be null; expected <ISO-8601 instant>|<id>");
        }
        int separator = text.indexOf(SEPARATOR);
        if (separator < 0) {
            throw new IllegalArgumentException(
                    "watermark '" + text + "' has no '|' between instant and id; expected <ISO-8601 instant>|<id>");
        }
        String instantText = text.substring(0, separator);
        if (instantText.isEmpty()) {
            throw new IllegalArgumentException(
                    "watermark '" + text + "' has no instant before '|'; expected <ISO-8601 instant>|<id>");
        }
        Instant instant;
        try {
            instant = Instant.parse(instantText);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(
                    "watermark '" + text + "' has an invalid instant '" + instantText + "' at index "
                            + e.getErrorIndex() + "; expected ISO-8601 like 2024-05-01T10:15:30.123456Z",
                    e);
        }
        return new Watermark(instant, text.substring(separator + 1));
    }

    /** {@code <ISO-8601 instant>|<id>}; {@link #parse(String)} reads it back to an equal watermark. */
    public String wireForm() {
        return updatedAt + String.valueOf(SEPARATOR) + id;
    }

    public boolean isAfter(Watermark other) {
        return compareTo(other) > 0;
    }

    @Override
    public int compareTo(Watermark other) {
        return ORDER.compare(this, other);
    }

    private static int compareIds(String a, String b) {
        Long numericA = asLong(a);
        Long numericB = asLong(b);
        if (numericA != null && numericB != null) {
            return Long.compare(numericA, numericB);
        }
        return a.compareTo(b);
    }

    private static Long asLong(String id) {
        if (id.isEmpty() || id.length() > 20) {
            return null;
        }
        try {
            return Long.parseLong(id);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    @Override
    public String toString() {
        return wireForm();
    }
}
