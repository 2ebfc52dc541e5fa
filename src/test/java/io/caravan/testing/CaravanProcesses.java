package io.caravan.testing;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * caravan as separate JVMs (io.caravan.CaravanMain on the test class path), configured by environment variables,
 * each with its own management port and log file under target/; for tests that kill the process.
 */
public final class CaravanProcesses implements AutoCloseable {
    private final List<Process> processes = new ArrayList<>();

    /** Starts caravan with {@code env}; its output goes to target/{@code logName}. */
    public Process start(Map<String, String> env, String logName) throws Exception {
        return start(List.of("io.caravan.CaravanMain"), env, logName);
    }

    /**
     * Starts a JVM on this JVM's class path running {@code command} (JVM options, a main class and its arguments),
     * with {@code env}; its output goes to target/{@code logName}. For benches that kill another main than caravan's.
     */
    public Process start(List<String> command, Map<String, String> env, String logName) throws Exception {
        List<String> line = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path")));
        line.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(line);
        pb.environment().put("CARAVAN_SECRETS_DIRS", TestSecrets.DIRS);
        pb.environment().putAll(env);
        pb.environment().put("CAMEL_MANAGEMENT_PORT", String.valueOf(CaravanApp.freePort()));
        pb.redirectErrorStream(true);
        pb.redirectOutput(new File("target/" + logName));
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    /**
     * The environment of a production-mode process on the PostgreSQL store {@code storeDb}: no seed file, a short
     * config refresh, no business HTTP and no JMX. Tests add their own settings to it.
     */
    public static Map<String, String> productionEnvironment(String storeDb) {
        Map<String, String> env = new HashMap<>();
        env.put("CARAVAN_DATASOURCE_URL", Databases.postgresJdbcUrl(storeDb));
        env.put("CARAVAN_DATASOURCE_USER", "postgres");
        env.put("CARAVAN_DATASOURCE_PASSWORD", "");
        env.put("CARAVAN_MODE", "production");
        env.put("CARAVAN_CONFIG_SEED_FILE", "");
        env.put("CARAVAN_CONFIG_REFRESH", "300ms");
        env.put("CAMEL_SERVER_ENABLED", "false");
        env.put("CAMEL_MAIN_JMXENABLED", "false");
        return env;
    }

    /**
     * {@link #productionEnvironment} with a feed source {@code src} on {@code sourceDb}, a 10-minute lease that only an
     * owner's stopped heartbeat (3 s) cuts short, and the test route templates.
     */
    public static Map<String, String> feedEnvironment(String storeDb, String sourceDb) {
        Map<String, String> env = productionEnvironment(storeDb);
        env.put("CARAVAN_SOURCE_SRC_URL", Databases.postgresJdbcUrl(sourceDb));
        env.put("CARAVAN_SOURCE_SRC_USER", "postgres");
        env.put("CARAVAN_LEDGER_LEASE", "10m");
        env.put("CARAVAN_LEDGER_HEARTBEAT", "1s");
        env.put("CARAVAN_LEDGER_OWNER_TIMEOUT", "3s");
        env.put("CARAVAN_ROUTES_DIR", "src/test/resources/test-routes");
        return env;
    }

    /** Kills every process started (SIGKILL). */
    @Override
    public void close() {
        processes.forEach(Process::destroyForcibly);
    }
}
