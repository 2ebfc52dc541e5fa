package io.caravan;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The directory where local mode keeps what it writes (H2 stores, the demo source, development secrets): owner-only,
 * directories 700 and files 600, because it holds payloads, names and secrets. Java cannot set the process umask, so
 * the directory is made 700 before anything is written into it (a file created later with the umask's mode is still
 * unreachable for others) and every file's mode is tightened again once caravan has started.
 */
final class DataDirectory {
    static final String SETTING = "caravan.data-dir";
    static final String DEFAULT = "./data";

    private static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

    private DataDirectory() {}

    /** Creates the directory owner-only when it is missing (local mode), and secures what is in it. */
    static void create(Path dir) {
        try {
            if (!Files.exists(dir)) {
                if (posix()) {
                    Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(DIRECTORY));
                } else {
                    Files.createDirectories(dir);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the data directory " + dir, e);
        }
        secure(dir);
    }

    /** Makes the directory and everything under it owner-only; a missing directory is left alone. */
    static void secure(Path dir) {
        if (!posix() || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            all.filter(p -> !Files.isSymbolicLink(p)).forEach(p -> {
                try {
                    Files.setPosixFilePermissions(p, Files.isDirectory(p) ? DIRECTORY : FILE);
                } catch (IOException e) {
                    // a file removed meanwhile (an H2 temp file) needs no protection
                }
            });
        } catch (IOException | UncheckedIOException e) {
            throw new IllegalStateException("cannot make the data directory " + dir + " owner-only", e);
        }
    }

    private static boolean posix() {
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    }
}
