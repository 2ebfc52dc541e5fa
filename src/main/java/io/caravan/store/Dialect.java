package io.caravan.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
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
            H2Sql.SELECT_LEDGER_CLAIM_STATE,
            H2Sql.INSERT_LEDGER_ENTRY_IF_ABSENT,
            H2Sql.INSERT_WATERMARK_IF_ABSENT,
            Set.of("23505", "40001", "HYT00", "90131"),
            List.of()),
    POSTGRESQL(
            PostgresSql.SELECT_LEDGER_CLAIM_STATE,
            PostgresSql.INSERT_LEDGER_ENTRY_IF_ABSENT,
            PostgresSql.INSERT_WATERMARK_IF_ABSENT,
            Set.of("23505", "40001", "40P01"),
            List.of(PostgresSql.AUDIT_ROUTE_CONFIG_FUNCTION, PostgresSql.AUDIT_ROUTE_CONFIG_TRIGGER));

    private static final class PostgresSql {
        /**
         * One primary-key lookup per key, an index scan whatever the table's statistics (OFFSET 0 keeps the planner
         * from flattening the lateral subquery into a join it could run as a sequential scan). Not
         * {@code idem_key = ANY(?)}: prepared on a connection while the ledger was empty, its cached generic plan was
         * a sequential scan, kept until autovacuum's first ANALYZE of the table (a minute or more), so in a new
         * database's first minute every claim read the whole ledger and got slower with each row written.
         */
        static final String SELECT_LEDGER_CLAIM_STATE =
                """
                SELECT k.idem_key, l.status, l.owner, l.attempts, l.lease_until, l.updated_at, o.heartbeat_at
                FROM unnest(?::varchar[]) AS k(idem_key)
                CROSS JOIN LATERAL (
                  SELECT status, owner, attempts, lease_until, updated_at FROM idempotency_ledger
                  WHERE idem_key = k.idem_key OFFSET 0) l
                LEFT JOIN ledger_owner o ON o.owner = l.owner""";

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
        /**
         * Audits a change to route_config made by any database user other than the table's owner (caravan's own
         * store, which writes its own audit entry in the same transaction). SECURITY DEFINER: writers of route_config
         * need no grant on config_audit, so they cannot write or forge audit rows; session_user is the login that
         * made the change (current_user here is the function's owner).
         */
        static final String AUDIT_ROUTE_CONFIG_FUNCTION =
                """
                CREATE OR REPLACE FUNCTION caravan_audit_route_config() RETURNS trigger
                LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
                DECLARE
                  table_owner name;
                BEGIN
                  SELECT pg_get_userbyid(c.relowner) INTO table_owner FROM pg_class c WHERE c.oid = TG_RELID;
                  IF session_user = table_owner THEN
                    RETURN NULL;
                  END IF;
                  IF TG_OP = 'INSERT' THEN
                    EXECUTE format('INSERT INTO %I.config_audit (route_id, action, old_value, new_value, changed_by, '
                        'changed_at, db_user) VALUES ($1, ''CREATED'', NULL, $2, $3, now(), $4)', TG_TABLE_SCHEMA)
                      USING NEW.route_id, row_to_json(NEW)::text, NEW.updated_by, session_user::text;
                  ELSIF TG_OP = 'UPDATE' THEN
                    EXECUTE format('INSERT INTO %I.config_audit (route_id, action, old_value, new_value, changed_by, '
                        'changed_at, db_user) VALUES ($1, ''UPDATED'', $2, $3, $4, now(), $5)', TG_TABLE_SCHEMA)
                      USING NEW.route_id, row_to_json(OLD)::text, row_to_json(NEW)::text, NEW.updated_by,
                            session_user::text;
                  ELSE
                    EXECUTE format('INSERT INTO %I.config_audit (route_id, action, old_value, new_value, changed_by, '
                        'changed_at, db_user) VALUES ($1, ''DELETED'', $2, NULL, $3, now(), $3)', TG_TABLE_SCHEMA)
                      USING OLD.route_id, row_to_json(OLD)::text, session_user::text;
                  END IF;
                  RETURN NULL;
                END
                $$""";

        static final String AUDIT_ROUTE_CONFIG_TRIGGER =
                """
                CREATE TRIGGER caravan_route_config_audit AFTER INSERT OR UPDATE OR DELETE ON route_config
                FOR EACH ROW EXECUTE FUNCTION caravan_audit_route_config()""";
    }

    private static final class H2Sql {
        static final String SELECT_LEDGER_CLAIM_STATE =
                """
                SELECT l.idem_key, l.status, l.owner, l.attempts, l.lease_until, l.updated_at, o.heartbeat_at
                FROM idempotency_ledger l LEFT JOIN ledger_owner o ON o.owner = l.owner
                WHERE l.idem_key = ANY(?)""";
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

    private final String selectLedgerClaimState;
    private final String insertLedgerEntryIfAbsent;
    private final String insertWatermarkIfAbsent;
    private final Set<String> concurrencyConflictStates;
    private final List<String> sessionUserAudit;

    Dialect(
            String selectLedgerClaimState,
            String insertLedgerEntryIfAbsent,
            String insertWatermarkIfAbsent,
            Set<String> concurrencyConflictStates,
            List<String> sessionUserAudit) {
        this.selectLedgerClaimState = selectLedgerClaimState;
        this.insertLedgerEntryIfAbsent = insertLedgerEntryIfAbsent;
        this.insertWatermarkIfAbsent = insertWatermarkIfAbsent;
        this.concurrencyConflictStates = concurrencyConflictStates;
        this.sessionUserAudit = sessionUserAudit;
    }

    /** The dialect of an open connection (used by Java migrations). */
    public static Dialect of(Connection connection) throws SQLException {
        return of(connection.getMetaData().getDatabaseProductName());
    }

    /**
     * Statements that make route_config changes by other database users audit themselves with the session user.
     * PostgreSQL: a trigger. H2 (local mode and tests, where caravan is the only writer): none; caravan's own entries
     * record CURRENT_USER through the column default on both.
     */
    public List<String> sessionUserAudit() {
        return sessionUserAudit;
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
     * The ledger claim's SELECT of the given keys (one array parameter) with their owners' heartbeats. Columns:
     * idem_key, status, owner, attempts, lease_until, updated_at, heartbeat_at; one row per key that exists.
     */
    String selectLedgerClaimState() {
        return selectLedgerClaimState;
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
