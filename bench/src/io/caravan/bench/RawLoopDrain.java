package io.caravan.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * (c) the floor: keyset pages of 500 with plain JDBC (the row-value keyset of caravan's bench statement), each row POSTed in turn with java.net.http (HTTP/1.1,
 * keep-alive). No ledger, no watermark store, no framework: what the same delivery costs with nothing around it.
 */
final class RawLoopDrain implements Drain {
    static final String PAGE_SQL =
            """
            SELECT id, revision, payload, updated_at FROM source_rows
            WHERE (updated_at, id) > (?, ?)
            ORDER BY updated_at, id LIMIT ?""";
    static final int PAGE = 500;

    @Override
    public String name() {
        return "raw-loop";
    }

    @Override
    public Run run(BenchStore store, Backlog backlog, Sink sink) throws Exception {
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        ObjectMapper json = new ObjectMapper();
        URI target = URI.create(sink.url());

        long cpu = Drain.cpuNanos();
        long start = System.nanoTime();
        OffsetDateTime afterUpdatedAt = Instant.EPOCH.atOffset(ZoneOffset.UTC);
        long afterId = Long.MIN_VALUE;
        while (true) {
            List<Map<String, Object>> page = new ArrayList<>(PAGE);
            try (Connection c = backlog.dataSource.getConnection();
                    PreparedStatement ps = c.prepareStatement(PAGE_SQL)) {
                ps.setObject(1, afterUpdatedAt);
                ps.setLong(2, afterId);
                ps.setInt(3, PAGE);
                ps.setFetchSize(PAGE);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Map<String, Object> row = new LinkedHashMap<>();
                        row.put("id", rs.getLong(1));
                        row.put("revision", rs.getInt(2));
                        row.put("payload", rs.getString(3));
                        row.put(
                                "updated_at",
                                rs.getObject(4, OffsetDateTime.class)
                                        .toInstant()
                                        .toString());
                        page.add(row);
                    }
                }
            }
            for (Map<String, Object> row : page) {
                HttpRequest request = HttpRequest.newBuilder(target)
                        .header("Idempotency-Key", "SAP:HOURS:" + row.get("id") + ":" + row.get("revision"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(row)))
                        .build();
                HttpResponse<Void> response;
                try {
                    response = client.send(request, HttpResponse.BodyHandlers.discarding());
                } catch (java.io.IOException e) {
                    throw new IllegalStateException(
                            "row " + row.get("id") + " after " + (System.nanoTime() - start) / 1_000_000 + " ms: " + e,
                            e);
                }
                if (response.statusCode() / 100 != 2) {
                    throw new IllegalStateException("sink answered " + response.statusCode());
                }
            }
            if (page.size() < PAGE) {
                break;
            }
            Map<String, Object> last = page.get(page.size() - 1);
            afterUpdatedAt = OffsetDateTime.parse((String) last.get("updated_at"));
            afterId = (Long) last.get("id");
        }
        long end = System.nanoTime();
        double cpuSeconds = Drain.cpuSecondsSince(cpu);
        Thread.sleep(300);
        return new Run(name(), backlog.rows, (end - start) / 1e9, Double.NaN, cpuSeconds, sink.check());
    }
}
