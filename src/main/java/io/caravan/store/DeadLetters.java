package io.caravan.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * Failed exchanges in the {@code dead_letter} table; headers are stored as a JSON object.
 *
 * <p>Every dead letter is bounded, whichever route records it: a payload longer than {@code maxPayloadBytes} (UTF-8)
 * is stored as its prefix, with the original size and SHA-256 beside it, and a reason longer than
 * {@link #MAX_REASON_CHARS} is cut. One bad input must not become megabytes of store (a message of 1,000 records
 * once made 1,000 dead letters of the whole message each).
 */
public final class DeadLetters {
    /** The payload cap when none is configured (caravan.dead-letters.max-payload-bytes). */
    public static final int DEFAULT_MAX_PAYLOAD_BYTES = 64 * 1024;
    /** Reasons are for people; anything longer is cut here. */
    public static final int MAX_REASON_CHARS = 4000;

    static final String INSERT =
            """
            INSERT INTO dead_letter (route_id, correlation_id, idem_key, category, status_code, reason, attempts,
                                     payload, headers, replay_status, created_at, payload_size, payload_sha256,
                                     payload_truncated)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""";
    static final String COLUMNS =
            """
            id, route_id, correlation_id, idem_key, category, status_code, reason, attempts, payload, headers,
            replay_status, created_at, payload_size, payload_sha256, payload_truncated""";
    static final String SELECT_BY_ROUTE =
            "SELECT " + COLUMNS + " FROM dead_letter WHERE route_id = ? ORDER BY created_at, id";
    static final String COUNT_BY_ROUTE = "SELECT COUNT(*) FROM dead_letter WHERE route_id = ?";
    static final String COUNT_BY_ROUTE_SINCE =
            "SELECT COUNT(*) FROM dead_letter WHERE route_id = ? AND created_at >= ?";

    /** The dead letters a {@link ReplayFilter} takes, after a cursor, in id order (nulls of the filter match all). */
    static final String MATCHING_WHERE =
            """
            WHERE id > ?
              AND (CAST(? AS BIGINT) IS NULL OR id = ?)
              AND (CAST(? AS VARCHAR(100)) IS NULL OR route_id = ?)
              AND (CAST(? AS VARCHAR(20)) IS NULL OR category = ?)
              AND created_at >= ? AND created_at < ?
              AND LOWER(reason) LIKE ? ESCAPE '!'
              AND (replay_status IN ('PENDING', 'FAILED_AGAIN')
                   OR (CAST(? AS BIGINT) IS NOT NULL AND replay_status NOT IN ('QUARANTINED', 'DISCARDED')))""";

    static final String SELECT_MATCHING =
            "SELECT " + COLUMNS + " FROM dead_letter " + MATCHING_WHERE + " ORDER BY id FETCH FIRST ? ROWS ONLY";
    static final String COUNT_MATCHING = "SELECT COUNT(*) FROM dead_letter " + MATCHING_WHERE;
    static final String SELECT_BY_ID = "SELECT " + COLUMNS + " FROM dead_letter WHERE id = ?";
    static final String SELECT_RECENT =
            """
            SELECT %s, replay_reason, replayed_at, replay_request_id FROM dead_letter
            WHERE CAST(? AS VARCHAR(100)) IS NULL OR route_id = ?
            ORDER BY id DESC FETCH FIRST ? ROWS ONLY"""
                    .formatted(COLUMNS);
    static final String DISCARD =
            """
            UPDATE dead_letter SET replay_status = 'DISCARDED', replay_reason = ?, replayed_at = ?
            WHERE id = ? AND replay_status IN ('PENDING', 'FAILED_AGAIN')""";

    private static final Instant NO_LOWER_BOUND = Instant.EPOCH;
    private static final Instant NO_UPPER_BOUND = Instant.parse("9999-12-31T00:00:00Z");

    /** A dead letter with what its last replay (or discard) did: status, reason, when, by which request. */
    public record Listed(DeadLetter letter, String replayReason, Instant replayedAt, Long replayRequestId) {}

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<LinkedHashMap<String, String>> HEADERS = new TypeReference<>() {};

    private final DataSource dataSource;
    private final Clock clock;
    private final int maxPayloadBytes;

    public DeadLetters(DataSource dataSource, Clock clock) {
        this(dataSource, clock, DEFAULT_MAX_PAYLOAD_BYTES);
    }

    public DeadLetters(DataSource dataSource, Clock clock, int maxPayloadBytes) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (maxPayloadBytes < 1) {
            throw new IllegalArgumentException(
                    "the dead-letter payload cap must be at least 1 byte, not " + maxPayloadBytes);
        }
        this.maxPayloadBytes = maxPayloadBytes;
    }

    /**
     * Records the dead letter and returns its generated id. Its {@code id} is ignored; a null {@code createdAt} means
     * now. The payload is stored up to the cap (see the class comment); the letter's size and SHA-256 are kept as
     * they are, so they describe the payload it was given.
     */
    public long record(DeadLetter letter) {
        String headers = toJson(letter.headers());
        String payload = prefix(letter.payload(), maxPayloadBytes);
        boolean truncated = letter.payloadTruncated()
                || (payload != null && payload.length() < letter.payload().length());
        String reason = letter.reason().length() > MAX_REASON_CHARS
                ? letter.reason().substring(0, MAX_REASON_CHARS - 1) + "…"
                : letter.reason();
        Instant createdAt = letter.createdAt() == null ? Timestamps.now(clock) : letter.createdAt();
        return Transactions.withConnection(dataSource, "record dead letter of " + letter.routeId(), c -> {
            try (PreparedStatement ps = c.prepareStatement(INSERT, new String[] {"id"})) {
                ps.setString(1, letter.routeId());
                ps.setString(2, letter.correlationId());
                ps.setString(3, letter.idempotencyKey());
                ps.setString(4, letter.category());
                if (letter.statusCode() == null) {
                    ps.setNull(5, Types.INTEGER);
                } else {
                    ps.setInt(5, letter.statusCode());
                }
                ps.setString(6, reason);
                ps.setInt(7, letter.attempts());
                ps.setString(8, payload);
                ps.setString(9, headers);
                ps.setString(10, letter.replayStatus());
                Timestamps.set(ps, 11, createdAt);
                if (letter.payloadSize() == null) {
                    ps.setNull(12, Types.BIGINT);
                } else {
                    ps.setLong(12, letter.payloadSize());
                }
                ps.setString(13, letter.payloadSha256());
                ps.setBoolean(14, truncated);
                ps.executeUpdate();
                try (ResultSet keys = ps.getGeneratedKeys()) {
                    keys.next();
                    return keys.getLong(1);
                }
            }
        });
    }

    /** The route's dead letters, oldest first. */
    public List<DeadLetter> findByRoute(String routeId) {
        return Transactions.withConnection(dataSource, "find dead letters of " + routeId, c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT_BY_ROUTE)) {
                ps.setString(1, routeId);
                try (ResultSet rs = ps.executeQuery()) {
                    List<DeadLetter> letters = new ArrayList<>();
                    while (rs.next()) {
                        letters.add(read(rs));
                    }
                    return letters;
                }
            }
        });
    }

    public java.util.Optional<DeadLetter> find(long id) {
        return Transactions.withConnection(dataSource, "find dead letter " + id, c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT_BY_ID)) {
                ps.setLong(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? java.util.Optional.of(read(rs)) : java.util.Optional.<DeadLetter>empty();
                }
            }
        });
    }

    /** Up to {@code limit} dead letters the filter takes whose id is above {@code afterId}, in id order. */
    public List<DeadLetter> matching(ReplayFilter filter, long afterId, int limit) {
        return Transactions.withConnection(dataSource, "find dead letters to replay", c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT_MATCHING)) {
                int next = bind(ps, filter, afterId);
                ps.setInt(next, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    List<DeadLetter> letters = new ArrayList<>();
                    while (rs.next()) {
                        letters.add(read(rs));
                    }
                    return letters;
                }
            }
        });
    }

    /** How many dead letters the filter takes now: a replay's dry run. */
    public long count(ReplayFilter filter) {
        return Transactions.withConnection(dataSource, "count dead letters to replay", c -> {
            try (PreparedStatement ps = c.prepareStatement(COUNT_MATCHING)) {
                bind(ps, filter, 0);
                return single(ps);
            }
        });
    }

    /** The newest dead letters, of one route or (null) of all, with their replay outcome. */
    public List<Listed> recent(String routeId, int limit) {
        return Transactions.withConnection(dataSource, "list dead letters", c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT_RECENT)) {
                ps.setString(1, routeId);
                ps.setString(2, routeId);
                ps.setInt(3, Math.max(1, limit));
                try (ResultSet rs = ps.executeQuery()) {
                    List<Listed> letters = new ArrayList<>();
                    while (rs.next()) {
                        long request = rs.getLong("replay_request_id");
                        Long requestId = rs.wasNull() ? null : request;
                        letters.add(new Listed(
                                read(rs), rs.getString("replay_reason"), Timestamps.get(rs, "replayed_at"), requestId));
                    }
                    return letters;
                }
            }
        });
    }

    /** Marks a dead letter that waits for a replay DISCARDED with the reason; false when it does not wait for one. */
    public boolean discard(long id, String reason) {
        return Transactions.withConnection(dataSource, "discard dead letter " + id, c -> {
            try (PreparedStatement ps = c.prepareStatement(DISCARD)) {
                ps.setString(1, reason);
                Timestamps.set(ps, 2, Timestamps.now(clock));
                ps.setLong(3, id);
                return ps.executeUpdate() == 1;
            }
        });
    }

    private static int bind(PreparedStatement ps, ReplayFilter filter, long afterId) throws SQLException {
        ps.setLong(1, afterId);
        if (filter.deadLetterId() == null) {
            ps.setNull(2, Types.BIGINT);
            ps.setNull(3, Types.BIGINT);
        } else {
            ps.setLong(2, filter.deadLetterId());
            ps.setLong(3, filter.deadLetterId());
        }
        ps.setString(4, filter.routeId());
        ps.setString(5, filter.routeId());
        String category = filter.category() == null ? null : filter.category().toUpperCase(java.util.Locale.ROOT);
        ps.setString(6, category);
        ps.setString(7, category);
        Timestamps.set(ps, 8, filter.from() == null ? NO_LOWER_BOUND : filter.from());
        Timestamps.set(ps, 9, filter.until() == null ? NO_UPPER_BOUND : filter.until());
        String contains = filter.reasonContains() == null
                ? ""
                : filter.reasonContains()
                        .toLowerCase(java.util.Locale.ROOT)
                        .replace("!", "!!")
                        .replace("%", "!%")
                        .replace("_", "!_");
        ps.setString(10, "%" + contains + "%");
        if (filter.deadLetterId() == null) {
            ps.setNull(11, Types.BIGINT);
        } else {
            ps.setLong(11, filter.deadLetterId());
        }
        return 12;
    }

    public long count(String routeId) {
        return Transactions.withConnection(dataSource, "count dead letters of " + routeId, c -> {
            try (PreparedStatement ps = c.prepareStatement(COUNT_BY_ROUTE)) {
                ps.setString(1, routeId);
                return single(ps);
            }
        });
    }

    /** Dead letters of the route created at or after {@code since}. */
    public long countSince(String routeId, Instant since) {
        return Transactions.withConnection(dataSource, "count dead letters of " + routeId, c -> {
            try (PreparedStatement ps = c.prepareStatement(COUNT_BY_ROUTE_SINCE)) {
                ps.setString(1, routeId);
                Timestamps.set(ps, 2, since);
                return single(ps);
            }
        });
    }

    private static long single(PreparedStatement ps) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * The longest prefix of {@code text} of at most {@code maxBytes} UTF-8 bytes that does not split a character;
     * the text itself when it fits.
     */
    static String prefix(String text, int maxBytes) {
        if (text == null || text.length() * 3L <= maxBytes) {
            return text; // no character is longer than 3 bytes per char of UTF-16
        }
        int bytes = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            int size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (bytes + size > maxBytes) {
                return text.substring(0, i);
            }
            bytes += size;
            i += Character.charCount(cp);
        }
        return text;
    }

    private static DeadLetter read(ResultSet rs) throws SQLException {
        int statusCode = rs.getInt("status_code");
        Integer status = rs.wasNull() ? null : statusCode;
        long payloadSize = rs.getLong("payload_size");
        Long size = rs.wasNull() ? null : payloadSize;
        return new DeadLetter(
                rs.getLong("id"),
                rs.getString("route_id"),
                rs.getString("correlation_id"),
                rs.getString("idem_key"),
                rs.getString("category"),
                status,
                rs.getString("reason"),
                rs.getInt("attempts"),
                rs.getString("payload"),
                fromJson(rs.getString("headers")),
                rs.getString("replay_status"),
                Timestamps.get(rs, "created_at"),
                size,
                rs.getString("payload_sha256"),
                rs.getBoolean("payload_truncated"));
    }

    private static String toJson(Map<String, String> headers) {
        try {
            return JSON.writeValueAsString(headers);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(
                    "dead letter headers cannot be written as JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static Map<String, String> fromJson(String headers) {
        if (headers == null || headers.isBlank()) {
            return Map.of();
        }
        try {
            return JSON.readValue(headers, HEADERS);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(
                    "dead_letter.headers is not a JSON object of strings: " + e.getOriginalMessage(), e);
        }
    }
}
