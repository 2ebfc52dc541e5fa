package io.caravan.saga;

import io.caravan.template.KeyTemplate;
import io.caravan.template.PayloadTemplate;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * A saga's step plan as declared in routes/sagas/&lt;name&gt;.yaml: the business key field of the triggering event,
 * the idempotency key prefix, and the steps in order, each a POST to a path under the row's target with a payload
 * mapped by {@link PayloadTemplate}, the result fields kept for later steps, and an optional compensation. The plan's
 * text is frozen into every saga when it starts ({@link #version()} is a hash of it), so a deploy that changes the
 * file never changes a saga already running.
 */
public record SagaPlan(
        String name, String keyPrefix, String businessKey, List<Step> steps, String text, String version) {

    /** A POST to {@code path} under the row's target with the mapped payload. */
    public record Call(String path, Map<String, PayloadTemplate> payload) {}

    public record Step(String name, Call call, List<String> keep, Optional<Call> compensation) {}

    private static final Pattern PATH = Pattern.compile("(/[A-Za-z0-9._~-]+)*/?");
    private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9_:.-]{1,100}");
    static final int MAX_STEPS = 50;

    public Step step(String stepName) {
        return steps.stream()
                .filter(s -> s.name().equals(stepName))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("plan " + name + " has no step '" + stepName + "'"));
    }

    public int position(String stepName) {
        return steps.indexOf(step(stepName));
    }

    /** The step-level idempotency key, e.g. {@code SAP:PROJECT_SETUP:<wfProjectId>:<step>}. */
    public String idempotencyKey(String business, String stepName) {
        return keyPrefix + ":" + business + ":" + stepName;
    }

    /** Parses and checks a plan; the exception's message says what is wrong and where. */
    @SuppressWarnings("unchecked")
    public static SagaPlan parse(String text) {
        Object root = new Load(LoadSettings.builder().build()).loadFromString(text);
        if (!(root instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException("a saga plan is a mapping with name, keyPrefix, businessKey and steps");
        }
        String name = string(map, "name", "plan");
        String prefix = string(map, "keyPrefix", "plan");
        if (!PREFIX.matcher(prefix).matches()) {
            throw new IllegalArgumentException("plan " + name + ": keyPrefix '" + prefix + "' must match " + PREFIX);
        }
        String businessKey = string(map, "businessKey", "plan");
        if (!KeyTemplate.FIELD.matcher(businessKey).matches()) {
            throw new IllegalArgumentException("plan " + name + ": businessKey '" + businessKey + "' is not a field");
        }
        if (!(map.get("steps") instanceof List<?> list) || list.isEmpty() || list.size() > MAX_STEPS) {
            throw new IllegalArgumentException("plan " + name + ": steps must list 1 to " + MAX_STEPS + " steps");
        }
        List<Step> steps = new ArrayList<>();
        Map<String, Set<String>> kept = new LinkedHashMap<>();
        for (Object o : list) {
            if (!(o instanceof Map<?, ?> s)) {
                throw new IllegalArgumentException("plan " + name + ": every step is a mapping");
            }
            String stepName = string(s, "name", "plan " + name + " step");
            String where = "plan " + name + " step " + stepName;
            if (!PayloadTemplate.STEP.matcher(stepName).matches() || kept.containsKey(stepName)) {
                throw new IllegalArgumentException(where + ": the name is not a unique step name");
            }
            Call call = call(s, where, kept);
            List<String> keep = new ArrayList<>();
            if (s.get("keep") instanceof List<?> k) {
                for (Object f : k) {
                    if (!(f instanceof String field)
                            || !KeyTemplate.FIELD.matcher(field).matches()) {
                        throw new IllegalArgumentException(where + ": keep lists field names, found '" + f + "'");
                    }
                    keep.add(field);
                }
            }
            kept.put(stepName, new HashSet<>(keep));
            Optional<Call> compensation = Optional.empty();
            if (s.get("compensation") instanceof Map<?, ?> c) {
                compensation = Optional.of(call(c, where + " compensation", kept));
            }
            steps.add(new Step(stepName, call, List.copyOf(keep), compensation));
        }
        return new SagaPlan(
                name,
                prefix,
                businessKey,
                List.copyOf(steps),
                text,
                sha256(text).substring(0, 16));
    }

    private static Call call(Map<?, ?> s, String where, Map<String, Set<String>> kept) {
        String path = string(s, "path", where);
        if (!PATH.matcher(path).matches()) {
            throw new IllegalArgumentException(where + ": path '" + path + "' is not a plain path");
        }
        Map<String, PayloadTemplate> payload = new LinkedHashMap<>();
        if (s.get("payload") instanceof Map<?, ?> p) {
            for (Map.Entry<?, ?> e : p.entrySet()) {
                String field = String.valueOf(e.getKey());
                if (!KeyTemplate.FIELD.matcher(field).matches()) {
                    throw new IllegalArgumentException(where + ": payload field '" + field + "' is not a field name");
                }
                PayloadTemplate t;
                try {
                    t = PayloadTemplate.parse(String.valueOf(e.getValue()));
                } catch (IllegalArgumentException ex) {
                    throw new IllegalArgumentException(where + ": payload." + field + ": " + ex.getMessage());
                }
                for (PayloadTemplate.Part part : t.parts()) {
                    if (part instanceof PayloadTemplate.StepField f
                            && !kept.getOrDefault(f.step(), Set.of()).contains(f.field())) {
                        throw new IllegalArgumentException(where + ": payload." + field + " reads steps." + f.step()
                                + "." + f.field() + ", which no earlier step keeps");
                    }
                }
                payload.put(field, t);
            }
        }
        return new Call(path, payload);
    }

    private static String string(Map<?, ?> map, String key, String where) {
        if (!(map.get(key) instanceof String s) || s.isBlank()) {
            throw new IllegalArgumentException(where + ": '" + key + "' is required text");
        }
        return s;
    }

    static String sha256(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
