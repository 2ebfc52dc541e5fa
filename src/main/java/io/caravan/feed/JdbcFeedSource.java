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
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.sql.DataSource;

/** Reads a page with the route's named statement: one parameterised query per cycle, keyset on (updated_at, id). */
final class JdbcFeedSource implements FeedSource {
    private final DataSource dataSource;
    private final NamedStatement statement;
    private final IdType idType;

    JdbcFeedSource(DataSource dataSource, NamedStatement statement, IdType idType) {
        this.dataSource = dataSource;
        this.statement = statement;
        this.idType = idType;
    }

    @Override
    public List<SourceRow> page(Watermark after, int limit) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(statement.jdbcSql())) {
            int i = 1;
            for (String p : statement.parameterOrder()) {
                switch (p) {
                    case "afterUpdatedAt" -> ps.setObject(i++, after.updatedAt().atOffset(ZoneOffset.UTC));
                    case "afterId" -> ps.setObject(i++, idType.bind(after.id()));
                    default -> ps.setInt(i++, limit);
                }
            }
            ps.setFetchSize(limit);
            List<SourceRow> rows = new ArrayList<>(limit);
            try (ResultSet rs = ps.executeQuery()) {
                ResultSetMetaData md = rs.getMetaData();
                int n = md.getColumnCount();
                while (rs.next()) {
                    Map<String, Object> data = new LinkedHashMap<>();
                    for (int col = 1; col <= n; col++) {
                        data.put(md.getColumnLabel(col).toLowerCase(Locale.ROOT), jsonValue(rs.getObject(col)));
                    }
                    Object id = data.get("id");
                    Object updatedAt = rs.getObject("updated_at");
                    if (id == null || updatedAt == null) {
                        throw new SQLException(
                                "statement '" + statement.name() + "' returned a row without id or updated_at");
                    }
                    rows.add(new SourceRow(new Watermark(instant(updatedAt), String.valueOf(id)), data));
                }
            }
            return rows;
        }
    }

    private static Instant instant(Object v) throws SQLException {
        if (v instanceof OffsetDateTime o) {
            return o.toInstant();
        }
        if (v instanceof java.sql.Timestamp t) {
            return t.toLocalDateTime().toInstant(ZoneOffset.UTC);
        }
        if (v instanceof LocalDateTime l) {
            return l.toInstant(ZoneOffset.UTC);
        }
        if (v instanceof java.time.ZonedDateTime z) {
            return z.toInstant();
        }
        throw new SQLException("updated_at has type " + v.getClass().getName() + "; use TIMESTAMP WITH TIME ZONE");
    }

    private static Object jsonValue(Object v) throws SQLException {
        if (v == null || v instanceof String || v instanceof Number || v instanceof Boolean) {
            return v;
        }
        if (v instanceof OffsetDateTime
                || v instanceof java.sql.Timestamp
                || v instanceof LocalDateTime
                || v instanceof java.time.ZonedDateTime) {
            return instant(v).toString();
        }
        if (v instanceof java.sql.Clob clob) {
            return clob.getSubString(1, (int) clob.length());
        }
        return v.toString();
    }
}
