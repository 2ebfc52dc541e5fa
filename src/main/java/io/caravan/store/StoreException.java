package io.caravan.store;

import java.sql.SQLException;

/** A store statement failed; wraps the {@link SQLException} so callers of the stores need not handle checked exceptions. */
public final class StoreException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public StoreException(String message, SQLException cause) {
        super(message + ": " + cause.getMessage(), cause);
    }

    /** The SQLState of the underlying failure, e.g. {@code 23505} for a duplicate key. */
    public String sqlState() {
        return ((SQLException) getCause()).getSQLState();
    }
}
