package dev.backfill.engine;

import dev.backfill.control.DirectoryStore;
import dev.backfill.db.Copy;
import dev.backfill.db.Sql;
import dev.backfill.mapping.Finding;
import dev.backfill.mapping.FindingKind;
import dev.backfill.mapping.Json;
import dev.backfill.mapping.PlannedRow;
import dev.backfill.mapping.RowRef;
import dev.backfill.mapping.UserResult;
import dev.backfill.plan.Entity;
import dev.backfill.plan.Plan;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a dry run learns about references between users: which user owns each legacy row of the
 * entities others reference (the directory, kept in the control schema for apply), which users named
 * rows the run had not read yet (mapped again once every user is read), and which rows reference
 * another user's row that user will not migrate as it is (a finding: the row waits until it is fixed).
 */
final class ReferenceBook {
    private static final String DEFERRED = "bf_deferred_users";
    private static final String REFS = "bf_user_refs";

    /** What one mapped user brings to the book, worked out on the mapping thread. */
    record Page(String user, List<DirectoryStore.Entry> entries, List<Object[]> refs, boolean deferred) {}

    private final Plan plan;
    private final DirectoryStore directory;
    private final Set<String> referenced;
    private boolean tablesCreated;

    ReferenceBook(Plan plan, DirectoryStore directory) {
        this.plan = plan;
        this.directory = directory;
        this.referenced = ChunkDirectory.referencedEntities(plan);
    }

    boolean active() {
        return !referenced.isEmpty();
    }

    /** Per pair of users, how many rows of the first reference rows of the second (this run's references). */
    List<ReferenceGrouping.Edge> userEdges(Connection connection) throws SQLException {
        List<ReferenceGrouping.Edge> edges = new ArrayList<>();
        if (!tablesCreated) {
            return edges;
        }
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("select user_key, owner, count(*) from " + REFS
                     + " where owner is not null group by 1, 2")) {
            while (rows.next()) {
                edges.add(new ReferenceGrouping.Edge(rows.getString(1), rows.getString(2), rows.getLong(3)));
            }
        }
        return edges;
    }

    /** The page of one mapped user: its legacy rows of referenced entities (and whether each is planned), its references to others. */
    Page page(MappedUser mapped) {
        if (!active()) {
            return new Page(mapped.user(), List.of(), List.of(), false);
        }
        UserResult result = mapped.mapping().result();
        List<DirectoryStore.Entry> entries = new ArrayList<>();
        for (String name : referenced) {
            Entity entity = plan.requireEntity(name);
            Set<String> planned = new HashSet<>();
            result.rowsOf(name).forEach(row -> planned.addAll(row.legacyIds()));
            for (String legacyId : new java.util.LinkedHashSet<>(mapped.mapping().legacyKeys(entity))) {
                entries.add(new DirectoryStore.Entry(name, legacyId, mapped.user(), planned.contains(legacyId)));
            }
        }
        List<Object[]> refs = new ArrayList<>();
        for (List<PlannedRow> rows : result.rows().values()) {
            for (PlannedRow row : rows) {
                for (RowRef ref : row.refs()) {
                    if (ref.foreign()) {
                        refs.add(new Object[] {row.entity().name(), row.legacyIds(), ref.column(), ref.entity(), ref.legacyId(), ref.owner()});
                    }
                }
            }
        }
        return new Page(mapped.user(), entries, refs, mapped.mapping().deferred());
    }

    /** Starts a full run: the directory of every user not migrated is made anew. */
    void startFullRun(Connection connection) throws SQLException {
        if (active()) {
            directory.clearNotMigrated(connection);
        }
    }

    /** Writes the pages of some users (in the run's transaction); {@code positions}: each user's place in partition order. */
    void write(Connection connection, List<Page> pages, Map<String, Long> positions) throws SQLException {
        if (!active() || pages.isEmpty()) {
            return;
        }
        createTables(connection);
        List<DirectoryStore.Entry> entries = new ArrayList<>();
        pages.forEach(p -> entries.addAll(p.entries()));
        directory.write(connection, entries);
        try (Copy deferred = Copy.into(connection, DEFERRED, "user_key, position")) {
            for (Page page : pages) {
                if (page.deferred()) {
                    deferred.row(Arrays.asList(page.user(), positions.getOrDefault(page.user(), 0L)));
                }
            }
            deferred.end();
        }
        try (Copy refs = Copy.into(connection, REFS, "user_key, entity, legacy_ids, col, ref_entity, ref_legacy_id, owner")) {
            for (Page page : pages) {
                if (!page.deferred()) {
                    for (Object[] ref : page.refs()) {
                        @SuppressWarnings("unchecked")
                        List<String> legacyIds = (List<String>) ref[1];
                        refs.row(Arrays.asList(page.user(), ref[0], Sql.textArray(legacyIds), ref[2], ref[3], ref[4], ref[5]));
                    }
                }
            }
            refs.end();
        }
    }

    private void createTables(Connection connection) throws SQLException {
        if (tablesCreated) {
            return;
        }
        try (Statement statement = connection.createStatement()) {
            statement.execute("create temp table if not exists " + DEFERRED + " (user_key text, position bigint) on commit drop");
            statement.execute("create temp table if not exists " + REFS + " (user_key text, entity text, legacy_ids text[], col text,"
                    + " ref_entity text, ref_legacy_id text, owner text) on commit drop");
            // users mapped again are forgotten chunk by chunk: without these each chunk scans every user's rows
            statement.execute("create index if not exists " + DEFERRED + "_user on " + DEFERRED + " (user_key)");
            statement.execute("create index if not exists " + REFS + "_user on " + REFS + " (user_key)");
        }
        tablesCreated = true;
    }

    /** Users whose references named rows the run had not read yet, with their positions, in partition order. */
    Map<String, Long> deferredUsers(Connection connection) throws SQLException {
        Map<String, Long> users = new LinkedHashMap<>();
        if (!tablesCreated) {
            return users;
        }
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("select user_key, position from " + DEFERRED + " order by position, user_key")) {
            while (rows.next()) {
                users.put(rows.getString(1), rows.getLong(2));
            }
        }
        return users;
    }

    /** Forgets what was written of these users (they are mapped again). */
    void forget(Connection connection, List<String> users) throws SQLException {
        if (!active() || users.isEmpty()) {
            return;
        }
        directory.clearUsers(connection, users);
        if (!tablesCreated) {
            return;
        }
        for (String table : new String[] {DEFERRED, REFS}) {
            try (PreparedStatement statement = connection.prepareStatement("delete from " + table + " where user_key = any(?)")) {
                statement.setArray(1, connection.createArrayOf("text", users.toArray()));
                statement.executeUpdate();
            }
        }
    }

    /**
     * Rows that reference another user's row which that user will not migrate as it is (the row has a
     * finding of its own): an ORPHAN_REFERENCE each, naming that finding. The rows are still planned:
     * they wait, and are written once the other row is fixed, reviewed and applied.
     */
    List<Finding> blockedReferences(Connection connection) throws SQLException {
        List<Finding> findings = new ArrayList<>();
        if (!tablesCreated) {
            return findings;
        }
        for (DirectoryStore.Blocked blocked : directory.blocked(connection, REFS)) {
            String ids = String.join(", ", blocked.legacyIds());
            findings.add(new Finding(blocked.user(), blocked.entity(), FindingKind.ORPHAN_REFERENCE, blocked.column(),
                    List.of(Json.NODES.textNode(blocked.refLegacyId())), null, blocked.legacyIds(), blocked.entity() + " row (legacy id "
                    + ids + ") points at " + blocked.refEntity() + " " + blocked.refLegacyId() + " of user " + blocked.owner()
                    + ", which that user will not migrate as it is (" + (blocked.why() == null ? "it is not among its planned rows"
                    : blocked.why()) + "); this row waits until that row is fixed, reviewed and applied"));
        }
        return findings;
    }
}
