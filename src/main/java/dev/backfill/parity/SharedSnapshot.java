package dev.backfill.parity;

import dev.backfill.db.Transactions;
import dev.backfill.engine.Stage;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.Future;
import javax.sql.DataSource;

/**
 * One read-only snapshot of the target shared by two connections, so parity's queries can run side by
 * side and still see one moment: the ledger's totals and the target rows must agree on which applies
 * committed. The first connection exports its snapshot; work on the second imports it.
 */
final class SharedSnapshot implements AutoCloseable {
    private static final String INTERRUPTED = "Parity was interrupted; it writes nothing, so run it again.";

    private final DataSource target;
    private final Transactions.Snapshot snapshot;
    private final Stage helper = new Stage("backfill-parity-helper", INTERRUPTED);

    private SharedSnapshot(DataSource target, Transactions.Snapshot snapshot) {
        this.target = target;
        this.snapshot = snapshot;
    }

    static SharedSnapshot open(DataSource target) throws SQLException {
        return new SharedSnapshot(target, Transactions.exportSnapshot(target));
    }

    Connection connection() {
        return snapshot.connection();
    }

    /** Runs work on the second connection, in the same snapshot, while the caller goes on with {@link #connection()}. */
    <T> Future<T> submit(Transactions.Work<T> work) {
        return helper.submit(() -> Transactions.readInSnapshot(target, snapshot.id(), work));
    }

    <T> T await(Future<T> future) throws SQLException {
        return helper.await(future);
    }

    @Override
    public void close() {
        helper.close();
        snapshot.close();
    }
}
