package io.caravan.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Set;
import javax.sql.DataSource;

/**
 * The one place where H2 and PostgreSQL differ for the stores. Everything else is SQL both accept.
 *
 * <p>Insert-if-absent: PostgreSQL uses {@code INSERT ... ON CONFLICT DO NOTHING}, which waits for a concurrent inserter
 * of the same key and then reports 0 rows instead of failing. PostgreSQL's {@code MERGE} does not (it raises a unique
 * violation under concurrency), and H2 has no {@code ON CONFLICT}, so H2 uses the standard
 * {@code MERGE ... WHEN NOT MATCHED THEN INSERT}. Both report an update count of 1 when they inserted and 0 when the
 * key was already there; the parameters are the same for both dialects.
 */
public enum Dialect {
    H2(
            H2Sql.INSERT_LEDGER_ENTRY_IF_ABSENT,
            H2Sql.INSERT_WATERMARK_IF_ABSENT,
            Set.of("23505", "40001", "HYT00", "90131")),
    POSTGRESQL(
            PostgresSql.INSERT_LEDGER_ENTRY_IF_ABSENT,
            PostgresSql.INSERT_WATERMARK_IF_ABSENT,
            Set.of("23505", "40001", "40P01"));

    private static final class PostgresSql {
        static final String INSERT_LEDGER_ENTRY_IF_ABSENT =
                """
                INSERT INTO idempotency_ledger (idem_key, route_id, status, attempts, owner, lease_until, created_at, updated_at)
                VALUES (?, ?, 'IN_PROGRESS', 1, ?, ?, ?, ?)
                ON CONFLICT (idem_key) DO NOTHING""";
        static final String INSERT_WATERMARK_IF_ABSENT =
                """
                INSERT INTO watermark (route_id, updated_at, last_id, advanced_at)
                VALUES (?, ?, ?, ?)
                ON CONFLICT (route_id) DO NOTHING""";
    }

    private static final class H2Sql {
        static final String INSERT_LEDGER_ENTRY_IF_ABSENT =
                """
                MERGE INTO idempotency_ledger t
                USING (VALUES (CAST(? AS VARCHAR(400)))) AS s (idem_key) ON t.idem_key = s.idem_key
                WHEN NOT MATCHED THEN
                  INSERT (idem_key, route_id, status, attempts, owner, lease_until, created_at, updated_at)
                  VALUES (s.idem_key, ?, 'IN_PROGRESS', 1, ?, ?, ?, ?)""";
        static final String INSERT_WATERMARK_IF_ABSENT =
                """
                MERGE INTO watermark t
                USING (VALUES (CAST(? AS VARCHAR(100)))) AS s (route_id) ON t.route_id = s.route_id
                WHEN NOT MATCHED THEN
                  INSERT (route_id, updated_at, last_id, advanced_at)
                  VALUES (s.route_id, ?, ?, ?)""";
    }

    private final String insertLedgerEntryIfAbsent;
    private final String insertWatermarkIfAbsent;
    private final Set<String> concurrencyConflictStates;

    Dialect(String insertLedgerEntryIfAbsent, String insertWatermarkIfAbsent, Set<String> concurrencyConflictStates) {
        this.insertLedgerEntryIfAbsent = insertLedgerEntryIfAbsent;
        this.insertWatermarkIfAbsent = insertWatermarkIfAbsent;
        this.concurrencyConflictStates = concurrencyConflictStates;
    }

    /** Detects the dialect from the database product name; anything other than H2 or PostgreSQL is rejected. */
    public static Dialect of(DataSource dataSource) {
        try (Connection c = dataSource.getConnection()) {
            return of(c.getMetaData().getDatabaseProductName());
        } catch (SQLException e) {
            throw new StoreException("cannot detect the database dialect", e);
        }
    }

    static Dialect of(String databaseProductName) {
        String name = databaseProductName.toLowerCase(Locale.ROOT);
        if (name.equals("h2")) {
            return H2;
        }
        if (name.equals("postgresql")) {
            return POSTGRESQL;
        }
        throw new IllegalArgumentException(
                "unsupported database '" + databaseProductName + "': caravan's stores run on H2 or PostgreSQL");
    }

    /**
     * Inserts a new IN_PROGRESS ledger entry with attempts 1 unless the key exists. Parameters: idem_key, route_id,
     * owner, lease_until, created_at, updated_at. Update count 1 = inserted, 0 = key already present.
     */
    String insertLedgerEntryIfAbsent() {
        return insertLedgerEntryIfAbsent;
    }

    /**
     * Inserts a watermark unless the route has one. Parameters: route_id, updated_at, last_id, advanced_at.
     * Update count 1 = inserted, 0 = already present.
     */
    String insertWatermarkIfAbsent() {
        return insertWatermarkIfAbsent;
    }

    /**
     * Whether a failed transaction lost a race with a concurrent one and can simply be run again: a serialization
     * failure or deadlock (40001, 40P01), a duplicate key from a concurrent insert (23505; H2's MERGE does not wait for
     * the other inserter), or H2's lock timeout and concurrent update (HYT00, 90131).
     */
    boolean isConcurrencyConflict(SQLException e) {
        return e.getSQLState() != null && concurrencyConflictStates.contains(e.getSQLState());
    }
}
