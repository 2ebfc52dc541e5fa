package io.caravan.testing;

import io.caravan.Caravan;
import io.caravan.config.Reconciler;
import io.caravan.store.ConfigAudit;
import io.caravan.store.DeadLetters;
import io.caravan.store.DrainProfiles;
import io.caravan.store.ExecutionLog;
import io.caravan.store.IdempotencyLedger;
import io.caravan.store.RouteConfigStore;
import io.caravan.store.Watermarks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import javax.sql.DataSource;
import org.apache.camel.CamelContext;
import org.apache.camel.main.Main;

/**
 * The whole caravan application in the test JVM, as camel-main runs it, against a store the test chose (a fresh
 * H2 or PostgreSQL database). No demo, no seed file; a short config refresh; its own management port.
 */
public final class CaravanApp implements AutoCloseable {
    /** The inbox key every test app seals and verifies inbox records with (caravan.inbox.secret). */
    public static final String INBOX_SECRET = "test-inbox-key-0123456789abcdefghijklmnopqrstuvwxyz";

    private static final java.util.concurrent.atomic.AtomicInteger NAMES =
            new java.util.concurrent.atomic.AtomicInteger();
    private final Main main;
    private final int managementPort;

    private CaravanApp(Main main, int managementPort) {
        this.main = main;
        this.managementPort = managementPort;
    }

    /** Settings for a store URL, to which a test adds its own overrides. */
    public static Map<String, String> settings(String jdbcUrl, String user, String password) {
        Map<String, String> s = new HashMap<>();
        s.put("caravan.datasource.url", jdbcUrl);
        s.put("caravan.datasource.user", user);
        s.put("caravan.datasource.password", password);
        s.put("caravan.mode", "test");
        s.put("caravan.inbox.secret", INBOX_SECRET);
        // camel-quartz names its scheduler after the context: two apps called alike in one JVM share one
        // scheduler, and a feed's job can fire into the other app's context, where it silently never runs
        s.put("camel.main.name", "caravan-" + NAMES.incrementAndGet());
        s.put("caravan.config.seed-file", "");
        s.put("caravan.config.refresh", "300ms");
        s.put("caravan.egress.allowed-hosts", "localhost,127.0.0.1");
        s.put("caravan.secrets.dirs", TestSecrets.DIRS);
        s.put("camel.server.enabled", "false");
        s.put("camel.main.shutdownTimeout", "10");
        s.put("camel.main.jmxEnabled", "false");
        s.put("camel.management.port", String.valueOf(freePort()));
        return s;
    }

    public static CaravanApp start(Map<String, String> settings) {
        Main main = Caravan.newMain(settings);
        try {
            main.start();
        } catch (Exception e) {
            throw new IllegalStateException("caravan did not start", e);
        }
        return new CaravanApp(main, Integer.parseInt(settings.get("camel.management.port")));
    }

    public CamelContext camel() {
        return main.getCamelContext();
    }

    public DataSource store() {
        return camel().getRegistry().lookupByNameAndType(Caravan.DATA_SOURCE, DataSource.class);
    }

    public Reconciler reconciler() {
        return camel().getRegistry().lookupByNameAndType(Caravan.RECONCILER, Reconciler.class);
    }

    public IdempotencyLedger ledger() {
        return camel().getRegistry().lookupByNameAndType(Caravan.LEDGER, IdempotencyLedger.class);
    }

    public RouteConfigStore routeConfig() {
        return new RouteConfigStore(store(), Clock.systemUTC());
    }

    public DrainProfiles profiles() {
        return new DrainProfiles(store());
    }

    public Watermarks watermarks() {
        return new Watermarks(store(), Clock.systemUTC());
    }

    public DeadLetters deadLetters() {
        return new DeadLetters(store(), Clock.systemUTC());
    }

    public ExecutionLog executionLog() {
        return new ExecutionLog(store(), Clock.systemUTC());
    }

    public ConfigAudit audit() {
        return new ConfigAudit(store(), Clock.systemUTC());
    }

    public String managementUrl(String path) {
        return "http://localhost:" + managementPort + path;
    }

    /** The HTTP status of a GET on the management port, with basic credentials {@code user:password} or none. */
    public int managementStatus(String path, String credentials) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(managementUrl(path)));
        if (credentials != null) {
            request.header(
                    "Authorization",
                    "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
        }
        try {
            return HttpClient.newHttpClient()
                    .send(request.build(), HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        main.stop();
    }

    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
