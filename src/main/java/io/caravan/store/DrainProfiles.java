package io.caravan.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;

/** The drain_profile table; the seed's five profiles come with migration V2. */
public final class DrainProfiles {

    static final String COLUMNS = "name, schedule_interval_seconds, max_returned_events, max_cycles, description";
    static final String SELECT_ALL = "SELECT " + COLUMNS + " FROM drain_profile ORDER BY name";
    static final String SELECT_ONE = "SELECT " + COLUMNS + " FROM drain_profile WHERE name = ?";
    /** Standard MERGE: H2 2.x and PostgreSQL 15+ both run it (not concurrency-safe on PostgreSQL; tests and benches only). */
    static final String UPSERT =
            """
            MERGE INTO drain_profile t
            USING (VALUES (CAST(? AS VARCHAR(100)), CAST(? AS INT), CAST(? AS INT), CAST(? AS INT), CAST(? AS VARCHAR(400))))
                AS s (name, schedule_interval_seconds, max_returned_events, max_cycles, description)
            ON t.name = s.name
            WHEN MATCHED THEN UPDATE SET schedule_interval_seconds = s.schedule_interval_seconds,
                max_returned_events = s.max_returned_events, max_cycles = s.max_cycles, description = s.description
            WHEN NOT MATCHED THEN INSERT (name, schedule_interval_seconds, max_returned_events, max_cycles, description)
                VALUES (s.name, s.schedule_interval_seconds, s.max_returned_events, s.max_cycles, s.description)""";

    private final DataSource dataSource;

    public DrainProfiles(DataSource dataSource) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    }

    /** Every profile by name, in name order. */
    public Map<String, DrainProfile> all() {
        return Transactions.withConnection(dataSource, "read drain profiles", c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT_ALL);
                    ResultSet rs = ps.executeQuery()) {
                Map<String, DrainProfile> profiles = new LinkedHashMap<>();
                while (rs.next()) {
                    DrainProfile profile = read(rs);
                    profiles.put(profile.name(), profile);
                }
                return profiles;
            }
        });
    }

    public Optional<DrainProfile> find(String name) {
        return Transactions.withConnection(dataSource, "find drain profile " + name, c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT_ONE)) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(read(rs)) : Optional.empty();
                }
            }
        });
    }

    /** Inserts or replaces the profile (for tests and benches; production profiles come from migrations). */
    public void upsert(DrainProfile profile) {
        Transactions.withConnection(dataSource, "upsert drain profile " + profile.name(), c -> {
            try (PreparedStatement ps = c.prepareStatement(UPSERT)) {
                ps.setString(1, profile.name());
                ps.setInt(2, Math.toIntExact(profile.scheduleInterval().toSeconds()));
                ps.setInt(3, profile.maxReturnedEvents());
                ps.setInt(4, profile.maxCycles());
                ps.setString(5, profile.description());
                return ps.executeUpdate();
            }
        });
    }

    private static DrainProfile read(ResultSet rs) throws SQLException {
        return new DrainProfile(
                rs.getString("name"),
                Duration.ofSeconds(rs.getInt("schedule_interval_seconds")),
                rs.getInt("max_returned_events"),
                rs.getInt("max_cycles"),
                rs.getString("description"));
    }
}
