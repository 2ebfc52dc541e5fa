package io.caravan.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.caravan.store.RouteConfigRow;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * Config as code: rows written in routes/route-config.yaml, upserted into route_config at startup so a fresh
 * machine has working routes. A malformed entry is reported with its position and skipped; the others load.
 */
public final class RouteConfigSeed {
    private static final ObjectMapper JSON =
            new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    public record Loaded(List<RouteConfigRow> rows, List<String> problems) {}

    private RouteConfigSeed() {}

    public static Loaded load(Path file) throws IOException {
        Object doc = new Load(LoadSettings.builder().build()).loadFromString(Files.readString(file));
        List<RouteConfigRow> rows = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        if (!(doc instanceof Map<?, ?> root) || !(root.get("routes") instanceof List<?> entries)) {
            problems.add(file + ": expected a top-level 'routes:' list");
            return new Loaded(rows, problems);
        }
        for (int i = 0; i < entries.size(); i++) {
            String where = file + ": routes[" + i + "]";
            if (!(entries.get(i) instanceof Map<?, ?> e)) {
                problems.add(where + ": expected a mapping");
                continue;
            }
            try {
                rows.add(row(e, "seed:" + file.getFileName()));
            } catch (RuntimeException ex) {
                problems.add(where + ": " + ex.getMessage());
            }
        }
        return new Loaded(rows, problems);
    }

    /**
     * One candidate row as YAML or JSON text (JSON is YAML): a mapping of the row's columns as the seed file
     * writes them, or a {@code routes:} list holding exactly one. Problems are reported as {@link #load} reports
     * them; nothing is stored.
     */
    public static Loaded parseRow(String text, String by) {
        Object doc;
        try {
            doc = new Load(LoadSettings.builder().build()).loadFromString(text);
        } catch (RuntimeException e) {
            return new Loaded(List.of(), List.of("the row is neither YAML nor JSON: " + e.getMessage()));
        }
        if (doc instanceof Map<?, ?> root && root.get("routes") instanceof List<?> entries) {
            if (entries.size() != 1) {
                return new Loaded(List.of(), List.of("expected one row, the 'routes:' list has " + entries.size()));
            }
            doc = entries.get(0);
        }
        if (!(doc instanceof Map<?, ?> e)) {
            return new Loaded(List.of(), List.of("expected a mapping of one row's columns (routeId, template, ...)"));
        }
        try {
            return new Loaded(List.of(row(e, by)), List.of());
        } catch (RuntimeException ex) {
            return new Loaded(List.of(), List.of(ex.getMessage()));
        }
    }

    private static RouteConfigRow row(Map<?, ?> e, String by) {
        Map<?, ?> retry = e.get("retry") instanceof Map<?, ?> r ? r : Map.of();
        Object params = e.get("params");
        String paramsJson;
        try {
            paramsJson = JSON.writeValueAsString(params == null ? Map.of() : new TreeMap<>((Map<?, ?>) params));
        } catch (IOException | ClassCastException ex) {
            throw new IllegalArgumentException("params must be a mapping");
        }
        return new RouteConfigRow(
                text(e, "routeId", true),
                text(e, "template", true),
                e.get("enabled") == null || Boolean.parseBoolean(String.valueOf(e.get("enabled"))),
                e.get("tier") == null ? "T3" : String.valueOf(e.get("tier")),
                text(e, "profile", false),
                text(e, "schedule", false),
                paramsJson,
                number(e, "throttlePerSecond", Integer::valueOf),
                number(retry, "retry.maxAttempts", Integer::valueOf),
                number(retry, "retry.initialDelayMs", Long::valueOf),
                number(retry, "retry.maxDelayMs", Long::valueOf),
                text(e, "owner", false),
                1,
                Instant.now(),
                by);
    }

    private static String text(Map<?, ?> e, String key, boolean required) {
        Object v = e.get(key);
        if (v == null && required) {
            throw new IllegalArgumentException(key + " is required");
        }
        return v == null ? null : String.valueOf(v);
    }

    private static <T> T number(Map<?, ?> e, String key, java.util.function.Function<String, T> parse) {
        Object v = e.get(key.startsWith("retry.") ? key.substring(6) : key);
        if (v == null) {
            return null;
        }
        try {
            return parse.apply(String.valueOf(v).trim());
        } catch (NumberFormatException ex) {
            throw new IllegalArgumentException(key + ": '" + v + "' is not a whole number");
        }
    }
}
