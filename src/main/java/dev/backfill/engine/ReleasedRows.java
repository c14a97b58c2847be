package dev.backfill.engine;

import dev.backfill.control.PendingStore;
import dev.backfill.db.Copy;
import dev.backfill.db.Retry;
import dev.backfill.db.RowErrors;
import dev.backfill.db.Sql;
import dev.backfill.plan.Entity;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes waiting rows of one entity that another user's apply releases, in that apply's transaction: all in
 * one COPY when the target takes them. When it refuses one (a constraint, a value, a trigger), the refusal
 * must not fail the transaction, whose users are not to blame: the rows are split in halves, each written
 * under a savepoint that takes a refusal, down to the rows the target refuses. A row that references a
 * refused row of this entity is not written either (it still waits for it).
 */
final class ReleasedRows {

    /** What the target took ({@code written}), and refused ({@code refused}, with its message); any other row was not tried. */
    record Outcome(List<PendingStore.PendingRow> written, Map<PendingStore.PendingRow, String> refused) {}

    private final Connection connection;
    private final Entity entity;
    private final List<PendingStore.PendingRow> written = new ArrayList<>();
    private final Map<PendingStore.PendingRow, String> refused = new LinkedHashMap<>();
    /** Ids of rows of this entity that are not written (refused, or needing a refused row). */
    private final Set<String> notWritten = new HashSet<>();
    private Map<PendingStore.PendingRow, String> idOf;
    private Set<String> among;

    private ReleasedRows(Connection connection, Entity entity) {
        this.connection = connection;
        this.entity = entity;
    }

    /** Writes what the target takes of these rows of {@code entity}, whose references outside them all resolve. */
    static Outcome write(Connection connection, Entity entity, List<PendingStore.PendingRow> rows) throws SQLException {
        ReleasedRows release = new ReleasedRows(connection, entity);
        String refusal = release.attempt(rows);
        if (refusal == null) {
            return new Outcome(rows, Map.of());
        }
        release.idOf = new java.util.IdentityHashMap<>();
        rows.forEach(row -> release.idOf.put(row, PendingRows.idOf(entity, row.keyJson())));
        release.among = new HashSet<>(release.idOf.values());
        release.among.remove(null);
        release.settle(release.dependencyOrder(rows), refusal);
        return new Outcome(release.written, release.refused);
    }

    /**
     * Settles a group, in dependency order: rows needing a row not written are left out, the rest written
     * together or, when the target refuses them ({@code knownRefusal}: it did already), split in halves.
     */
    private void settle(List<PendingStore.PendingRow> group, String knownRefusal) throws SQLException {
        List<PendingStore.PendingRow> tried = new ArrayList<>(group.size());
        for (PendingStore.PendingRow row : group) {
            if (sameEntityRefs(row).stream().anyMatch(notWritten::contains)) {
                leaveOut(row);
            } else {
                tried.add(row);
            }
        }
        if (tried.isEmpty()) {
            return;
        }
        String refusal = knownRefusal != null && tried.size() == group.size() ? knownRefusal : attempt(tried);
        if (refusal == null) {
            written.addAll(tried);
        } else if (tried.size() == 1) {
            refused.put(tried.get(0), refusal);
            leaveOut(tried.get(0));
        } else {
            int half = tried.size() / 2;
            settle(new ArrayList<>(tried.subList(0, half)), null);
            settle(new ArrayList<>(tried.subList(half, tried.size())), null);
        }
    }

    private void leaveOut(PendingStore.PendingRow row) {
        String id = idOf.get(row);
        if (id != null) {
            notWritten.add(id);
        }
    }

    /** Ids of the other rows here that this row references. */
    private List<String> sameEntityRefs(PendingStore.PendingRow row) {
        List<String> ids = new ArrayList<>();
        for (PendingStore.Ref ref : row.refs()) {
            if (ref.entity().equals(entity.name()) && among.contains(ref.id()) && !ref.id().equals(idOf.get(row))) {
                ids.add(ref.id());
            }
        }
        return ids;
    }

    /** Rows after the rows here they reference; rows referencing each other in a circle last, as they came. */
    private List<PendingStore.PendingRow> dependencyOrder(List<PendingStore.PendingRow> rows) {
        List<PendingStore.PendingRow> ordered = new ArrayList<>(rows.size());
        Set<String> placed = new HashSet<>();
        List<PendingStore.PendingRow> left = new ArrayList<>(rows);
        boolean moved = true;
        while (moved && !left.isEmpty()) {
            moved = false;
            List<PendingStore.PendingRow> next = new ArrayList<>(left.size());
            for (PendingStore.PendingRow row : left) {
                if (placed.containsAll(sameEntityRefs(row))) {
                    ordered.add(row);
                    if (idOf.get(row) != null) {
                        placed.add(idOf.get(row));
                    }
                    moved = true;
                } else {
                    next.add(row);
                }
            }
            left = next;
        }
        ordered.addAll(left);
        return ordered;
    }

    /** Writes these rows in one COPY under a savepoint: null when written, else the target's refusal (rolled back). */
    private String attempt(List<PendingStore.PendingRow> rows) throws SQLException {
        Savepoint savepoint = connection.setSavepoint();
        try {
            copyLines(connection, entity, rows.stream().map(PendingStore.PendingRow::copyLine).toList());
            connection.releaseSavepoint(savepoint);
            return null;
        } catch (SQLException e) {
            if (!RowErrors.of(e)) {
                throw e;
            }
            connection.rollback(savepoint);
            // one line: the server's message, detail and where, as the operator reads it in a listing
            return Retry.describe(e).replaceAll("\\s*\\R\\s*", " ");
        }
    }

    /** Writes rows already rendered as COPY lines into the entity's table. */
    static void copyLines(Connection connection, Entity entity, List<String> lines) throws SQLException {
        if (lines.isEmpty()) {
            return;
        }
        try (Copy copy = Copy.into(connection, Sql.table(entity.into()), Sql.columns(entity.targetColumns()))) {
            for (String line : lines) {
                copy.line(line);
            }
            copy.end();
        }
    }
}
