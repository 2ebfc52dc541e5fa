package io.caravan.feed;

import io.caravan.store.Watermark;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.sql.DataSource;

/**
 * Reads a page with the route's named statement: one parameterised query per cycle, keyset on (updated_at, id).
 *
 * <p>Time never depends on the JVM's zone: {@code timestamp with time zone} is read as an {@link OffsetDateTime};
 * {@code timestamp without time zone} is a wall-clock time in the source's declared zone ({@code sourceZone}). The
 * watermark is bound back by the same rule, and the row's values are delivered as the source holds them (a local
 * timestamp stays local).
 */
final class JdbcFeedSource implements FeedSource {
    private static final DateTimeFormatter ZONED = DateTimeFormatter.ISO_OFFSET_DATE_TIME;
    private static final DateTimeFormatter LOCAL = DateTimeFormatter.ISO_LOCAL_DATE_TIME;

    private final DataSource dataSource;
    private final NamedStatement statement;
    private final IdType idType;
    private final ZoneId sourceZone;
    /** Whether updated_at is a timestamp without time zone; learnt from the statement's metadata on first use. */
    private volatile Boolean localUpdatedAt;

    JdbcFeedSource(DataSource dataSource, NamedStatement statement, IdType idType, ZoneId sourceZone) {
        this.dataSource = dataSource;
        this.statement = statement;
        this.idType = idType;
        this.sourceZone = sourceZone;
    }

    DataSource dataSource() {
        return dataSource;
    }

    @Override
    public List<SourceRow> page(Watermark after, int limit) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(statement.jdbcSql())) {
            if (localUpdatedAt == null) {
                localUpdatedAt = updatedAtIsLocal(ps.getMetaData());
            }
            int i = 1;
            for (String p : statement.parameterOrder()) {
                switch (p) {
                    case "afterUpdatedAt" -> ps.setObject(i++, bind(after.updatedAt()));
                    case "afterId" -> ps.setObject(i++, idType.bind(after.id()));
                    default -> ps.setInt(i++, limit);
                }
            }
            ps.setFetchSize(limit);
            List<SourceRow> rows = new ArrayList<>(limit);
            try (ResultSet rs = ps.executeQuery()) {
                ResultSetMetaData md = rs.getMetaData();
                int n = md.getColumnCount();
                int updatedAtColumn = -1;
                boolean[] zoned = new boolean[n + 1];
                boolean[] local = new boolean[n + 1];
                for (int col = 1; col <= n; col++) {
                    zoned[col] = isZoned(md, col);
                    local[col] = !zoned[col] && isLocalTimestamp(md, col);
                    if (md.getColumnLabel(col).equalsIgnoreCase("updated_at")) {
                        updatedAtColumn = col;
                    }
                }
                while (rs.next()) {
                    Map<String, Object> data = new LinkedHashMap<>();
                    Instant updatedAt = null;
                    for (int col = 1; col <= n; col++) {
                        Object value;
                        if (zoned[col]) {
                            OffsetDateTime t = rs.getObject(col, OffsetDateTime.class);
                            value = t == null ? null : ZONED.format(t);
                            if (col == updatedAtColumn && t != null) {
                                updatedAt = t.toInstant();
                            }
                        } else if (local[col]) {
                            LocalDateTime t = rs.getObject(col, LocalDateTime.class);
                            value = t == null ? null : LOCAL.format(t);
                            if (col == updatedAtColumn && t != null) {
                                updatedAt = t.atZone(sourceZone).toInstant();
                            }
                        } else {
                            value = jsonValue(rs.getObject(col));
                        }
                        data.put(md.getColumnLabel(col).toLowerCase(Locale.ROOT), value);
                    }
                    Object id = data.get("id");
                    if (id == null || updatedAt == null) {
                        throw new SQLException("statement '" + statement.name()
                                + "' returned a row without id or a timestamp updated_at");
                    }
                    rows.add(new SourceRow(new Watermark(updatedAt, String.valueOf(id)), data));
                }
            }
            return rows;
        }
    }

    /** The watermark as the updated_at column compares: an instant, or the wall-clock time in the source's zone. */
    private Object bind(Instant updatedAt) {
        return Boolean.TRUE.equals(localUpdatedAt)
                ? LocalDateTime.ofInstant(updatedAt, sourceZone)
                : OffsetDateTime.ofInstant(updatedAt, ZoneOffset.UTC);
    }

    private static Boolean updatedAtIsLocal(ResultSetMetaData md) throws SQLException {
        if (md == null) {
            return Boolean.FALSE;
        }
        for (int col = 1; col <= md.getColumnCount(); col++) {
            if (md.getColumnLabel(col).equalsIgnoreCase("updated_at")) {
                return !isZoned(md, col) && isLocalTimestamp(md, col);
            }
        }
        return Boolean.FALSE;
    }

    private static boolean isZoned(ResultSetMetaData md, int col) throws SQLException {
        String type = md.getColumnTypeName(col).toLowerCase(Locale.ROOT);
        return md.getColumnType(col) == java.sql.Types.TIMESTAMP_WITH_TIMEZONE
                || type.equals("timestamptz")
                || type.contains("timestamp with time zone");
    }

    private static boolean isLocalTimestamp(ResultSetMetaData md, int col) throws SQLException {
        return md.getColumnType(col) == java.sql.Types.TIMESTAMP
                || md.getColumnTypeName(col).toLowerCase(Locale.ROOT).startsWith("timestamp");
    }

    private static Object jsonValue(Object v) throws SQLException {
        if (v == null || v instanceof String || v instanceof Number || v instanceof Boolean) {
            return v;
        }
        if (v instanceof java.sql.Clob clob) {
            return clob.getSubString(1, (int) clob.length());
        }
        return v.toString();
    }
}
