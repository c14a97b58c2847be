package dev.backfill.engine;

import dev.backfill.db.Sql;
import dev.backfill.db.UniqueIndexes;
import dev.backfill.mapping.TargetShape;
import dev.backfill.plan.Entity;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The plan's tables whose unique indexes refuse every row the write transaction's look-up could find
 * ({@link UniqueIndexes}): one covers the natural key and, where the entity has an id, one covers the id.
 * For a user reviewed as meeting nothing in such a table the insert itself is the look-up: a row the live
 * app wrote there since makes it fail, and the chunk is written again with every user looked up
 * ({@link ChunkWriter.LookUp}).
 *
 * <p>Read when a batch's apply starts, and read again in each write transaction that trusts them
 * ({@link #stillGuarding}): an index dropped between two chunks is not trusted by the second.
 */
final class UniqueGuards {

    private UniqueGuards() {}

    /**
     * {@code lookUpTypes}: the types the look-up compares each column in ({@link TargetLookup}); a column counts
     * only where that is its {@code stored} type, so that the look-up's equality is the index's.
     */
    static Set<Entity> of(Connection connection, List<Entity> entities, TargetShape lookUpTypes, TargetShape stored) throws SQLException {
        Set<Entity> guarded = new HashSet<>();
        for (Entity entity : entities) {
            List<String> looked = new ArrayList<>(entity.key());
            if (entity.id() != null) {
                looked.add(entity.id().column());
            }
            if (entity.key().isEmpty() || !TargetShape.sameSqlTypes(lookUpTypes, stored, entity, looked)) {
                continue;
            }
            if (!mayLock(connection, entity.into())) {
                continue; // the write transaction could not take the lock that keeps its indexes in place
            }
            boolean key = UniqueIndexes.covering(connection, entity.into(), entity.key()).isPresent();
            boolean id = entity.id() == null
                    || UniqueIndexes.covering(connection, entity.into(), List.of(entity.id().column())).isPresent();
            if (key && id) {
                guarded.add(entity);
            }
        }
        return Set.copyOf(guarded);
    }

    /**
     * Which of {@code guarded} the target's unique indexes still guard, read in the caller's transaction after
     * taking the lock its inserts take anyway (ROW EXCLUSIVE, which no other writer waits for): dropping an index
     * or a constraint, or a column's NOT NULL, needs a lock that conflicts with it (and {@code DROP INDEX
     * CONCURRENTLY} waits for the transaction before the index stops refusing rows), so what this read finds
     * holds until the transaction ends.
     */
    static Set<Entity> stillGuarding(Connection connection, Collection<Entity> guarded, TargetShape lookUpTypes, TargetShape stored)
            throws SQLException {
        if (guarded.isEmpty()) {
            return Set.of();
        }
        List<Entity> entities = List.copyOf(guarded);
        try (Statement statement = connection.createStatement()) {
            statement.execute("lock table only " + entities.stream().map(e -> Sql.table(e.into())).distinct()
                    .collect(Collectors.joining(", ")) + " in row exclusive mode");
            // under a snapshot older than the lock (a server whose default isolation is repeatable read), the catalog
            // read below could still show an index dropped before the lock was granted
            try (ResultSet isolation = statement.executeQuery("select current_setting('transaction_isolation')")) {
                if (!isolation.next() || !"read committed".equals(isolation.getString(1))) {
                    return Set.of();
                }
            }
        }
        return of(connection, entities, lookUpTypes, stored);
    }

    /** Whether this role may take ROW EXCLUSIVE on the table: LOCK asks for a table-wide grant, not a column's. */
    private static boolean mayLock(Connection connection, String table) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "select coalesce(has_table_privilege(to_regclass(?), 'INSERT, UPDATE, DELETE, TRUNCATE'), false)")) {
            statement.setString(1, UniqueIndexes.regclass(table));
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() && rows.getBoolean(1);
            }
        }
    }
}
