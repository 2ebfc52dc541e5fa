package io.caravan.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.Objects;

/**
 * One route_config row: the desired state of one route instance. The store does not validate the content (the
 * config room does); it only needs the key columns. {@code params} is the template parameters as JSON text ("{}" when
 * null). {@code version}, {@code updatedAt} and {@code updatedBy} are set by {@link RouteConfigStore}; in a desired
 * row passed to {@link RouteConfigStore#upsert} they are ignored.
 */
public record RouteConfigRow(
        String routeId,
        String template,
        boolean enabled,
        String tier,
        String profile,
        String schedule,
        String params,
        Integer throttlePerSecond,
        Integer retryMaxAttempts,
        Long retryInitialDelayMs,
        Long retryMaxDelayMs,
        String owner,
        long version,
        Instant updatedAt,
        String updatedBy) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public RouteConfigRow {
        Objects.requireNonNull(routeId, "routeId");
        Objects.requireNonNull(template, "template of " + routeId);
        Objects.requireNonNull(tier, "tier of " + routeId);
        params = params == null ? "{}" : params;
        updatedAt = Timestamps.micros(updatedAt);
    }

    public RouteConfigRow withEnabled(boolean enabled) {
        return copy(enabled, profile, version, updatedAt, updatedBy);
    }

    public RouteConfigRow withProfile(String profile) {
        return copy(enabled, profile, version, updatedAt, updatedBy);
    }

    /** This row's content as stored at {@code version}, changed by {@code updatedBy} at {@code updatedAt}. */
    public RouteConfigRow withVersion(long version, Instant updatedAt, String updatedBy) {
        return copy(enabled, profile, version, updatedAt, updatedBy);
    }

    private RouteConfigRow copy(boolean enabled, String profile, long version, Instant updatedAt, String updatedBy) {
        return new RouteConfigRow(
                routeId,
                template,
                enabled,
                tier,
                profile,
                schedule,
                params,
                throttlePerSecond,
                retryMaxAttempts,
                retryInitialDelayMs,
                retryMaxDelayMs,
                owner,
                version,
                updatedAt,
                updatedBy);
    }

    /**
     * Whether both rows ask for the same route: every column except version, updated_at and updated_by is equal.
     * {@code params} compare as JSON values when both parse ({@code {"a":1, "b":2}} equals {@code {"b":2,"a":1}}),
     * so re-serialising the same parameters does not count as a change; otherwise as text.
     */
    public boolean sameContentAs(RouteConfigRow other) {
        return routeId.equals(other.routeId)
                && template.equals(other.template)
                && enabled == other.enabled
                && tier.equals(other.tier)
                && Objects.equals(profile, other.profile)
                && Objects.equals(schedule, other.schedule)
                && sameParams(params, other.params)
                && Objects.equals(throttlePerSecond, other.throttlePerSecond)
                && Objects.equals(retryMaxAttempts, other.retryMaxAttempts)
                && Objects.equals(retryInitialDelayMs, other.retryInitialDelayMs)
                && Objects.equals(retryMaxDelayMs, other.retryMaxDelayMs)
                && Objects.equals(owner, other.owner);
    }

    private static boolean sameParams(String a, String b) {
        if (a.equals(b)) {
            return true;
        }
        try {
            JsonNode left = JSON.readTree(a);
            JsonNode right = JSON.readTree(b);
            return left != null && left.equals(right);
        } catch (JsonProcessingException e) {
            return false;
        }
    }
}
