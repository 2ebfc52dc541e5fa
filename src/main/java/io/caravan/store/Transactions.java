package io.caravan.store;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/** Runs store work on a connection of its own, in one transaction that commits on success and rolls back otherwise. */
final class Transactions {

    @FunctionalInterface
    interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private Transactions() {}

    static <T> T inTransaction(DataSource dataSource, String what, Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(autoCommit);
            }
        } catch (SQLException e) {
            throw new StoreException(what, e);
        }
    }

    /** Runs read-only or single-statement work in auto-commit mode. */
    static <T> T withConnection(DataSource dataSource, String what, Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw new StoreException(what, e);
        }
    }

    /** Runs work on a caller's connection (joining its transaction), translating SQL failures. */
    static <T> T onConnection(Connection c, String what, Work<T> work) {
        try {
            return work.run(c);
        } catch (SQLException e) {
            throw new StoreException(what, e);
        }
    }
}
