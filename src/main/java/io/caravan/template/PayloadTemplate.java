package io.caravan.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A value of a saga step's payload, written in routes/: literal text with placeholders {@code ${event[<field>]}} (a
 * field of the event that started the saga) and {@code ${steps.<step>.<field>}} (a field kept from an earlier step's
 * result), and nothing else. Like {@link KeyTemplate} it is a declared grammar, not a language: parsed when the plan is
 * loaded, rendered in plain Java, never handed to a Camel language.
 *
 * <p>A value that is exactly one placeholder keeps the source value as it is (a number stays a number); otherwise the
 * parts are joined as text. A missing or null source value renders as empty ({@link #render} is empty), so the
 * caller can refuse the step instead of posting a hole.
 */
public final class PayloadTemplate {
    /** A step name: letters, digits, '_' and '-', starting with a letter. */
    public static final Pattern STEP = Pattern.compile("[A-Za-z][A-Za-z0-9_-]{0,99}");

    private static final Pattern EVENT = Pattern.compile("event\\[(" + KeyTemplate.FIELD.pattern() + ")]");
    private static final Pattern STEPS =
            Pattern.compile("steps\\.(" + STEP.pattern() + ")\\.(" + KeyTemplate.FIELD.pattern() + ")");
    private static final int MAX_LENGTH = 1000;

    /** One piece of the value. */
    public sealed interface Part permits Literal, EventField, StepField {}

    public record Literal(String text) implements Part {}

    public record EventField(String field) implements Part {}

    public record StepField(String step, String field) implements Part {}

    private final String text;
    private final List<Part> parts;

    private PayloadTemplate(String text, List<Part> parts) {
        this.text = text;
        this.parts = List.copyOf(parts);
    }

    /** Parses a value; the exception's message names the offending token. */
    public static PayloadTemplate parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("must not be null");
        }
        if (text.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("is longer than " + MAX_LENGTH + " characters");
        }
        List<Part> parts = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            int open = text.indexOf("${", i);
            if (open < 0) {
                literal.append(text, i, text.length());
                break;
            }
            literal.append(text, i, open);
            int close = text.indexOf('}', open);
            if (close < 0) {
                throw new IllegalArgumentException("'" + text.substring(open) + "' is not closed");
            }
            String token = text.substring(open + 2, close);
            if (token.contains("${")) {
                throw new IllegalArgumentException("'${" + token + "}' nests a placeholder");
            }
            Matcher event = EVENT.matcher(token);
            Matcher step = STEPS.matcher(token);
            Part part;
            if (event.matches()) {
                part = new EventField(event.group(1));
            } else if (step.matches()) {
                part = new StepField(step.group(1), step.group(2));
            } else {
                throw new IllegalArgumentException(
                        "'${" + token + "}' is not allowed: only ${event[<field>]} and ${steps.<step>.<field>}");
            }
            if (!literal.isEmpty()) {
                parts.add(new Literal(literal.toString()));
                literal.setLength(0);
            }
            parts.add(part);
            i = close + 1;
        }
        if (!literal.isEmpty()) {
            parts.add(new Literal(literal.toString()));
        }
        return new PayloadTemplate(text, parts);
    }

    public List<Part> parts() {
        return parts;
    }

    /**
     * The value for {@code event} and the kept results {@code steps} (step name to its kept fields); empty when a
     * placeholder's value is missing or null.
     */
    public Optional<Object> render(Map<String, ?> event, Map<String, ? extends Map<String, ?>> steps) {
        if (parts.size() == 1 && !(parts.get(0) instanceof Literal)) {
            return Optional.ofNullable(value(parts.get(0), event, steps));
        }
        StringBuilder out = new StringBuilder();
        for (Part p : parts) {
            Object v = value(p, event, steps);
            if (v == null) {
                return Optional.empty();
            }
            out.append(v);
        }
        return Optional.of(out.toString());
    }

    private static Object value(Part part, Map<String, ?> event, Map<String, ? extends Map<String, ?>> steps) {
        if (part instanceof Literal l) {
            return l.text();
        }
        if (part instanceof EventField f) {
            return event.get(f.field());
        }
        StepField f = (StepField) part;
        Map<String, ?> kept = steps.get(f.step());
        return kept == null ? null : kept.get(f.field());
    }

    @Override
    public String toString() {
        return text;
    }
}
