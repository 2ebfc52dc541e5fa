package io.caravan.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The persisted cursors of a feed's re-read passes behind its watermark (table feed_reread). A pass re-reads a bounded
 * number of pages per execution and saves its cursor with the page's ledger completion, so re-reading never restarts
 * from the window's start and never grows with the window.
 */
public final class RereadCursors {

    static final String DELETE_ROUTE = "DELETE FROM feed_reread WHERE route_id = ?";
    static final String SELECT =
            "SELECT updated_at, last_id, lap_started_at FROM feed_reread WHERE route_id = ? AND pass = ?";
    static final String UPDATE =
            "UPDATE feed_reread SET updated_at = ?, last_id = ?, lap_started_at = ? WHERE route_id = ? AND pass = ?";
    static final String INSERT =
            "INSERT INTO feed_reread (updated_at, last_id, lap_started_at, route_id, pass) VALUES (?, ?, ?, ?, ?)";

    private final DataSource dataSource;

    public RereadCursors(DataSource dataSource) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    }

    public Optional<RereadCursor> find(String routeId, String pass) {
        return Transactions.withConnection(dataSource, "find " + pass + " cursor of " + routeId, c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT)) {
                ps.setString(1, routeId);
                ps.setString(2, pass);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    String lastId = rs.getString("last_id");
                    Optional<Watermark> position = lastId == null
                            ? Optional.empty()
                            : Optional.of(new Watermark(Timestamps.get(rs, "updated_at"), lastId));
                    return Optional.of(new RereadCursor(position, Timestamps.get(rs, "lap_started_at")));
                }
            }
        });
    }

    /** Saves the cursor in its own transaction. */
    public void save(String routeId, String pass, RereadCursor cursor) {
        Transactions.inTransaction(dataSource, "save " + pass + " cursor of " + routeId, c -> {
            saveOn(c, routeId, pass, cursor);
            return null;
        });
    }

    /** Saves the cursor on the caller's connection, joining its transaction (the page's ledger completion). */
    public void save(Connection c, String routeId, String pass, RereadCursor cursor) {
        Transactions.onConnection(c, "save " + pass + " cursor of " + routeId, connection -> {
            saveOn(connection, routeId, pass, cursor);
            return null;
        });
    }

    private static void saveOn(Connection c, String routeId, String pass, RereadCursor cursor) throws SQLException {
        if (write(c, UPDATE, routeId, pass, cursor) == 0) {
            write(c, INSERT, routeId, pass, cursor);
        }
    }

    private static int write(Connection c, String sql, String routeId, String pass, RereadCursor cursor)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            if (cursor.position().isPresent()) {
                Timestamps.set(ps, 1, cursor.position().get().updatedAt());
                ps.setString(2, cursor.position().get().id());
            } else {
                Timestamps.set(ps, 1, null);
                ps.setNull(2, Types.VARCHAR);
            }
            Timestamps.set(ps, 3, cursor.lapStartedAt());
            ps.setString(4, routeId);
            ps.setString(5, pass);
            return ps.executeUpdate();
        }
    }
}
