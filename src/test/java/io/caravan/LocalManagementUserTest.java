package io.caravan;

import static org.assertj.core.api.Assertions.assertThat;

import io.caravan.testing.CaravanApp;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Local mode's management port is authenticated too, with a generated development user. */
class LocalManagementUserTest {
    private final HttpClient http = HttpClient.newHttpClient();

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

            assertThat(get(app, "/observe/metrics", null)).isEqualTo(401);
            assertThat(get(app, "/observe/jolokia/version", null)).isEqualTo(401);
            assertThat(get(app, "/observe/metrics", LocalManagementUser.USER + ":" + password))
                    .isEqualTo(200);
            assertThat(get(app, "/observe/jolokia/version", LocalManagementUser.USER + ":" + password))
                    .isEqualTo(200);
            assertThat(get(app, "/health/live", null)).isEqualTo(200);
        }
    }

    private int get(CaravanApp app, String path, String credentials) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(app.managementUrl(path)));
        if (credentials != null) {
            request.header(
                    "Authorization",
                    "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }
}
