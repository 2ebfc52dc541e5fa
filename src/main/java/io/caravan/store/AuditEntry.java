package io.caravan.store;

import java.time.Instant;

/**
 * One config_audit row: who did what to a route. {@code action} is e.g. CREATED, UPDATED, ENABLED, DISABLED, DELETED
 * (written by {@link RouteConfigStore}) or STARTED, STOPPED, RECREATED, REJECTED (written by the reconciler); old and
 * new values are JSON or free text, null when not applicable. {@code changedBy} is what the writer said (a principal,
 * the seed's updated_by); {@code dbUser} is the database user whose session wrote the entry or, for a route_config
 * change made outside caravan on PostgreSQL, the login that made the change (null for entries older than V4).
 */
public record AuditEntry(
        long id,
        String routeId,
        String action,
        String oldValue,
        String newValue,
        String changedBy,
        Instant changedAt,
        String dbUser) {}
