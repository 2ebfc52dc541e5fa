package io.caravan;

import static org.assertj.core.api.Assertions.assertThat;

import io.caravan.testing.CaravanApp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Local mode's management port is authenticated too, with a generated development user. */
class LocalManagementUserTest {
    /**
     * Guards against a local run serving metrics and Jolokia (exec included) to anyone on the machine: the users
     * file is generated owner-only, without it /observe answers 401, with it 200.
     */
    @Test
    void a_local_start_generates_an_owner_only_user_and_observe_needs_it(@TempDir Path tmp) throws Exception {
        Path data = tmp.resolve("data");
        try (CaravanApp app = CaravanApp.start(DataDirectoryTest.localMode(data))) {
            Path users = data.resolve(LocalManagementUser.FILE);
            assertThat(Files.getPosixFilePermissions(users)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
            Properties file = new Properties();
            try (var in = Files.newInputStream(users)) {
                file.load(in);
            }
            String password = file.getProperty("user." + LocalManagementUser.USER);
            assertThat(password).hasSizeGreaterThanOrEqualTo(20);

            assertThat(app.managementStatus("/observe/metrics", null)).isEqualTo(401);
            assertThat(app.managementStatus("/observe/jolokia/version", null)).isEqualTo(401);
            assertThat(app.managementStatus("/observe/metrics", LocalManagementUser.USER + ":" + password))
                    .isEqualTo(200);
            assertThat(app.managementStatus("/observe/jolokia/version", LocalManagementUser.USER + ":" + password))
                    .isEqualTo(200);
            assertThat(app.managementStatus("/health/live", null)).isEqualTo(200);
        }
    }
}
