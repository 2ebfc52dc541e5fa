package io.caravan.testing;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
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
        ProcessBuilder pb = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "io.caravan.CaravanMain");
        pb.environment().put("CARAVAN_SECRETS_DIRS", TestSecrets.DIRS);
        pb.environment().putAll(env);
        pb.environment().put("CAMEL_MANAGEMENT_PORT", String.valueOf(CaravanApp.freePort()));
        pb.redirectErrorStream(true);
        pb.redirectOutput(new File("target/" + logName));
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    /** Kills every process started (SIGKILL). */
    @Override
    public void close() {
        processes.forEach(Process::destroyForcibly);
    }
}
