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

/** Failed exchanges in the {@code dead_letter} table; headers are stored as a JSON object. */
public final class DeadLetters {

    static final String INSERT =
            """
            INSERT INTO dead_letter (route_id, correlation_id, idem_key, category, status_code, reason, attempts,
                                     payload, headers, replay_status, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""";
    static final String COLUMNS =
            """
            id, route_id, correlation_id, idem_key, category, status_code, reason, attempts, payload, headers,
            replay_status, created_at""";
    static final String SELECT_BY_ROUTE =
            "SELECT " + COLUMNS + " FROM dead_letter WHERE route_id = ? ORDER BY created_at, id";
    static final String COUNT_BY_ROUTE = "SELECT COUNT(*) FROM dead_letter WHERE route_id = ?";
    static final String COUNT_BY_ROUTE_SINCE =
            "SELECT COUNT(*) FROM dead_letter WHERE route_id = ? AND created_at >= ?";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<LinkedHashMap<String, String>> HEADERS = new TypeReference<>() {};

    private final DataSource dataSource;
    private final Clock clock;

    public DeadLetters(DataSource dataSource, Clock clock) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Records the dead letter and returns its generated id. Its {@code id} is ignored; a null {@code createdAt} means
     * now.
     */
    public long record(DeadLetter letter) {
        String headers = toJson(letter.headers());
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
                ps.setString(6, letter.reason());
                ps.setInt(7, letter.attempts());
                ps.setString(8, letter.payload());
                ps.setString(9, headers);
                ps.setString(10, letter.replayStatus());
                Timestamps.set(ps, 11, createdAt);
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

    private static DeadLetter read(ResultSet rs) throws SQLException {
        int statusCode = rs.getInt("status_code");
        Integer status = rs.wasNull() ? null : statusCode;
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
                Timestamps.get(rs, "created_at"));
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
