package io.caravan;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Local mode's H2 store keeps what it committed when the process is killed. */
class LocalStoreDurabilityTest {
    private static final int ROWS = 200;

    /**
     * Guards against local mode losing committed ledger, saga and watermark rows on SIGKILL: H2 keeps commits in
     * memory for up to 500 ms by default (WRITE_DELAY), so a killed process lost rows it had already acknowledged.
     * A child JVM opens the store with application.properties' URL, commits rows one by one, says so and is killed;
     * every committed row must be there when the store is opened again.
     */
    @Test
    void rows_committed_before_a_kill_are_in_the_store_after_it(@TempDir Path tmp) throws Exception {
        String url = localUrl(tmp);
        Process child = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        Committer.class.getName(),
                        url)
                .redirectErrorStream(true)
                .start();
        try (BufferedReader out =
                new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            do {
                line = out.readLine();
            } while (line != null && !line.equals("committed " + ROWS));
            assertThat(line).as("the child committed its rows").isNotNull();
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        try (Connection c = DriverManager.getConnection(url, "caravan", "");
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM committed_row")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(ROWS);
        }
    }

    /** The store URL local mode uses (application.properties), with ./data moved into the test's directory. */
    private static String localUrl(Path tmp) throws Exception {
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(Path.of("application.properties"))) {
            properties.load(in);
        }
        String url = properties.getProperty("caravan.datasource.url");
        assertThat(url).startsWith("jdbc:h2:file:./data/");
        return url.replace("./data/", tmp.toAbsolutePath() + "/data/");
    }

    /** The killed process: commits each row in its own transaction, prints the count, then waits to be killed. */
    public static final class Committer {
        public static void main(String[] args) throws Exception {
            try (Connection c = DriverManager.getConnection(args[0], "caravan", "");
                    Statement s = c.createStatement()) {
                s.execute("CREATE TABLE committed_row (id INT PRIMARY KEY)");
                c.setAutoCommit(false);
                for (int i = 1; i <= ROWS; i++) {
                    s.executeUpdate("INSERT INTO committed_row VALUES (" + i + ")");
                    c.commit();
                }
                System.out.println("committed " + ROWS);
                System.out.flush();
                Thread.sleep(60_000);
            }
        }
    }
}
