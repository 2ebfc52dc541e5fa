package io.caravan.template;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where a secret lives: {@code env:NAME} (an environment variable) or {@code file:path} (a mounted file; a relative
 * path is relative to the working directory). The config table stores only the reference, never the value; whether a
 * reference may be read at all is decided by {@link SecretRoots}. {@link #toString()} never shows the value.
 */
public record SecretRef(String source, String name) {
    private static final Pattern ENV_NAME = Pattern.compile("[A-Z_][A-Z0-9_]{0,127}");

    public static SecretRef parse(String ref) {
        problem(ref).ifPresent(p -> {
            throw new IllegalArgumentException(p);
        });
        int colon = ref.indexOf(':');
        return new SecretRef(ref.substring(0, colon), ref.substring(colon + 1));
    }

    /** The shape only: a reference that is well formed may still point where {@link SecretRoots} refuses to read. */
    static Optional<String> problem(String ref) {
        if (ref == null || ref.isBlank()) {
            return Optional.of("a secret reference (env:NAME or file:path) is required");
        }
        if (ref.startsWith("env:") && ENV_NAME.matcher(ref.substring(4)).matches()) {
            return Optional.empty();
        }
        if (ref.startsWith("file:") && ref.length() > 5 && ref.length() <= 1000 && ref.indexOf('\0') < 0) {
            return Optional.empty();
        }
        return Optional.of("must be a secret reference env:NAME or file:path, not a value");
    }

    @Override
    public String toString() {
        return source + ":" + name;
    }
}
