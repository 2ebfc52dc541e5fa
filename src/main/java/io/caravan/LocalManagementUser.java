package io.caravan;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Local mode's development credential for the management port: a users file (Vert.x properties format,
 * {@code user.<name>=<password>}) generated once, owner-only, under the data directory and outside the secret roots
 * rows may read. The log names the file, never the password.
 */
final class LocalManagementUser {
    static final String USER = "operator";
    static final String FILE = "management/users.properties";

    private LocalManagementUser() {}

    /** The users file under {@code dataDir}, created with a random password when missing. */
    static Path ensure(Path dataDir) {
        Path file = dataDir.resolve(FILE);
        if (Files.exists(file)) {
            return file;
        }
        DataDirectory.create(file.getParent());
        byte[] random = new byte[18];
        new SecureRandom().nextBytes(random);
        String password = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        String content = "# caravan local mode: development operator for the management port (/observe/*)\n" + "user."
                + USER + "=" + password + "\n";
        try {
            if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
                Files.createFile(
                        file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } else {
                Files.createFile(file);
            }
            Files.writeString(file, content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the development users file " + file, e);
        }
        return file;
    }
}
