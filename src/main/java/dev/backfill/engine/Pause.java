package dev.backfill.engine;

import dev.backfill.control.BatchStore;
import dev.backfill.db.Transactions;
import dev.backfill.lifecycle.BatchView;
import java.sql.SQLException;

/** Asks the apply running on a plan, in whatever process, to stop after the users it is writing. */
public final class Pause {
    private final Workspace workspace;

    public Pause(Workspace workspace) {
        this.workspace = workspace;
    }

    /** Returns the batch asked to pause; refused when no batch is being applied. */
    public int request() throws SQLException {
        BatchStore batches = workspace.control().batches();
        return Transactions.inTransaction(workspace.target(), connection -> {
            BatchView applying = batches.queue(connection).pause().orRefuse().get(0);
            batches.requestPause(connection, applying.number());
            return applying.number();
        });
    }
}
