package dev.backfill.engine;

import dev.backfill.control.ApplyStore;
import dev.backfill.control.PendingStore;
import dev.backfill.db.RowErrors;
import dev.backfill.db.Sql;
import dev.backfill.lifecycle.LedgerOp;
import dev.backfill.mapping.ColumnType;
import dev.backfill.mapping.PlannedRow;
import dev.backfill.mapping.RowRef;
import dev.backfill.mapping.TargetShape;
import dev.backfill.mapping.ValueText;
import dev.backfill.plan.Entity;
import dev.backfill.plan.Plan;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Rows that reference another user's rows, in apply's transaction: each is written when every row it
 * references is in the target (written before, or in this transaction), and otherwise stored as
 * waiting. After a chunk's users are written, the waiting rows of any user whose references now all
 * resolve are written too, in the same transaction, ledgered to their own user and batch.
 */
final class PendingRows {

    /** A row of a user that may have to wait: its values, key, hashes and COPY line worked out on the mapping thread. */
    record Candidate(String user, Entity entity, int seq, PlannedRow row, String keyJson, String copyLine, long hash,
                     String columnHashes, List<PendingStore.Ref> refs) {
        String id() {
            return entity.id() == null ? null : ValueText.plain(row.value(entity.id().column()));
        }
    }

    /** What the pending rows of one transaction came to. */
    record Outcome(Map<String, Integer> writtenByUser, int waiting, int released) {}

    private final Plan plan;
    private final TargetShape shape;
    private final PendingStore store;

    PendingRows(Plan plan, TargetShape shape, PendingStore store) {
        this.plan = plan;
        this.shape = shape;
        this.store = store;
    }

    /**
     * A user's rows that may have to wait: rows that reference another user's row, and rows that
     * reference (through their own user's references) such a row. Inserts only: an updated row is
     * written in place, with its user.
     */
    static Set<PlannedRow> mayWait(List<Entity> entities, Map<String, List<PlannedRow>> rowsByEntity) {
        Set<PlannedRow> mayWait = new HashSet<>();
        Map<String, Set<String>> waitingIds = new HashMap<>();
        for (Entity entity : entities) {
            List<PlannedRow> rows = rowsByEntity.getOrDefault(entity.name(), List.of());
            boolean grew = true;
            while (grew) {
                grew = false;
                for (PlannedRow row : rows) {
                    if (row.update() || mayWait.contains(row)) {
                        continue;
                    }
                    boolean waits = false;
                    for (RowRef ref : row.refs()) {
                        if (ref.foreign() || waitingIds.getOrDefault(ref.entity(), Set.of()).contains(ValueText.plain(ref.id()))) {
                            waits = true;
                            break;
                        }
                    }
                    if (waits) {
                        mayWait.add(row);
                        if (entity.id() != null) {
                            waitingIds.computeIfAbsent(entity.name(), k -> new HashSet<>()).add(ValueText.plain(row.value(entity.id().column())));
                        }
                        grew = true;
                    }
                }
            }
        }
        return mayWait;
    }

    /**
     * Writes the candidates of one entity whose references all resolve now (marking them written, with a
     * ledger row each, added to {@code ledger} for the caller to check and write), stores the others as
     * waiting. {@code written}: entity → ids written in this transaction, grown with what this writes.
     */
    Map<String, Integer> writeOrWait(Connection connection, long runId, int batch, Entity entity, List<Candidate> candidates,
                                     Map<String, Set<String>> written, List<WrittenCheck.Written> ledger) throws SQLException {
        Map<String, Integer> byUser = new LinkedHashMap<>();
        if (candidates.isEmpty()) {
            return byUser;
        }
        store.lockWaiting(connection);
        List<Candidate> ready = resolvable(connection, entity, candidates, c -> c.refs(), written);
        Set<Candidate> readySet = new HashSet<>(ready);
        long[] ids = store.allocate(connection, candidates.size());
        List<PendingStore.PendingRow> pending = new ArrayList<>(candidates.size());
        for (int i = 0; i < candidates.size(); i++) {
            Candidate candidate = candidates.get(i);
            boolean now = readySet.contains(candidate);
            pending.add(new PendingStore.PendingRow(ids[i], candidate.user(), batch, entity.name(), entity.into(), candidate.seq(),
                    candidate.keyJson(), candidate.copyLine(), candidate.hash(), candidate.columnHashes(),
                    now ? PendingStore.State.WRITTEN : PendingStore.State.WAITING, null, candidate.refs()));
            if (now) {
                ledger.add(new WrittenCheck.Written(entity, entry(candidate.user(), entity, candidate.seq(), candidate.keyJson(),
                        candidate.hash(), candidate.columnHashes(), ids[i], null), keys(candidate.keyJson()), batch, false));
                byUser.merge(candidate.user(), 1, Integer::sum);
            }
        }
        ReleasedRows.copyLines(connection, entity, ready.stream().map(Candidate::copyLine).toList());
        store.insert(connection, runId, runId, pending);
        ready.forEach(c -> markWritten(written, entity, c.id()));
        return byUser;
    }

    /** A released row the target refused: it stays waiting, and the apply that released it goes on. */
    record Refusal(String user, int batch, String entity, String keyJson, String message) {}

    /** What releasing came to: rows written, and rows the target refused. */
    record Released(int rows, List<Refusal> refused) {}

    /**
     * The target refused released rows written without savepoints: the transaction is lost, and is to be
     * written again releasing with savepoints ({@code careful}), which find the rows refused.
     */
    static final class ReleaseRefused extends RuntimeException {
        ReleaseRefused(SQLException cause) {
            super("the target refused a waiting row of another user as it was released: " + cause.getMessage(), cause);
        }
    }

    /**
     * Writes, in dependency order and as long as any is, the waiting rows (of any user) whose references
     * all resolve now that this transaction wrote {@code written}; their ledger rows (each in its own user's
     * batch) go to {@code ledger}. A row the target refuses (a live-app row holds its key, say) is not this
     * transaction's users' fault: it stays waiting with the target's message, and so do the rows that need it.
     * Rows are written under savepoints only when {@code mode} is careful: a row written in a subtransaction carries
     * its id, not the transaction's, so its ledger row gets no proof and parity has to hash it. Otherwise a refusal
     * throws {@link ReleaseRefused}, for the caller to write the transaction again, careful. Rows {@code mode}
     * names as refused (an earlier attempt of this transaction found them changed by the target) are not written
     * when they would be: they are marked refused, with its message. Rows refused before are not released again
     * ({@link PendingStore#referencing}): their way out is their batch's rollback and a new apply.
     */
    Released release(Connection connection, long runId, int batch, List<Entity> entities, Map<String, Set<String>> written,
                     List<WrittenCheck.Written> ledger, ReleaseMode mode) throws SQLException {
        int released = 0;
        List<Refusal> refusals = new ArrayList<>();
        if (plan.hasReferencesBetweenUsers() || plan.hasSharedEntities()) {
            store.lockWaiting(connection);
        }
        Map<String, Set<String>> fresh = copy(written);
        Set<Long> refusedNow = new HashSet<>();
        boolean immediate = false;
        while (!fresh.isEmpty()) {
            // a row refused in an earlier pass is not tried again in this transaction
            List<PendingStore.PendingRow> candidates = store.referencing(connection, PendingStore.State.WAITING, fresh).stream()
                    .filter(p -> !refusedNow.contains(p.id())).toList();
            fresh = new HashMap<>();
            for (Entity entity : entities) {
                List<PendingStore.PendingRow> ofEntity = candidates.stream().filter(p -> p.entity().equals(entity.name())).toList();
                if (ofEntity.isEmpty()) {
                    continue;
                }
                List<PendingStore.PendingRow> ready = resolvable(connection, entity, ofEntity, PendingStore.PendingRow::refs, written);
                Map<PendingStore.PendingRow, String> refusedBefore = new LinkedHashMap<>();
                for (PendingStore.PendingRow row : ready) {
                    String why = mode.refused().get(ReleaseMode.key(row));
                    if (why != null) {
                        refusedBefore.put(row, why);
                    }
                }
                if (!refusedBefore.isEmpty()) {
                    refuse(connection, batch, refusedBefore, refusedNow, refusals);
                    // again without them: rows of this entity that need them are no longer ready either
                    ready = resolvable(connection, entity, ofEntity.stream().filter(p -> !refusedNow.contains(p.id())).toList(),
                            PendingStore.PendingRow::refs, written);
                }
                if (ready.isEmpty()) {
                    continue;
                }
                if (!immediate) {
                    // a deferred constraint would refuse a row only at commit, where no attempt can take the refusal
                    try (java.sql.Statement statement = connection.createStatement()) {
                        statement.execute("set constraints all immediate");
                    }
                    immediate = true;
                }
                ReleasedRows.Outcome outcome = mode.careful() ? ReleasedRows.write(connection, entity, ready)
                        : writeAll(connection, entity, ready);
                List<PendingStore.PendingRow> wrote = outcome.written();
                for (PendingStore.PendingRow row : wrote) {
                    ledger.add(new WrittenCheck.Written(entity, entry(row.user(), entity, row.seq(), row.keyJson(), row.rowHash(),
                            row.columnHashes(), row.id(), batch), keys(row.keyJson()), row.batch(), true));
                    String id = idOf(entity, row.keyJson());
                    markWritten(written, entity, id);
                    markWritten(fresh, entity, id);
                }
                store.markWritten(connection, wrote.stream().map(PendingStore.PendingRow::id).toList(), runId, batch);
                refuse(connection, batch, outcome.refused(), refusedNow, refusals);
                released += wrote.size();
            }
        }
        return new Released(released, refusals);
    }

    /** Keeps these rows waiting, refused with why (row → message), and notes them as refused in this transaction. */
    private void refuse(Connection connection, int releasingBatch, Map<PendingStore.PendingRow, String> rows, Set<Long> refusedNow,
                        List<Refusal> refusals)
            throws SQLException {
        Map<Long, String> messages = new LinkedHashMap<>();
        rows.forEach((row, message) -> {
            refusedNow.add(row.id());
            messages.put(row.id(), message);
            refusals.add(new Refusal(row.user(), row.batch(), row.entity(), row.keyJson(), message));
        });
        store.markRefused(connection, messages, releasingBatch);
    }

    /** All the rows, in one COPY, without a savepoint: the common case, when the target takes them. */
    private static ReleasedRows.Outcome writeAll(Connection connection, Entity entity, List<PendingStore.PendingRow> rows)
            throws SQLException {
        try {
            ReleasedRows.copyLines(connection, entity, rows.stream().map(PendingStore.PendingRow::copyLine).toList());
        } catch (SQLException e) {
            if (RowErrors.of(e)) {
                throw new ReleaseRefused(e);
            }
            throw e;
        }
        return new ReleasedRows.Outcome(rows, Map.of());
    }

    private interface RefsOf<T> {
        List<PendingStore.Ref> refs(T row);
    }

    /**
     * The rows whose references all resolve: to a row written in this transaction, a row already in the
     * target, or another of these rows that resolves too (rows of one entity referencing each other).
     */
    private <T> List<T> resolvable(Connection connection, Entity entity, List<T> rows, RefsOf<T> refsOf,
                                   Map<String, Set<String>> written) throws SQLException {
        Map<String, Set<String>> unknown = new HashMap<>();
        for (T row : rows) {
            for (PendingStore.Ref ref : refsOf.refs(row)) {
                if (!written.getOrDefault(ref.entity(), Set.of()).contains(ref.id())) {
                    unknown.computeIfAbsent(ref.entity(), k -> new HashSet<>()).add(ref.id());
                }
            }
        }
        Map<String, Set<String>> present = new HashMap<>();
        for (Map.Entry<String, Set<String>> refs : unknown.entrySet()) {
            present.put(refs.getKey(), existing(connection, plan.requireEntity(refs.getKey()), refs.getValue()));
        }
        // rows of this entity referencing each other: assume all of them written, then drop those that cannot be
        Map<T, String> idOf = new java.util.IdentityHashMap<>();
        if (entity.id() != null) {
            for (T row : rows) {
                idOf.put(row, row instanceof Candidate c ? c.id() : idOf(entity, ((PendingStore.PendingRow) row).keyJson()));
            }
        }
        List<T> ready = new ArrayList<>(rows);
        boolean dropped = true;
        while (dropped) {
            dropped = false;
            Set<String> readyIds = new HashSet<>();
            for (T row : ready) {
                if (idOf.get(row) != null) {
                    readyIds.add(idOf.get(row));
                }
            }
            List<T> next = new ArrayList<>(ready.size());
            for (T row : ready) {
                boolean ok = true;
                for (PendingStore.Ref ref : refsOf.refs(row)) {
                    boolean resolves = written.getOrDefault(ref.entity(), Set.of()).contains(ref.id())
                            || present.getOrDefault(ref.entity(), Set.of()).contains(ref.id())
                            || (ref.entity().equals(entity.name()) && readyIds.contains(ref.id()));
                    if (!resolves) {
                        ok = false;
                        break;
                    }
                }
                if (ok) {
                    next.add(row);
                } else {
                    dropped = true;
                }
            }
            ready = next;
        }
        return ready;
    }

    /**
     * Of these ids of an entity's rows, those in the target now, but not the ids of this plan's rows still
     * waiting: a target row holding such an id is not the row reviewed (the live app wrote it, say; the waiting
     * row will be refused when it is released), and what references the waiting row waits for it.
     */
    private Set<String> existing(Connection connection, Entity entity, Set<String> ids) throws SQLException {
        Set<String> found = new HashSet<>();
        ColumnType type = shape.type(entity, entity.id().column());
        String sql = "select t." + Sql.quote(entity.id().column()) + "::text from " + Sql.table(entity.into()) + " t where t."
                + Sql.quote(entity.id().column()) + " = any(?::" + (type == null ? "text" : type.sqlType()) + "[])";
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setArray(1, connection.createArrayOf("text", ids.toArray()));
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    found.add(rows.getString(1));
                }
            }
        }
        if (!found.isEmpty()) {
            found.removeAll(store.waitingIds(connection, entity.name(), found));
        }
        return found;
    }

    private static ApplyStore.LedgerEntry entry(String user, Entity entity, int seq, String keyJson, long hash, String columnHashes,
                                                long pendingId, Integer releasedBy) {
        return new ApplyStore.LedgerEntry(user, entity.name(), entity.into(), seq, LedgerOp.INSERT, "[" + keyJson + "]", null, 1,
                BigInteger.valueOf(hash), new long[] {hash}, new String[] {columnHashes}, pendingId, releasedBy);
    }

    /** A pending row's key as the ledger's {@code row_keys}: an array holding its one key. */
    private static com.fasterxml.jackson.databind.JsonNode keys(String keyJson) {
        try {
            return dev.backfill.mapping.Json.parse("[" + keyJson + "]");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a pending row's key is not JSON: " + keyJson, e);
        }
    }

    /** The id a row's ledger key holds (the id column is the identity of a referenced entity). */
    static String idOf(Entity entity, String keyJson) {
        if (entity.id() == null) {
            return null;
        }
        try {
            return dev.backfill.mapping.Json.parse(keyJson).get(0).asText();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a pending row's key is not JSON: " + keyJson, e);
        }
    }

    private static void markWritten(Map<String, Set<String>> written, Entity entity, String id) {
        if (id != null) {
            written.computeIfAbsent(entity.name(), k -> new HashSet<>()).add(id);
        }
    }

    private static Map<String, Set<String>> copy(Map<String, Set<String>> written) {
        Map<String, Set<String>> copy = new HashMap<>();
        written.forEach((entity, ids) -> copy.put(entity, new HashSet<>(ids)));
        return copy;
    }
}
