package dev.backfill.engine;

import dev.backfill.control.DryRunStore;
import dev.backfill.control.FindingFilter;
import dev.backfill.control.IdMapStore;
import dev.backfill.control.RunStore;
import dev.backfill.control.UserView;
import dev.backfill.db.TargetCatalog;
import dev.backfill.db.Transactions;
import dev.backfill.errors.InvalidInputException;
import dev.backfill.lifecycle.RunKind;
import dev.backfill.lifecycle.RunStatus;
import dev.backfill.lifecycle.UserStatus;
import dev.backfill.mapping.Finding;
import dev.backfill.mapping.MappingContext;
import dev.backfill.mapping.PathCoverage;
import dev.backfill.mapping.PlannedRow;
import dev.backfill.mapping.StoredFinding;
import dev.backfill.mapping.TargetShape;
import dev.backfill.mapping.UserResult;
import dev.backfill.mapping.ValueText;
import dev.backfill.plan.Entity;
import dev.backfill.plan.Plan;
import dev.backfill.source.SourceFieldCheck;
import dev.backfill.source.UserRows;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * One user mapped under an edited plan beside the plan the workspace has open (the one the dry run
 * reviewed), and what differs: planned rows added, removed or changed column by column, and findings
 * that appear or go. Read-only: the mapping runs in a read-only transaction, the id map it loads is
 * its own and never flushed, and nothing is stored, so neither the target nor the control schema changes.
 */
public final class WhatIf {

    /** How a planned row differs between the reviewed plan and the edited one. */
    public enum Change { ADDED, REMOVED, CHANGED }

    /**
     * One planned row that differs. {@code reviewed} and {@code edited} hold the row's values by target
     * column as text (empty on the side the row is missing from); {@code columns} the columns whose values differ.
     */
    public record RowDiff(String entity, Change change, List<String> legacyIds, String key, List<String> columns,
                          Map<String, String> reviewed, Map<String, String> edited) {
        public RowDiff {
            legacyIds = List.copyOf(legacyIds);
            columns = List.copyOf(columns);
            reviewed = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(reviewed));
            edited = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(edited));
        }
    }

    /** Planned rows of one entity under each plan (an entity only one of them has counts 0 in the other). */
    public record EntityCount(String entity, int reviewed, int edited) {}

    /**
     * @param lastDryRunChecksum   the plan checksum of the latest finished dry run, or null when there is none
     * @param recorded             what that dry run recorded for the user, or null when it has not reviewed the user
     * @param findingsGone         findings the reviewed plan gives the user that the edited plan does not
     * @param findingsNew          findings only the edited plan gives the user
     * @param findingsAcrossUsers  findings the dry run recorded that only a full run finds (among several users'
     *                             rows); what-if does not check them again
     * @param notes                sentences about what the comparison can and cannot say
     */
    public record Result(String user, String reviewedChecksum, String editedChecksum, String lastDryRunChecksum,
                         UserView recorded, List<EntityCount> counts, List<RowDiff> rows, List<Finding> findingsGone,
                         List<Finding> findingsNew, List<Finding> findingsAcrossUsers, List<String> notes, double millis) {
        public Result {
            counts = List.copyOf(counts);
            rows = List.copyOf(rows);
            findingsGone = List.copyOf(findingsGone);
            findingsNew = List.copyOf(findingsNew);
            findingsAcrossUsers = List.copyOf(findingsAcrossUsers);
            notes = List.copyOf(notes);
        }

        public boolean noDifference() {
            return rows.isEmpty() && findingsGone.isEmpty() && findingsNew.isEmpty();
        }
    }

    private final Workspace workspace;

    public WhatIf(Workspace workspace) {
        this.workspace = workspace;
    }

    /**
     * Maps {@code user} under the workspace's plan and under {@code edited}, and compares them.
     * Throws {@link dev.backfill.source.SourceFieldsException} (with plan lines) when the edited plan reads
     * a column the source lacks, and {@link InvalidInputException} when the user has no legacy rows.
     */
    public Result of(Plan edited, String user) throws SQLException {
        long start = System.nanoTime();
        Plan reviewedPlan = workspace.plan();
        String id = user == null ? "" : user.strip();
        if (id.isEmpty()) {
            throw new InvalidInputException("Type a user id (a " + reviewedPlan.partition() + " value) to see what the edited plan"
                    + " changes for that user.");
        }
        // the rows of no user (shared: true, applied as batch 0) go under this name in every screen
        boolean shared = id.equals(DryRunStore.SHARED_USER);
        if (shared && !reviewedPlan.hasSharedEntities() && !edited.hasSharedEntities()) {
            throw new InvalidInputException(DryRunStore.SHARED_USER + " stands for the rows of the plan's shared entities"
                    + " (shared: true), and neither the reviewed nor the edited plan has one. Type a user id instead.");
        }
        SourceFieldCheck.verify(edited, workspace.source());
        Optional<RunStore.Run> lastDryRun = workspace.control().runs().latest(RunKind.DRY_RUN, RunStatus.DONE);
        UserView recorded = workspace.control().users().get(id).orElse(null);
        List<Finding> stored = recorded == null ? List.of()
                : workspace.control().findings().list(new FindingFilter(Set.of(), Set.of(), null, id));
        TargetShape reviewedShape = workspace.catalog().shape();
        // one id map for both sides, never flushed: a row the dry run has not given an id yet gets the same new id on each side
        IdMapStore ids = workspace.control().idMap();
        Mapped mapped = Transactions.read(workspace.target(), connection -> new Mapped(
                map(connection, reviewedPlan, reviewedShape, ids, id),
                // the edited plan may write other columns or tables: its own reading of the target's catalog
                map(connection, edited, TargetCatalog.read(connection, edited).shape(), ids, id),
                workspace.control().dryRuns().fingerprints(connection, id).orElse(null)));
        UserResult reviewed = mapped.reviewed().mapping().result();
        UserResult whatIf = mapped.edited().mapping().result();
        if (reviewed.legacyRowCount() == 0 && whatIf.legacyRowCount() == 0) {
            throw new InvalidInputException("User '" + id + "' has no rows in the source (" + workspace.source().describe()
                    + "). Check the id: it must equal the " + reviewedPlan.partition() + " value exactly.");
        }
        List<EntityCount> counts = new ArrayList<>();
        List<RowDiff> rows = new ArrayList<>();
        for (String entity : entityNames(reviewedPlan, edited, shared)) {
            List<PlannedRow> before = reviewed.rowsOf(entity);
            List<PlannedRow> after = whatIf.rowsOf(entity);
            counts.add(new EntityCount(entity, before.size(), after.size()));
            rows.addAll(diff(entity, before, after));
        }
        Map<String, Finding> reviewedFindings = keyed(reviewed.findings());
        Map<String, Finding> editedFindings = keyed(whatIf.findings());
        Map<String, Finding> storedFindings = keyed(stored);
        List<Finding> gone = reviewedFindings.entrySet().stream().filter(e -> !editedFindings.containsKey(e.getKey()))
                .map(Map.Entry::getValue).toList();
        List<Finding> added = editedFindings.entrySet().stream().filter(e -> !reviewedFindings.containsKey(e.getKey()))
                .map(Map.Entry::getValue).toList();
        String lastChecksum = lastDryRun.map(RunStore.Run::planChecksum).orElse(null);
        // only a review of the open plan says which recorded findings a one-user mapping cannot find again
        boolean current = reviewedPlan.checksum().equals(lastChecksum);
        List<Finding> acrossUsers = !current ? List.of() : storedFindings.entrySet().stream()
                .filter(e -> !reviewedFindings.containsKey(e.getKey())).map(Map.Entry::getValue).toList();
        boolean drifted = mapped.recorded() != null && (!Objects.equals(mapped.recorded().legacy(), reviewed.fingerprint())
                || !Objects.equals(mapped.recorded().target(), mapped.reviewed().target().value()));
        List<String> notes = notes(reviewedPlan, edited, lastChecksum, recorded, reviewed, drifted, acrossUsers);
        return new Result(id, reviewedPlan.checksum(), edited.checksum(), lastChecksum,
                recorded, counts, rows, gone, added, acrossUsers, notes, (System.nanoTime() - start) / 1e6);
    }

    /** The user mapped under each plan, and the fingerprints the user's latest review recorded (null: none). */
    private record Mapped(MappedUser reviewed, MappedUser edited, DryRunStore.Fingerprints recorded) {}

    /** The user's mapping under {@code plan}, as a one-user dry run maps it (without writing its results or ids). */
    private MappedUser map(Connection connection, Plan plan, TargetShape shape, IdMapStore ids, String user) throws SQLException {
        SourceChunks source = new SourceChunks(plan, workspace.source());
        if (user.equals(DryRunStore.SHARED_USER)) {
            return source.mapSharedAgainstTarget(connection, shape, ids, Set.of(), new PathCoverage(plan));
        }
        Map<String, Map<String, Object>> sharedIds = plan.hasSharedEntities()
                ? source.mapShared(connection, shape, ids, Set.of()).ids() : Map.of();
        Map<String, Map<String, UserRows>> rows = source.users(List.of(user));
        MappingContext context = new MappingContext(plan, shape, ids, sharedIds, new PathCoverage(plan),
                new ChunkDirectory(plan, workspace.control().directory(), true));
        List<Entity> entities = SourceChunks.userEntities(plan);
        return new ChunkMapper(context, ids, Set.of()).map(connection, List.of(user), rows, entities).get(0);
    }

    /** The entities the comparison covers: the shared ones for {@code <shared>}, else the users' own. */
    private static Set<String> entityNames(Plan reviewed, Plan edited, boolean shared) {
        Set<String> names = new LinkedHashSet<>();
        reviewed.entities().stream().filter(e -> e.shared() == shared).forEach(e -> names.add(e.name()));
        edited.entities().stream().filter(e -> e.shared() == shared).forEach(e -> names.add(e.name()));
        return names;
    }

    /**
     * Pairs the rows of both sides by the legacy records they come from (their natural key when they name
     * none), in order, and lists the pairs whose values differ and the rows without a partner.
     */
    static List<RowDiff> diff(String entity, List<PlannedRow> before, List<PlannedRow> after) {
        Map<String, Deque<PlannedRow>> unmatched = new LinkedHashMap<>();
        for (PlannedRow row : before) {
            unmatched.computeIfAbsent(identity(row), k -> new ArrayDeque<>()).add(row);
        }
        List<RowDiff> out = new ArrayList<>();
        for (PlannedRow row : after) {
            Deque<PlannedRow> partners = unmatched.get(identity(row));
            PlannedRow partner = partners == null ? null : partners.poll();
            Map<String, String> edited = values(row);
            if (partner == null) {
                out.add(new RowDiff(entity, Change.ADDED, row.legacyIds(), key(row), List.of(), Map.of(), edited));
                continue;
            }
            Map<String, String> reviewed = values(partner);
            Set<String> columns = new LinkedHashSet<>(reviewed.keySet());
            columns.addAll(edited.keySet());
            List<String> differing = columns.stream().filter(c -> !Objects.equals(reviewed.get(c), edited.get(c))).toList();
            if (!differing.isEmpty() || partner.update() != row.update()) {
                out.add(new RowDiff(entity, Change.CHANGED, row.legacyIds(), key(row), differing, reviewed, edited));
            }
        }
        unmatched.values().forEach(rows -> rows.forEach(row ->
                out.add(new RowDiff(entity, Change.REMOVED, row.legacyIds(), key(row), List.of(), values(row), Map.of()))));
        return out;
    }

    private static String identity(PlannedRow row) {
        return row.legacyIds().isEmpty() ? "key " + key(row) : "legacy " + new TreeSet<>(row.legacyIds());
    }

    private static String key(PlannedRow row) {
        List<String> parts = new ArrayList<>();
        for (String column : row.entity().key()) {
            parts.add(column + "=" + text(row.value(column)));
        }
        return String.join(", ", parts);
    }

    private static Map<String, String> values(PlannedRow row) {
        Map<String, String> values = new LinkedHashMap<>();
        List<String> columns = row.entity().targetColumns();
        for (int i = 0; i < columns.size(); i++) {
            values.put(columns.get(i), text(row.values().get(i)));
        }
        return values;
    }

    private static String text(Object value) {
        return value == null ? "NULL" : ValueText.plain(value);
    }

    /** Findings by what they say (as the control schema stores them), so recorded and fresh ones compare. */
    private static Map<String, Finding> keyed(List<Finding> findings) {
        Map<String, Finding> out = new LinkedHashMap<>();
        for (Finding finding : findings) {
            Finding stored = StoredFinding.of(finding);
            out.putIfAbsent(stored.entity() + "|" + stored.kind() + "|" + stored.field() + "|" + new TreeSet<>(stored.legacyIds())
                    + "|" + stored.message(), finding);
        }
        return out;
    }

    private static List<String> notes(Plan reviewedPlan, Plan edited, String lastDryRun, UserView recorded, UserResult reviewed,
                                       boolean drifted, List<Finding> acrossUsers) {
        List<String> notes = new ArrayList<>();
        if (!edited.name().equals(reviewedPlan.name()) || !edited.target().equals(reviewedPlan.target())
                || !edited.source().equals(reviewedPlan.source())) {
            notes.add("The edited plan names another plan, source or target; what-if reads the open workspace's source and target.");
        }
        if (lastDryRun == null) {
            notes.add("No dry run has finished yet: the reviewed side is the open plan's mapping, not a recorded review.");
        } else if (!lastDryRun.equals(reviewedPlan.checksum())) {
            notes.add("The last dry run ran under plan " + shortSum(lastDryRun) + ", not the open plan " + reviewedPlan.shortChecksum()
                    + ": run the dry run again to review the open plan.");
        }
        if (recorded == null) {
            notes.add("No dry run has reviewed user " + reviewed.user() + " yet.");
        } else if (recorded.status() == UserStatus.MIGRATED) {
            notes.add("User " + reviewed.user() + " is migrated (batch " + recorded.batch() + "): the edited plan changes their rows only"
                    + " after that batch is rolled back and applied again.");
        } else if (reviewedPlan.checksum().equals(lastDryRun) && drifted) {
            notes.add("The user's legacy rows, or the target rows they meet, changed since the dry run reviewed them: the reviewed side is"
                    + " mapped from the rows as they are now, so it may differ from what was reviewed. Review the user again (Dry run"
                    + " screen, or backfill dry-run PLAN --user " + reviewed.user() + ").");
        }
        if (!acrossUsers.isEmpty()) {
            notes.add(acrossUsers.size() + " recorded finding(s) come from comparing several users' rows (a full dry run): what-if does"
                    + " not check them again.");
        }
        return notes;
    }

    private static String shortSum(String checksum) {
        return checksum.substring(0, Math.min(12, checksum.length()));
    }
}
