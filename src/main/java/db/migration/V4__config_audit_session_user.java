package db.migration;

import io.caravan.store.Dialect;
import java.sql.Connection;
import java.sql.Statement;
import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

/**
 * config_audit records the database user who really changed a route_config row, beside the updated_by the writer
 * typed. A Java migration because the part that captures changes made outside caravan is a PostgreSQL trigger, which
 * H2 cannot express in SQL; the dialect difference lives in {@link Dialect#sessionUserAudit()}.
 */
public class V4__config_audit_session_user extends BaseJavaMigration {

    @Override
    public void migrate(Context context) throws Exception {
        Connection connection = context.getConnection();
        try (Statement s = connection.createStatement()) {
            // rows audited before this migration keep db_user NULL: who wrote them is not known
            s.execute("ALTER TABLE config_audit ADD COLUMN db_user VARCHAR(200)");
            s.execute("ALTER TABLE config_audit ALTER COLUMN db_user SET DEFAULT CURRENT_USER");
            for (String statement : Dialect.of(connection).sessionUserAudit()) {
                s.execute(statement);
            }
        }
    }
}
