package dev.backfill.engine;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backfill.db.Copy;
import dev.backfill.control.DryRunStore;
import dev.backfill.control.IdMapStore;
import dev.backfill.errors.InvalidInputException;
import dev.backfill.mapping.Finding;
import dev.backfill.mapping.MappingContext;
import dev.backfill.mapping.PathCoverage;
import dev.backfill.mapping.PlannedRow;
import dev.backfill.mapping.TargetShape;
import dev.backfill.mapping.UserMapping;
import dev.backfill.mapping.UserResult;
import dev.backfill.plan.Entity;
import dev.backfill.plan.Plan;
import dev.backfill.source.UserRows;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One user, in full: legacy records and planned target rows per entity, the findings, and the SQL
 * apply would run for that user. Reads only; writes nothing anywhere.
 */
public final class Preview {

    public record EntityPreview(Entity entity, List<JsonNode> legacy, List<PlannedRow> planned, int existing) {}

    /** {@code crossUserRows}: planned rows that reference rows of {@code referencedUsers} other users (they wait at apply). */
    public record Result(String user, String fingerprint, List<EntityPreview> entities, List<Finding> findings, String sql,
                         int crossUserRows, int referencedUsers) {
        public int plannedRows() {
            return entities.stream().mapToInt(e -> e.planned().size()).sum();
        }
    }

    private final Workspace workspace;

    public Preview(Workspace workspace) {
        this.workspace = workspace;
    }

    public Result of(String user) throws SQLException {
        Plan plan = workspace.plan();
        TargetShape shape = workspace.catalog().shape();
        IdMapStore ids = workspace.control().idMap();
        try (Connection connection = workspace.target().getConnection()) {
            Map<String, Map<String, Object>> sharedIds = Map.of();
            boolean shared = user.equals(DryRunStore.SHARED_USER);
            if (plan.hasSharedEntities()) {
                UserMapping sharedMapping = new SourceChunks(workspace).mapShared(connection, shape, ids, Set.of());
                if (shared) {
                    return describe(sharedMapping, plan.entities().stream().filter(Entity::shared).toList(), shape);
                }
                sharedIds = sharedMapping.ids();
            }
            Map<String, Map<String, UserRows>> rows = new SourceChunks(workspace).users(List.of(user));
            int found = rows.values().stream().mapToInt(byUser -> byUser.containsKey(user) ? byUser.get(user).rows().size() : 0).sum();
            if (found == 0) {
                throw new InvalidInputException("User '" + user + "' has no rows in the source (" + workspace.source().describe()
                        + "). Check the id: it must equal the " + plan.partition() + " value exactly.");
            }
            MappingContext context = new MappingContext(plan, shape, ids, sharedIds, new PathCoverage(plan),
                    new ChunkDirectory(plan, workspace.control().directory(), true));
            List<Entity> entities = SourceChunks.userEntities(plan);
            UserMapping mapping = new ChunkMapper(context, ids, Set.of()).map(connection, List.of(user), rows, entities).get(0).mapping();
            return describe(mapping, entities, shape);
        }
    }

    private Result describe(UserMapping mapping, List<Entity> entities, TargetShape shape) {
        UserResult result = mapping.result();
        List<EntityPreview> previews = new ArrayList<>();
        for (Entity entity : entities) {
            previews.add(new EntityPreview(entity, mapping.recordsOf(entity), result.rowsOf(entity.name()),
                    result.existing().getOrDefault(entity.name(), 0)));
        }
        return new Result(result.user(), result.fingerprint(), previews, result.findings(), sql(result, previews, shape),
                result.waitingRows(), result.waitsForUsers());
    }

    private String sql(UserResult result, List<EntityPreview> previews, TargetShape shape) {
        ApplyStatements statements = new ApplyStatements(workspace.control().applies(), shape);
        StringBuilder sql = new StringBuilder();
        sql.append("-- What apply runs for user ").append(result.user()).append(" (plan ").append(workspace.plan().name())
                .append(", checksum ").append(workspace.plan().shortChecksum()).append(").\n")
                .append("-- One transaction holds these rows and the ledger rows that record them; several users may share it,\n")
                .append("-- and a failing transaction is retried one user at a time. Paste into psql to run it by hand.\n")
                .append("BEGIN;\n");
        for (EntityPreview preview : previews) {
            Entity entity = preview.entity();
            List<PlannedRow> inserts = preview.planned().stream().filter(r -> !r.update()).toList();
            List<PlannedRow> updates = preview.planned().stream().filter(PlannedRow::update).toList();
            sql.append("\n-- ").append(entity.name()).append(" -> ").append(entity.into()).append(": ")
                    .append(inserts.size()).append(" new row(s)");
            if (!updates.isEmpty()) {
                sql.append(", ").append(updates.size()).append(" existing row(s) updated (before-images kept in the ledger)");
            }
            int skipped = preview.existing() - updates.size();
            if (skipped > 0) {
                sql.append(", ").append(skipped).append(" existing row(s) skipped");
            }
            sql.append('\n');
            if (!inserts.isEmpty()) {
                sql.append(statements.copyInsert(entity)).append(";\n");
                inserts.forEach(row -> sql.append(Copy.line(row.values())).append('\n'));
                sql.append("\\.\n");
            }
            updates.forEach(row -> sql.append(statements.updateWithValues(entity, row)).append(";\n"));
        }
        long tables = previews.stream().filter(p -> !p.planned().isEmpty()).count();
        sql.append("\n-- In the same transaction the tool also reads every row written above back and compares it with the row\n")
                .append("-- planned here (a trigger, rule or default that changed it fails the user), and writes its control schema\n")
                .append("-- (neither is run when pasted by hand):\n")
                .append("--   ").append(statements.ledgerCopy()).append(" -- ").append(tables)
                .append(" ledger row(s): the ids written above, for rollback\n")
                .append("--   ").append(statements.markMigrated()).append('\n')
                .append("COMMIT;\n");
        return sql.toString();
    }
}
