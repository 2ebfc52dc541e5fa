package io.caravan.template;

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
        List<Part> parts = Placeholders.split(text, new Placeholders.Grammar<>() {
            @Override
            public Part literal(String literal) {
                return new Literal(literal);
            }

            @Override
            public Part placeholder(String token, String inside) {
                Matcher event = EVENT.matcher(inside);
                Matcher step = STEPS.matcher(inside);
                if (event.matches()) {
                    return new EventField(event.group(1));
                }
                if (step.matches()) {
                    return new StepField(step.group(1), step.group(2));
                }
                throw rejected(token, "is not a placeholder of the grammar");
            }

            @Override
            public IllegalArgumentException rejected(String token, String why) {
                return new IllegalArgumentException("'" + token + "' " + why
                        + ": a payload value is literal text with ${event[<field>]} and ${steps.<step>.<field>} only");
            }
        });
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
