package dev.backfill.source;

import com.zaxxer.hikari.HikariDataSource;
import dev.backfill.db.Connections;
import dev.backfill.db.Secrets;
import dev.backfill.plan.ConnectionSpec;
import dev.backfill.plan.Plan;

/** Opens the reader for a plan's source. Every reader is read-only. */
public final class Sources {

    private Sources() {}

    public static SourceReader open(Plan plan, Secrets secrets) {
        ConnectionSpec spec = plan.source();
        if (spec.isPostgres()) {
            HikariDataSource pool = Connections.pool(spec, secrets, true, 4, "source");
            try {
                Connections.verify(pool, spec, "source");
            } catch (RuntimeException e) {
                pool.close();
                throw e;
            }
            return new PostgresSource(pool, spec.describe());
        }
        throw new UnsupportedOperationException("source " + spec.describe() + " is not supported by this build");
    }
}
