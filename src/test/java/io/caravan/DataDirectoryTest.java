package io.caravan;

import static org.assertj.core.api.Assertions.assertThat;

import io.caravan.testing.CaravanApp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What local mode writes is readable by its own user only. */
class DataDirectoryTest {
    private static final Set<PosixFilePermission> GROUP_OR_OTHER = EnumSet.of(
            PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE,
            PosixFilePermission.OTHERS_EXECUTE);

    /**
     * Guards against payloads, names and secrets under ./data being readable by other users: after a local-mode start
     * (stores, demo source, stand-ins) every directory is 700 and every file 600, including files an older run left
     * world-readable.
     */
    @Test
    void after_a_local_start_nothing_under_the_data_directory_is_readable_by_group_or_others(@TempDir Path tmp)
            throws Exception {
        Path data = tmp.resolve("data");
        Path older = Files.createDirectories(data.resolve("secrets"));
        Files.writeString(older.resolve("left-by-an-older-run"), "whsec_old");
        Files.setPosixFilePermissions(older, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(
                older.resolve("left-by-an-older-run"), PosixFilePermissions.fromString("rw-r--r--"));
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (CaravanApp app = CaravanApp.start(localMode(data))) {
            List<Path> written;
            try (Stream<Path> all = Files.walk(data)) {
                written = all.toList();
            }

            assertThat(written)
                    .as("the stores wrote their files here")
                    .anySatisfy(p -> assertThat(p.getFileName().toString()).startsWith("caravan"))
                    .anySatisfy(p -> assertThat(p.getFileName().toString()).startsWith("demo-source"));
            assertThat(written).allSatisfy(p -> assertThat(Files.getPosixFilePermissions(p))
                    .as("%s", p)
                    .doesNotContainAnyElementsOf(GROUP_OR_OTHER));
            assertThat(Files.getPosixFilePermissions(data)).isEqualTo(PosixFilePermissions.fromString("rwx------"));
        }
    }

    /** Settings of a local-mode start (stores, demo source, stand-ins) writing under {@code data}. */
    static Map<String, String> localMode(Path data) {
        Map<String, String> s =
                CaravanApp.settings("jdbc:h2:file:" + data.resolve("caravan") + ";AUTO_SERVER=FALSE", "sa", "");
        s.put("caravan.mode", "local");
        s.put("caravan.data-dir", data.toString());
        s.put("caravan.source.demo.url", "jdbc:h2:file:" + data.resolve("demo-source"));
        s.put("caravan.local.s3.port", "0");
        s.put("caravan.local.sqs.port", "0");
        s.put("caravan.local.trigger-demo.period-ms", "3600000");
        s.put("camel.server.enabled", "true");
        s.put("camel.server.port", String.valueOf(CaravanApp.freePort()));
        return s;
    }
}
