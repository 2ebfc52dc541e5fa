package io.caravan.template;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where a secret lives: {@code env:NAME} (an environment variable) or {@code file:/path} (a mounted file;
 * {@code file:./path} relative to the working directory, for local mode's generated secrets).
 * The config table stores only the reference, never the value; {@link #toString()} never shows the value.
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

    static Optional<String> problem(String ref) {
        if (ref == null || ref.isBlank()) {
            return Optional.of("a secret reference (env:NAME or file:/path) is required");
        }
        if (ref.startsWith("env:") && ENV_NAME.matcher(ref.substring(4)).matches()) {
            return Optional.empty();
        }
        // file:./path is relative to the working directory: local mode's generated development secrets
        if ((ref.startsWith("file:/") || ref.startsWith("file:./")) && !ref.contains("..")) {
            return Optional.empty();
        }
        return Optional.of(
                "must be a secret reference env:NAME, file:/absolute/path or file:./relative/path, not a value");
    }

    /** Reads the secret; fails with a message that names the reference, not the value. */
    public String resolve() {
        if (source.equals("env")) {
            String v = System.getenv(name);
            if (v == null) {
                throw new IllegalStateException("secret env:" + name + " is not set");
            }
            return v;
        }
        try {
            return Files.readString(Path.of(name), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new IllegalStateException(
                    "secret file:" + name + " cannot be read: " + e.getClass().getSimpleName());
        }
    }

    @Override
    public String toString() {
        return source + ":" + name;
    }
}
