package io.caravan.template;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A per-row value written by a row's owner, e.g. {@code SAP:ACTUAL_HOURS:${body[id]}:${body[revision]}}: literal
 * text with placeholders {@code ${body[<field>]}} (a field of the row) and {@code ${header.<name>}} (one of
 * {@link #DECLARED_HEADERS}), and nothing else. It is a declared grammar, not a language: parsed once when the row is
 * validated, rendered in plain Java, never handed to a Camel language, so a row cannot call methods, beans, the
 * environment or system properties.
 *
 * <p>A placeholder whose value is missing, null or blank gives no key at all ({@link #render} is empty): an empty part
 * would let distinct rows share one key, and the second would be taken for a duplicate.
 */
public final class KeyTemplate {
    /** The header holding a hash of the row's content without its change time. */
    public static final String PAYLOAD_HASH = "caravanPayloadHash";
    /** The headers a template may name; nothing else of the exchange is reachable. */
    public static final Set<String> DECLARED_HEADERS = Set.of(PAYLOAD_HASH);
    /** A row field name: letters, digits, '_' and '-', starting with a letter or '_'. */
    public static final Pattern FIELD = Pattern.compile("[A-Za-z_][A-Za-z0-9_-]{0,99}");

    private static final Pattern BODY = Pattern.compile("body\\[(" + FIELD.pattern() + ")]");
    private static final Pattern HEADER = Pattern.compile("header\\.(" + FIELD.pattern() + ")");
    private static final int MAX_LENGTH = 1000;

    /** One piece of the template. */
    private sealed interface Part permits Literal, BodyField, Header {}

    private record Literal(String text) implements Part {}

    private record BodyField(String field) implements Part {}

    private record Header(String name) implements Part {}

    private final String text;
    private final List<Part> parts;

    private KeyTemplate(String text, List<Part> parts) {
        this.text = text;
        this.parts = List.copyOf(parts);
    }

    /** Parses a template; the message of the exception names the offending token. */
    public static KeyTemplate parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("must not be blank");
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
                Matcher body = BODY.matcher(inside);
                Matcher header = HEADER.matcher(inside);
                if (body.matches()) {
                    return new BodyField(body.group(1));
                }
                if (header.matches()) {
                    if (!DECLARED_HEADERS.contains(header.group(1))) {
                        throw rejected(token, "names a header that is not declared; declared: " + DECLARED_HEADERS);
                    }
                    return new Header(header.group(1));
                }
                throw rejected(token, "is not a placeholder of the grammar");
            }

            @Override
            public IllegalArgumentException rejected(String token, String why) {
                return KeyTemplate.rejected(token, why);
            }
        });
        return new KeyTemplate(text, parts);
    }

    /** The problem with a template, naming the offending token; empty when it parses. */
    public static Optional<String> problem(String text) {
        try {
            parse(text);
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
    }

    private static IllegalArgumentException rejected(String token, String why) {
        String shown = token.length() > 120 ? token.substring(0, 120) + "…" : token;
        return new IllegalArgumentException("'" + shown + "' " + why + ": a key template is literal text with "
                + "${body[<field>]} and ${header.<name>} (declared: " + DECLARED_HEADERS + ") only");
    }

    /** Whether the template names the header, so the caller computes its value only when needed. */
    public boolean uses(String header) {
        return parts.stream().anyMatch(p -> p instanceof Header h && h.name().equals(header));
    }

    /**
     * The key for one row, or empty when a placeholder has no value (missing, null or blank). Field values are shown
     * as {@link String#valueOf(Object)} does (numbers as digits, text as is).
     */
    public Optional<String> render(Map<String, ?> row, Map<String, String> headers) {
        StringBuilder key = new StringBuilder();
        for (Part part : parts) {
            if (part instanceof Literal l) {
                key.append(l.text());
                continue;
            }
            Object value = part instanceof BodyField f ? row.get(f.field()) : headers.get(((Header) part).name());
            if (value == null || String.valueOf(value).isBlank()) {
                return Optional.empty();
            }
            key.append(value);
        }
        return Optional.of(key.toString());
    }

    @Override
    public String toString() {
        return text;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyTemplate other && other.text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }
}
