package io.caravan.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.caravan.LocalStandIn;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import javax.sql.DataSource;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Local mode's stand-ins for the systems a feed connects: a Workfront-like source table that keeps getting
 * new and edited hour entries, the same rows as a paged HTTP API, and an SAP-like HTTP target that logs what it
 * receives. Only installed when caravan.mode=local.
 *
 * <p>To show route health and alerts, the JDBC feed's SAP target has scheduled outages: it answers 503 for
 * {@link #OUTAGE} starting {@link #FIRST_OUTAGE} after start and then every {@link #OUTAGE_EVERY}; the feed's health
 * goes DEGRADED → FAILING while it is down, back to DEGRADED once rows are accepted again (its dead letters count for
 * 15 minutes) and then CONNECTED. Alerts go to the demo alert receiver (/demo/alerts), which logs each card.
 */
public final class LocalDemo extends RouteBuilder {
    private static final Logger LOG = LoggerFactory.getLogger("caravan.demo");
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String TABLE_DDL =
            "CREATE TABLE IF NOT EXISTS actual_hours (id BIGINT PRIMARY KEY, revision INT NOT NULL, "
                    + "employee VARCHAR(100) NOT NULL, project VARCHAR(100) NOT NULL, hours NUMERIC(5,2) NOT NULL, work_date DATE NOT NULL, "
                    + "updated_at TIMESTAMP WITH TIME ZONE NOT NULL)";
    private static final String KEYSET =
            "SELECT id, revision, employee, project, hours, work_date, updated_at FROM actual_hours "
                    + "WHERE (updated_at, id) > (?, ?) ORDER BY updated_at, id LIMIT ?";

    private final DataSource source;
    private final AtomicLong nextId = new AtomicLong();
    private final AtomicLong received = new AtomicLong();
    private final Instant started = Instant.now();

    static final Duration FIRST_OUTAGE = Duration.ofMinutes(1);
    static final Duration OUTAGE = Duration.ofSeconds(60);
    static final Duration OUTAGE_EVERY = Duration.ofMinutes(20);

    /** The stand-in registered in META-INF/services: installs a demo on the source data source "demo". */
    public static final class Installer implements LocalStandIn {
        @Override
        public void install(CamelContext camel, Function<String, Optional<DataSource>> sources) {
            LocalDemo.install(
                    camel,
                    sources.apply("demo")
                            .orElseThrow(() -> new IllegalStateException("local mode needs caravan.source.demo.url")));
        }
    }

    private LocalDemo(DataSource source) {
        this.source = source;
    }

    static void install(CamelContext camel, DataSource source) {
        try (Connection c = source.getConnection();
                Statement s = c.createStatement()) {
            s.execute(TABLE_DDL);
            try (ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(id), 0) FROM actual_hours")) {
                rs.next();
                LocalDemo demo = new LocalDemo(source);
                demo.nextId.set(rs.getLong(1) + 1);
                camel.addRoutes(demo);
            }
        } catch (Exception e) {
            throw new IllegalStateException("local demo could not start", e);
        }
    }

    @Override
    public void configure() {
        from("timer:demo-workfront?period=5000&delay=1000")
                .routeId("demo-workfront-writer")
                .process(e -> writeHours());
        from("platform-http:/demo/sap/actual-hours?httpMethodRestrict=POST")
                .routeId("demo-sap-target")
                .process(this::receiveUnlessDown);
        from("platform-http:/demo/sap/actual-hours-api?httpMethodRestrict=POST")
                .routeId("demo-sap-target-api")
                .process(this::receive);
        from("platform-http:/demo/workfront/hours?httpMethodRestrict=GET")
                .routeId("demo-workfront-api")
                .process(this::page);
        from("platform-http:/demo/alerts?httpMethodRestrict=POST")
                .routeId("demo-alert-receiver")
                .process(this::alert);
    }

    /** Whether the demo SAP target is in one of its scheduled outages at {@code now}. */
    static boolean down(Instant started, Instant now) {
        Duration since = Duration.between(started.plus(FIRST_OUTAGE), now);
        return !since.isNegative() && since.toMillis() % OUTAGE_EVERY.toMillis() < OUTAGE.toMillis();
    }

    private void receiveUnlessDown(Exchange e) throws Exception {
        if (down(started, Instant.now())) {
            LOG.info(
                    "SAP target is down (demo outage of {} s every {} min): 503",
                    OUTAGE.toSeconds(),
                    OUTAGE_EVERY.toMinutes());
            e.getMessage().getHeaders().clear();
            e.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 503);
            e.getMessage().setBody("{\"status\":\"maintenance\"}");
            return;
        }
        receive(e);
    }

    /** The demo alert receiver: stands in for a Teams workflow and logs the Adaptive Card message it got. */
    private void alert(Exchange e) {
        String card = e.getMessage().getBody(String.class);
        LOG.info("alert receiver got an Adaptive Card message ({} bytes): {}", card.length(), card);
        e.getMessage().getHeaders().clear();
        e.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 202);
        e.getMessage().setBody("");
    }

    private void writeHours() throws Exception {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        try (Connection c = source.getConnection();
                PreparedStatement insert = c.prepareStatement("INSERT INTO actual_hours VALUES (?, 1, ?, ?, ?, ?, ?)");
                PreparedStatement edit = c.prepareStatement(
                        "UPDATE actual_hours SET revision = revision + 1, hours = ?, updated_at = ? WHERE id = ?")) {
            int n = 1 + r.nextInt(4);
            for (int i = 0; i < n; i++) {
                insert.setLong(1, nextId.getAndIncrement());
                insert.setString(2, "employee-" + (1 + r.nextInt(20)));
                insert.setString(3, "PRJ-" + (100 + r.nextInt(5)));
                insert.setBigDecimal(
                        4, java.math.BigDecimal.valueOf(1 + r.nextInt(16), 1).add(java.math.BigDecimal.ONE));
                insert.setObject(5, LocalDate.now());
                insert.setObject(6, OffsetDateTime.now(ZoneOffset.UTC));
                insert.addBatch();
            }
            insert.executeBatch();
            if (nextId.get() > 3 && r.nextInt(3) == 0) {
                long id = 1 + r.nextLong(nextId.get() - 1);
                edit.setBigDecimal(1, java.math.BigDecimal.valueOf(8));
                edit.setObject(2, OffsetDateTime.now(ZoneOffset.UTC));
                edit.setLong(3, id);
                edit.executeUpdate();
            }
        }
    }

    private void receive(Exchange e) throws Exception {
        Map<?, ?> row = JSON.readValue(e.getMessage().getBody(String.class), Map.class);
        long n = received.incrementAndGet();
        LOG.info(
                "SAP target received #{}: hours {} revision {} ({} h) Idempotency-Key {}",
                n,
                row.get("id"),
                row.get("revision"),
                row.get("hours"),
                e.getMessage().getHeader("Idempotency-Key"));
        e.getMessage().getHeaders().clear();
        e.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 201);
        e.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
        e.getMessage().setBody("{\"status\":\"accepted\"}");
    }

    private void page(Exchange e) throws Exception {
        Instant after = Instant.parse(e.getMessage().getHeader("updatedAfter", "1970-01-01T00:00:00Z", String.class));
        String afterIdText = e.getMessage().getHeader("afterId", "", String.class);
        long afterId = afterIdText.isEmpty() ? Long.MIN_VALUE : Long.parseLong(afterIdText);
        int limit = Math.min(1000, e.getMessage().getHeader("limit", 100, Integer.class));
        List<Map<String, Object>> items = new ArrayList<>();
        try (Connection c = source.getConnection();
                PreparedStatement ps = c.prepareStatement(KEYSET)) {
            ps.setObject(1, after.atOffset(ZoneOffset.UTC));
            ps.setLong(2, afterId);
            ps.setInt(3, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Map<String, Object> item = new LinkedHashMap<>();
                    item.put("id", rs.getLong("id"));
                    item.put("revision", rs.getInt("revision"));
                    item.put("employee", rs.getString("employee"));
                    item.put("project", rs.getString("project"));
                    item.put("hours", rs.getBigDecimal("hours"));
                    item.put(
                            "work_date",
                            rs.getObject("work_date", LocalDate.class).toString());
                    item.put(
                            "updated_at",
                            rs.getObject("updated_at", OffsetDateTime.class)
                                    .toInstant()
                                    .toString());
                    items.add(item);
                }
            }
        }
        e.getMessage().getHeaders().clear();
        e.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
        e.getMessage().setBody(JSON.writeValueAsString(items));
    }
}
