package io.caravan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.caravan.local.InProcessKafka;
import io.caravan.local.LocalAwsServers;
import io.caravan.testing.CaravanApp;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Who can reach caravan's listeners, and what the management port shows without credentials. */
class ListenersAndManagementTest {
    private final HttpClient http = HttpClient.newHttpClient();

    /**
     * Guards against local mode listening on every interface: the business and management ports, the in-JVM Kafka
     * broker and the local S3/SQS servers answer on loopback and refuse a connection to the machine's own address.
     */
    @Test
    void local_listeners_are_bound_to_loopback_only() throws Exception {
        InetAddress outside = nonLoopbackAddress().orElse(null);
        assumeTrue(outside != null, "this machine has no non-loopback IPv4 address to probe");
        int business = CaravanApp.freePort();
        int management = CaravanApp.freePort();
        Map<String, String> s = CaravanApp.settings("jdbc:h2:mem:listeners" + System.nanoTime(), "sa", "");
        s.put("camel.server.enabled", "true");
        s.put("camel.server.port", String.valueOf(business));
        s.put("camel.management.port", String.valueOf(management));
        try (CaravanApp app = CaravanApp.start(s);
                InProcessKafka kafka = InProcessKafka.start();
                LocalAwsServers aws = LocalAwsServers.start(0, 0)) {
            int kafkaPort = Integer.parseInt(kafka.bootstrapServers().replaceAll(".*:", ""));
            Map<String, Integer> ports = Map.of(
                    "business",
                    business,
                    "management",
                    management,
                    "s3",
                    aws.s3Endpoint().getPort(),
                    "sqs",
                    aws.sqsEndpoint().getPort());
            ports.forEach((name, port) -> {
                assertThat(connects(InetAddress.getLoopbackAddress(), port))
                        .as("%s port %d on loopback", name, port)
                        .isTrue();
                assertThat(connects(outside, port))
                        .as("%s port %d on %s", name, port, outside)
                        .isFalse();
            });
        }
    }

    /**
     * Guards against the management port serving metrics (and anything else under /observe) to anyone once
     * authentication is on, while the kubelet's probes keep working without credentials.
     */
    @Test
    void with_authentication_on_observe_needs_credentials_and_the_probes_stay_open(@TempDir Path dir) throws Exception {
        Path users = dir.resolve("users.properties");
        Files.writeString(users, "user.ops=correct-horse,admin\n");
        Map<String, String> s = CaravanApp.settings("jdbc:h2:mem:mgmt-auth" + System.nanoTime(), "sa", "");
        s.put("camel.management.authenticationEnabled", "true");
        s.put("camel.management.basicPropertiesFile", users.toString());
        try (CaravanApp app = CaravanApp.start(s)) {
            assertThat(get(app, "/observe/metrics", null)).isEqualTo(401);
            assertThat(get(app, "/observe/metrics", "ops:wrong")).isEqualTo(401);
            assertThat(get(app, "/observe/metrics", "ops:correct-horse")).isEqualTo(200);
            assertThat(get(app, "/observe/info", null)).isEqualTo(401);
            assertThat(get(app, "/health/live", null)).isEqualTo(200);
            assertThat(get(app, "/health/ready", null)).isEqualTo(200);
        }
    }

    /** Guards against /observe/info (user, directories, kernel) being served by default. */
    @Test
    void info_is_off_by_default() throws Exception {
        try (CaravanApp app =
                CaravanApp.start(CaravanApp.settings("jdbc:h2:mem:mgmt-info" + System.nanoTime(), "sa", ""))) {
            assertThat(get(app, "/observe/info", null)).isEqualTo(404);
            assertThat(get(app, "/health/live", null)).isEqualTo(200);
        }
    }

    private static int get(CaravanApp app, String path, String credentials) {
        return app.managementStatus(path, credentials);
    }

    private static boolean connects(InetAddress address, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address, port), 2000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static Optional<InetAddress> nonLoopbackAddress() throws Exception {
        return NetworkInterface.networkInterfaces()
                .filter(i -> {
                    try {
                        return i.isUp() && !i.isLoopback();
                    } catch (IOException e) {
                        return false;
                    }
                })
                .flatMap(NetworkInterface::inetAddresses)
                .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress())
                .findFirst();
    }
}
