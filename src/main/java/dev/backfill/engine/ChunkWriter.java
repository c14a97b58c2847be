package dev.backfill.engine;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.backfill.control.ApplyStore;
import dev.backfill.control.PendingStore;
import dev.backfill.db.Copy;
import dev.backfill.db.Sql;
import dev.backfill.lifecycle.LedgerOp;
import dev.backfill.mapping.ColumnType;
import dev.backfill.mapping.Json;
import dev.backfill.mapping.PlannedRow;
import dev.backfill.mapping.RowHash;
import dev.backfill.mapping.RowRef;
import dev.backfill.mapping.RowTexts;
import dev.backfill.mapping.TargetShape;
import dev.backfill.mapping.UserResult;
import dev.backfill.mapping.ValueText;
import dev.backfill.plan.Entity;
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
 * Writes the planned rows of some users and the ledger rows that record them, in the caller's
 * transaction: every user is either fully written or not at all. First it looks the users' rows up
 * in the target again, inside that transaction: a user whose rows now meet other target rows than
 * the DBA reviewed (the live app wrote them since) is not written.
 */
final class ChunkWriter {
    private final ApplyStatements statements;
    private final TargetShape shape;
    private final TargetShape stored;
    private final ApplyStore store;
    private final PendingRows pendingRows;
    private final WrittenCheck check;
    private final Set<Entity> uniqueGuarded;
    /** Per entity, each target column's type as written and as stored: looked up once, not once per value. */
    private final Map<Entity, ColumnType[][]> hashTypes = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * {@code stored}: the target's own column types, which parity's checksums are computed in; {@code check}
     * reads every written row back before the ledger records it; {@code uniqueGuarded}: the entities whose
     * look-up the target's unique indexes can stand in for ({@link UniqueGuards}).
     */
    ChunkWriter(ApplyStatements statements, TargetShape shape, TargetShape stored, ApplyStore store, PendingRows pendingRows,
                WrittenCheck check, Set<Entity> uniqueGuarded) {
        this.statements = statements;
        this.shape = shape;
        this.stored = stored;
        this.store = store;
        this.pendingRows = pendingRows;
        this.check = check;
        this.uniqueGuarded = Set.copyOf(uniqueGuarded);
    }

    /** Whose rows the write transaction looks up again before writing them. */
    enum LookUp {
        /** Every user's: a user whose rows meet other target rows than reviewed is held back, with what they meet. */
        EVERY_USER,
        /**
         * Not those of a user reviewed as meeting nothing, in a table whose unique indexes refuse any row the
         * look-up would find ({@link UniqueGuards}): if the live app wrote such a row since, the insert fails,
         * and the caller writes the users again with {@link #EVERY_USER}, which holds that user back. A user
         * with rows that may wait for other users' rows is looked up all the same: such a row is stored as
         * waiting, not inserted, so no index would refuse it now.
         */
        TRUST_UNIQUE_INDEXES
    }

    /** One user's planned rows for one table and operation, with the ledger's keys and checksum already worked out. */
    record LedgerPart(Entity entity, int seq, LedgerOp op, List<PlannedRow> rows, ArrayNode keys, BigInteger checksum,
                      long[] rowHashes, String[] columnHashes, String[] copyLines) {}

    /**
     * A user ready to write: everything the ledger needs that does not depend on the target's current
     * rows, and the target lookups to repeat with the fingerprint they must give.
     */
    record PreparedUser(UserResult result, List<LedgerPart> parts, List<PendingRows.Candidate> mayWait, TargetFingerprint target,
                        String reviewedTarget) {
        String user() {
            return result.user();
        }
    }

    /**
     * What a chunk's transaction did: rows written per user, the users held back because the target
     * changed, the rows left waiting for other users' rows, other users' waiting rows it released, and
     * those of them the target refused (still waiting).
     */
    record Written(Map<String, Integer> rows, Map<String, List<TargetFingerprint.Meeting>> targetChanged, int waiting, int released,
                   List<PendingRows.Refusal> refused) {
        static final Written NOTHING = new Written(Map.of(), Map.of(), 0, 0, List.of());
    }

    /**
     * Hashes and keys a user's rows. Pure computation: apply runs it on the mapping thread, so the
     * writing thread (which holds the transaction) only streams rows.
     */
    PreparedUser prepare(List<Entity> entities, MappedUser mapped, String reviewedTarget) {
        UserResult user = mapped.mapping().result();
        List<LedgerPart> parts = new ArrayList<>();
        Set<PlannedRow> mayWait = PendingRows.mayWait(entities, user.rows());
        Set<String> waitingOwnRows = new HashSet<>();
        for (Entity entity : entities) {
            if (entity.id() != null) {
                user.rowsOf(entity.name()).stream().filter(mayWait::contains)
                        .forEach(row -> waitingOwnRows.add(entity.name() + "\u001f" + ValueText.plain(row.value(entity.id().column()))));
            }
        }
        List<PendingRows.Candidate> candidates = new ArrayList<>();
        for (int seq = 0; seq < entities.size(); seq++) {
            Entity entity = entities.get(seq);
            List<PlannedRow> rows = user.rowsOf(entity.name());
            if (!mayWait.isEmpty()) {
                for (PlannedRow row : rows) {
                    if (mayWait.contains(row)) {
                        candidates.add(candidate(user.user(), entity, seq, row, waitingOwnRows));
                    }
                }
                rows = rows.stream().filter(r -> !mayWait.contains(r)).toList();
            }
            List<PlannedRow> inserts = rows.stream().filter(r -> !r.update()).toList();
            List<PlannedRow> updates = rows.stream().filter(PlannedRow::update).toList();
            if (!inserts.isEmpty()) {
                parts.add(part(entity, seq, LedgerOp.INSERT, inserts));
            }
            if (!updates.isEmpty()) {
                parts.add(part(entity, seq, LedgerOp.UPDATE, updates));
            }
        }
        return new PreparedUser(user, parts, candidates, mapped.target(), reviewedTarget);
    }

    /**
     * A row that may wait, with what it waits for: other users' rows, and this user's rows that may wait
     * themselves. A reference to one of the user's own rows written with it needs no record (the user's
     * rows are written, and rolled back, together), which keeps the references to look up small.
     */
    private PendingRows.Candidate candidate(String user, Entity entity, int seq, PlannedRow row, Set<String> waitingOwnRows) {
        ArrayNode key = Json.NODES.arrayNode();
        row.identity().forEach(v -> key.add(ValueText.plain(v)));
        RowTexts texts = texts(entity, row);
        RowHash.Hashes hashes = RowHash.both(texts.hashTexts());
        List<PendingStore.Ref> refs = new ArrayList<>(row.refs().size());
        for (RowRef ref : row.refs()) {
            String id = ValueText.plain(ref.id());
            if (ref.foreign() || waitingOwnRows.contains(ref.entity() + "\u001f" + id)) {
                refs.add(new PendingStore.Ref(ref.entity(), id));
            }
        }
        return new PendingRows.Candidate(user, entity, seq, row, Json.write(key), texts.copyLine(), hashes.row(), hashes.columns(),
                refs);
    }

    private LedgerPart part(Entity entity, int seq, LedgerOp op, List<PlannedRow> rows) {
        ArrayNode keys = Json.NODES.arrayNode();
        BigInteger checksum = BigInteger.ZERO;
        long sum = 0;
        long[] rowHashes = new long[rows.size()];
        String[] columnHashes = new String[rows.size()];
        String[] copyLines = new String[rows.size()];
        for (int r = 0; r < rows.size(); r++) {
            PlannedRow row = rows.get(r);
            ArrayNode key = keys.addArray();
            row.identity().forEach(v -> key.add(ValueText.plain(v)));
            RowTexts texts = texts(entity, row);
            RowHash.Hashes hashes = RowHash.both(texts.hashTexts());
            long hash = hashes.row();
            rowHashes[r] = hash;
            columnHashes[r] = hashes.columns();
            copyLines[r] = texts.copyLine();
            // hashes are 60-bit: a long sums several before it must spill into the BigInteger
            if (Long.MAX_VALUE - sum < hash) {
                checksum = checksum.add(BigInteger.valueOf(sum));
                sum = 0;
            }
            sum += hash;
        }
        return new LedgerPart(entity, seq, op, rows, keys, checksum.add(BigInteger.valueOf(sum)), rowHashes, columnHashes, copyLines);
    }

    /**
     * Writes prepared users in the caller's transaction, but those whose rows now meet other target
     * rows than were reviewed. Every row written is then read back and compared with its planned row
     * before the ledger records it: a user whose rows differ fails the transaction
     * ({@link WrittenCheck.RowsDiffer} names them).
     */
    Written write(Connection connection, long runId, int batch, List<Entity> entities, List<PreparedUser> chunk, LookUp lookUp)
            throws SQLException {
        return write(connection, runId, batch, entities, chunk, lookUp, ReleaseMode.PLAIN);
    }

    /** {@code release}: how other users' waiting rows it releases are written ({@link ReleaseMode}, {@link PendingRows#release}). */
    Written write(Connection connection, long runId, int batch, List<Entity> entities, List<PreparedUser> chunk, LookUp lookUp,
                  ReleaseMode release) throws SQLException {
        Map<String, List<TargetFingerprint.Meeting>> changed = targetChanged(connection, entities, chunk, lookUp);
        List<PreparedUser> users = changed.isEmpty() ? chunk : chunk.stream().filter(u -> !changed.containsKey(u.user())).toList();
        List<WrittenCheck.Written> ledger = new ArrayList<>();
        Map<String, Integer> written = new LinkedHashMap<>();
        users.forEach(u -> written.put(u.user(), 0));
        Map<String, Set<String>> writtenIds = new HashMap<>();
        int waiting = 0;
        for (Entity entity : entities) {
            List<PlannedRow> inserts = new ArrayList<>();
            List<String[]> insertLines = new ArrayList<>();
            List<PlannedRow> updates = new ArrayList<>();
            for (PreparedUser user : users) {
                for (LedgerPart part : user.parts()) {
                    if (part.entity() != entity) {
                        continue;
                    }
                    if (part.op() == LedgerOp.UPDATE) {
                        updates.addAll(part.rows());
                    } else {
                        inserts.addAll(part.rows());
                        insertLines.add(part.copyLines());
                    }
                }
            }
            if (!inserts.isEmpty()) {
                try (Copy copy = Copy.into(connection, Sql.table(entity.into()), Sql.columns(entity.targetColumns()))) {
                    for (String[] lines : insertLines) {
                        for (String line : lines) {
                            copy.line(line);
                        }
                    }
                    copy.end();
                }
                if (entity.id() != null) {
                    Set<String> ids = writtenIds.computeIfAbsent(entity.name(), k -> new HashSet<>());
                    inserts.forEach(row -> ids.add(ValueText.plain(row.value(entity.id().column()))));
                }
            }
            if (!updates.isEmpty()) {
                Map<String, String> beforeImages = beforeImages(connection, entity, updates);
                update(connection, entity, updates);
                addLedger(ledger, users, entity, beforeImages, batch);
            } else {
                addLedger(ledger, users, entity, null, batch);
            }
            List<PendingRows.Candidate> candidates = new ArrayList<>();
            users.forEach(u -> u.mayWait().stream().filter(c -> c.entity() == entity).forEach(candidates::add));
            if (!candidates.isEmpty()) {
                Map<String, Integer> now = pendingRows.writeOrWait(connection, runId, batch, entity, candidates, writtenIds, ledger);
                now.forEach((user, rows) -> written.merge(user, rows, Integer::sum));
                waiting += candidates.size() - now.values().stream().mapToInt(Integer::intValue).sum();
            }
        }
        for (PreparedUser user : users) {
            user.parts().forEach(part -> written.merge(user.user(), part.rows().size(), Integer::sum));
        }
        // What the ledger records is what the target holds, or nothing commits. These rows are checked and
        // ledgered before releasing takes the lock on waiting rows (unless a row that may wait took it already),
        // held until commit: it serializes the end of every writer's transaction, so as little as possible is
        // left to run under it.
        List<WrittenCheck.Written> proven = check.check(connection, ledger);
        writeLedger(connection, runId, proven);
        if (writtenIds.isEmpty()) {
            return new Written(written, changed, waiting, 0, List.of());
        }
        List<WrittenCheck.Written> releasedLedger = new ArrayList<>();
        PendingRows.Released released = pendingRows.release(connection, runId, batch, entities, writtenIds, releasedLedger,
                release);
        if (!releasedLedger.isEmpty()) {
            // after the last write to the target: the released rows, and this chunk's again, as they are now
            List<WrittenCheck.Written> all = new ArrayList<>(ledger);
            all.addAll(releasedLedger);
            List<WrittenCheck.Written> provenAll = check.check(connection, all);
            writeLedger(connection, runId, provenAll.subList(ledger.size(), provenAll.size()));
        }
        return new Written(written, changed, waiting, released.rows(), released.refused());
    }

    private void writeLedger(Connection connection, long runId, List<WrittenCheck.Written> proven) throws SQLException {
        if (!proven.isEmpty()) {
            Map<ApplyStore.LedgerEntry, Integer> batches = new java.util.IdentityHashMap<>();
            proven.forEach(w -> batches.put(w.entry(), w.batch()));
            store.writeLedger(connection, runId, proven.stream().map(WrittenCheck.Written::entry).toList(), batches::get);
        }
    }

    /**
     * Looks the users' candidate rows up again ({@code lookUp} says whose), one query per entity for the
     * whole chunk, and returns the users whose fingerprint differs from the reviewed one, with what their
     * rows meet now.
     */
    private Map<String, List<TargetFingerprint.Meeting>> targetChanged(Connection connection, List<Entity> entities,
                                                                       List<PreparedUser> users, LookUp lookUp) throws SQLException {
        Map<String, List<TargetFingerprint.Meeting>> meetings = new LinkedHashMap<>();
        users.forEach(u -> meetings.put(u.user(), new ArrayList<>()));
        // what was read when the batch started may not hold now: an index dropped since guards nothing; and only
        // the tables whose look-up some user of the chunk skips are locked for it
        Set<Entity> guardedNow = lookUp == LookUp.TRUST_UNIQUE_INDEXES
                ? UniqueGuards.stillGuarding(connection, entities.stream().filter(e -> uniqueGuarded.contains(e)
                        && users.stream().anyMatch(u -> trusts(u) && u.target().lookups().stream().anyMatch(l -> l.entity() == e)))
                        .toList(), shape, stored)
                : Set.of();
        for (Entity entity : entities) {
            boolean guarded = guardedNow.contains(entity);
            List<PlannedRow> all = new ArrayList<>();
            List<int[]> spans = new ArrayList<>();
            for (int u = 0; u < users.size(); u++) {
                if (guarded && trusts(users.get(u))) {
                    continue;
                }
                for (TargetFingerprint.Lookup lookup : users.get(u).target().lookups()) {
                    if (lookup.entity() == entity) {
                        spans.add(new int[] {u, all.size(), lookup.candidates().size()});
                        all.addAll(lookup.candidates());
                    }
                }
            }
            if (all.isEmpty()) {
                continue;
            }
            TargetMatches matches = TargetLookup.find(connection, entity, shape, all);
            for (int[] span : spans) {
                PreparedUser user = users.get(span[0]);
                meetings.get(user.user()).addAll(TargetFingerprint.meetings(entity, all.subList(span[1], span[1] + span[2]), matches, span[1]));
            }
        }
        Map<String, List<TargetFingerprint.Meeting>> changed = new LinkedHashMap<>();
        for (PreparedUser user : users) {
            List<TargetFingerprint.Meeting> now = meetings.get(user.user());
            if (!TargetFingerprint.of(now).equals(user.reviewedTarget())) {
                changed.put(user.user(), now);
            }
        }
        return changed;
    }

    /**
     * Whether a guarded table's unique indexes stand in for this user's look-up: reviewed as meeting nothing, and
     * without rows that may wait (a waiting row is not inserted now, so no index could refuse it).
     */
    private static boolean trusts(PreparedUser user) {
        return TargetFingerprint.NOTHING_MET.equals(user.reviewedTarget()) && user.mayWait().isEmpty();
    }

    private void update(Connection connection, Entity entity, List<PlannedRow> updates) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement(statements.update(entity))) {
            for (PlannedRow row : updates) {
                List<Object> parameters = statements.updateParameters(entity, row);
                for (int i = 0; i < parameters.size(); i++) {
                    Object value = parameters.get(i);
                    update.setString(i + 1, value == null ? null : ValueText.plain(value));
                }
                update.addBatch();
            }
            update.executeBatch();
        }
    }

    /** The ledger rows of one entity: one per user and operation; an update's carries the rows it overwrote. */
    private static void addLedger(List<WrittenCheck.Written> ledger, List<PreparedUser> users, Entity entity,
                                  Map<String, String> beforeImages, int batch) {
        for (PreparedUser user : users) {
            for (LedgerPart part : user.parts()) {
                if (part.entity() != entity) {
                    continue;
                }
                String images = null;
                if (part.op() == LedgerOp.UPDATE) {
                    ArrayNode array = Json.NODES.arrayNode();
                    for (var key : part.keys()) {
                        String image = beforeImages.get(Json.write(key));
                        try {
                            array.add(image == null ? Json.NODES.nullNode() : Json.parse(image));
                        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                            throw new IllegalStateException("the before-image of " + entity.into() + " " + key + " is not JSON", e);
                        }
                    }
                    images = Json.write(array);
                }
                ledger.add(new WrittenCheck.Written(entity, new ApplyStore.LedgerEntry(user.user(), entity.name(), entity.into(),
                        part.seq(), part.op(), Json.write(part.keys()), images, part.rows().size(), part.checksum(), part.rowHashes(),
                        part.columnHashes()), part.keys(), batch, false));
            }
        }
    }

    /** The row's hash texts (its values as parity renders them in PostgreSQL from the actual target row) and COPY line. */
    private RowTexts texts(Entity entity, PlannedRow row) {
        ColumnType[][] types = hashTypes.computeIfAbsent(entity, this::hashTypes);
        return RowTexts.of(row.values(), types[0], types[1]);
    }

    private ColumnType[][] hashTypes(Entity entity) {
        List<String> columns = entity.targetColumns();
        ColumnType[][] types = new ColumnType[2][columns.size()];
        for (int i = 0; i < columns.size(); i++) {
            types[0][i] = shape.type(entity, columns.get(i));
            types[1][i] = stored.type(entity, columns.get(i));
        }
        return types;
    }

    /** The current rows an update will overwrite, locked, keyed by their identity (as ledger JSON). */
    private Map<String, String> beforeImages(Connection connection, Entity entity, List<PlannedRow> rows) throws SQLException {
        List<String> identity = entity.identityColumns();
        StringBuilder sql = new StringBuilder("select row_to_json(t)::text");
        identity.forEach(c -> sql.append(", t.").append(Sql.quote(c)).append("::text"));
        sql.append(" from ").append(Sql.table(entity.into())).append(" t where (");
        for (int i = 0; i < identity.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append("t.").append(Sql.quote(identity.get(i)));
        }
        sql.append(") in (select ");
        for (int i = 0; i < identity.size(); i++) {
            ColumnType type = shape.type(entity, identity.get(i));
            sql.append(i == 0 ? "" : ", ").append("u.k").append(i).append("::").append(type == null ? "text" : type.sqlType());
        }
        sql.append(" from unnest(");
        for (int i = 0; i < identity.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append("?::text[]");
        }
        sql.append(") as u(");
        for (int i = 0; i < identity.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append("k").append(i);
        }
        sql.append(")) for update");
        Map<String, String> images = new HashMap<>();
        try (PreparedStatement statement = connection.prepareStatement(sql.toString())) {
            for (int i = 0; i < identity.size(); i++) {
                int column = i;
                statement.setArray(i + 1, connection.createArrayOf("text",
                        rows.stream().map(r -> ValueText.plain(r.identity().get(column))).toArray()));
            }
            try (ResultSet result = statement.executeQuery()) {
                while (result.next()) {
                    ArrayNode key = Json.NODES.arrayNode();
                    for (int i = 0; i < identity.size(); i++) {
                        key.add(result.getString(i + 2));
                    }
                    images.put(Json.write(key), result.getString(1));
                }
            }
        }
        return images;
    }

}
