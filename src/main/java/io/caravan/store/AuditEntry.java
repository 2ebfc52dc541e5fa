package io.caravan.store;

import java.time.Instant;

/**
 * One config_audit row: who did what to a route. {@code action} is e.g. CREATED, UPDATED, ENABLED, DISABLED, DELETED
 * (written by {@link RouteConfigStore}) or STARTED, STOPPED, RECREATED, REJECTED (written by the reconciler); old and
 * new values are JSON or free text, null when not applicable.
 */
public record AuditEntry(
        long id,
        String routeId,
        String action,
        String oldValue,
        String newValue,
        String changedBy,
        Instant changedAt) {}
