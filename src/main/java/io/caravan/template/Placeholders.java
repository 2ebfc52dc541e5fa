package io.caravan.template;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a declared-grammar value into literal runs and {@code ${...}} placeholders, for {@link KeyTemplate} and
 * {@link PayloadTemplate}; each grammar decides what a placeholder may say.
 */
final class Placeholders {
    private Placeholders() {}

    /** What a grammar makes of the pieces; {@code rejected} builds its message naming the offending token. */
    interface Grammar<P> {
        P literal(String text);

        /** The part for a placeholder; {@code token} is {@code ${inside}}. Throws what {@link #rejected} builds. */
        P placeholder(String token, String inside);

        IllegalArgumentException rejected(String token, String why);
    }

    static <P> List<P> split(String text, Grammar<P> grammar) {
        List<P> parts = new ArrayList<>();
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
                throw grammar.rejected(text.substring(open), "is not closed by '}'");
            }
            String token = text.substring(open, close + 1);
            String inside = text.substring(open + 2, close);
            if (inside.contains("${")) {
                throw grammar.rejected(token, "nests a placeholder");
            }
            P part = grammar.placeholder(token, inside);
            if (!literal.isEmpty()) {
                parts.add(grammar.literal(literal.toString()));
                literal.setLength(0);
            }
            parts.add(part);
            i = close + 1;
        }
        if (!literal.isEmpty()) {
            parts.add(grammar.literal(literal.toString()));
        }
        return parts;
    }
}
