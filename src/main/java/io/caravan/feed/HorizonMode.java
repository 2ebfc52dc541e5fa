package io.caravan.feed;

import java.sql.Connection;
import java.time.Duration;
import java.util.Locale;
import javax.sql.DataSource;

/** How a feed learns which rows can no longer be joined by a late commit; the row parameter {@code horizon}. */
enum HorizonMode {
    /** transactions for a PostgreSQL source, overlap for every other source. */
    AUTO {
        @Override
        CommitHorizon horizon(DataSource jdbcSource, Duration maxWait) {
            if (jdbcSource == null) {
                return OVERLAP.horizon(null, maxWait);
            }
            return new CommitHorizon() {
                private CommitHorizon resolved;

                @Override
                public Horizon find() throws Exception {
                    if (resolved == null) {
                        resolved = isPostgres(jdbcSource)
                                ? TRANSACTIONS.horizon(jdbcSource, maxWait)
                                : OVERLAP.horizon(jdbcSource, maxWait);
                    }
                    return resolved.find();
                }
            };
        }
    },
    /** PostgreSQL only: the start of the oldest open transaction on the source database (pg_stat_activity). */
    TRANSACTIONS {
        @Override
        CommitHorizon horizon(DataSource jdbcSource, Duration maxWait) {
            return new TransactionHorizon(jdbcSource, maxWait);
        }
    },
    /** No horizon: read everything visible and re-check the overlap window behind the watermark. */
    OVERLAP {
        @Override
        CommitHorizon horizon(DataSource jdbcSource, Duration maxWait) {
            return () -> Horizon.none(null);
        }
    };

    abstract CommitHorizon horizon(DataSource jdbcSource, Duration maxWait);

    static HorizonMode of(String value) {
        return valueOf(value.trim().toUpperCase(Locale.ROOT));
    }

    static boolean isPostgres(DataSource dataSource) throws Exception {
        try (Connection c = dataSource.getConnection()) {
            return c.getMetaData()
                    .getDatabaseProductName()
                    .toLowerCase(Locale.ROOT)
                    .contains("postgres");
        }
    }
}
