package io.caravan.template;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * Where a row's secret references may point: files under the configured roots ({@code caravan.secrets.dirs}, checked
 * on the real path after links are resolved, so {@code ..} and links out of a root are refused) and environment
 * variables whose name starts with the configured prefix ({@code caravan.secrets.env-prefix}). Every refusal has the
 * same message, {@link #UNUSABLE}, so a rejection tells neither whether a file exists nor what it holds.
 */
public final class SecretRoots {
    public static final String DIRS = "caravan.secrets.dirs";
    public static final String ENV_PREFIX = "caravan.secrets.env-prefix";
    public static final String DEFAULT_DIRS = "./data/secrets";
    public static final String DEFAULT_ENV_PREFIX = "CARAVAN_SECRET_";
    /** The one message for every reference that cannot be used (outside a root, missing, unreadable, bad content). */
    public static final String UNUSABLE = "the secret reference cannot be used: it is not under a configured secret "
            + "root (" + DIRS + ", " + ENV_PREFIX + ") or cannot be read";

    private static final long MAX_BYTES = 64 * 1024;

    private final List<Path> dirs;
    private final String envPrefix;
    private final Function<String, String> environment;

    public SecretRoots(List<Path> dirs, String envPrefix, Function<String, String> environment) {
        if (envPrefix == null || envPrefix.isBlank()) {
            throw new IllegalArgumentException(ENV_PREFIX + " must not be empty: it would open every variable");
        }
        this.dirs = List.copyOf(dirs);
        this.envPrefix = envPrefix;
        this.environment = environment;
    }

    /** Roots from a comma-separated list of directories, reading the process environment. */
    public static SecretRoots of(String dirs, String envPrefix) {
        return new SecretRoots(
                Arrays.stream(dirs.split(","))
                        .map(String::trim)
                        .filter(d -> !d.isEmpty())
                        .map(Path::of)
                        .toList(),
                envPrefix,
                System::getenv);
    }

    /** The directories files may be read from, as configured. */
    public List<Path> dirs() {
        return dirs;
    }

    /** The secret's value, stripped; throws {@link UnusableSecretException} with {@link #UNUSABLE} otherwise. */
    public String read(SecretRef ref) {
        String value = ref.source().equals("env") ? fromEnvironment(ref.name()) : fromFile(ref.name());
        if (value == null || value.isBlank()) {
            throw new UnusableSecretException();
        }
        return value.strip();
    }

    /** {@link #read(SecretRef)} from the reference's text. */
    public String read(String ref) {
        try {
            return read(SecretRef.parse(ref));
        } catch (IllegalArgumentException e) {
            throw new UnusableSecretException();
        }
    }

    /**
     * The secret read from {@code ref} and turned into a value by {@code parser}; content the parser refuses gets the
     * same message as a reference that cannot be read, so neither the content nor the parser's reason is shown.
     */
    public <T> T read(String ref, Function<String, T> parser) {
        String value = read(ref);
        try {
            return parser.apply(value);
        } catch (RuntimeException e) {
            throw new UnusableSecretException();
        }
    }

    private String fromEnvironment(String name) {
        return name.startsWith(envPrefix) && name.length() > envPrefix.length() ? environment.apply(name) : null;
    }

    private String fromFile(String name) {
        try {
            Path real = Path.of(name).toAbsolutePath().toRealPath();
            if (!Files.isRegularFile(real) || !underARoot(real) || Files.size(real) > MAX_BYTES) {
                return null;
            }
            return Files.readString(real, StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private boolean underARoot(Path real) {
        for (Path dir : dirs) {
            try {
                Path root = dir.toAbsolutePath().toRealPath();
                if (real.startsWith(root) && !real.equals(root)) {
                    return true;
                }
            } catch (IOException e) {
                // a root that does not exist holds nothing
            }
        }
        return false;
    }

    /** A secret reference that cannot be used; its message never names the reference, a path or a reason. */
    public static final class UnusableSecretException extends IllegalArgumentException {
        UnusableSecretException() {
            super(UNUSABLE, null);
        }
    }
}
