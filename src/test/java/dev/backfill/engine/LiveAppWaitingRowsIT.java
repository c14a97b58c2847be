package dev.backfill.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backfill.cli.ExitCodes;
import dev.backfill.control.IdMapStore;
import dev.backfill.db.Copy;
import dev.backfill.db.Secrets;
import dev.backfill.db.Sql;
import dev.backfill.demo.CommunityScenario;
import dev.backfill.demo.DemoEnvironment;
import dev.backfill.mapping.MappingContext;
import dev.backfill.mapping.PathCoverage;
import dev.backfill.mapping.TargetShape;
import dev.backfill.plan.Entity;
import dev.backfill.plan.PlanLoader;
import dev.backfill.testing.InProcessCli;
import dev.backfill.testing.Tables;
import dev.backfill.testing.TestPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Apply skips the write transaction's look-up of a user reviewed as meeting nothing where the target's unique
 * indexes would refuse any row it could find, but not for a user with rows that wait for other users' rows:
 * such a row is stored as waiting, not inserted, so no index refuses it, and a row the live app wrote with its
 * key must still hold the user back.
 */
class LiveAppWaitingRowsIT {

    @Test
    void aUserWhoseRowWaitsIsLookedUpEvenWhereUniqueIndexesGuardTheTable() throws Exception {
        DemoEnvironment demo = TestPostgres.demo(LiveAppWaitingRowsIT.class);
        Path plan = new CommunityScenario().create(demo, 40);
        assertThat(InProcessCli.run("dry-run", plan.toString()).exit()).isIn(ExitCodes.OK, ExitCodes.FINDINGS);
        try (Workspace workspace = Workspace.open(PlanLoader.load(plan), new Secrets(Map.of()));
             Connection connection = workspace.target().getConnection()) {
            List<String> users = Tables.rows(connection, "select user_key from backfill.users where plan = '" + CommunityScenario.PLAN
                    + "' and batch_no = 1 order by position");
            IdMapStore ids = workspace.control().idMap();
            List<Entity> entities = workspace.plan().entities();
            TargetShape shape = workspace.catalog().shape();
            TargetShape stored = workspace.catalog().storedShape();
            // as apply maps: with the dry run's directory of whose legacy rows are whose
            MappingContext context = new MappingContext(workspace.plan(), shape, ids, Map.of(), new PathCoverage(workspace.plan()),
                    new ChunkDirectory(workspace.plan(), workspace.control().directory(), true));
            Set<Entity> guarded = UniqueGuards.of(connection, entities, shape, stored);
            ChunkWriter writer = LiveAppApplyIT.writer(workspace, connection, guarded);
            ChunkWriter.PreparedUser waiter = null;
            for (MappedUser mapped : ChunkMapper.forApply(context, ids, user -> true).map(connection, users,
                    new SourceChunks(workspace).users(users), entities)) {
                ChunkWriter.PreparedUser prepared = writer.prepare(entities, mapped, TargetFingerprint.NOTHING_MET);
                if (waiter == null && prepared.mayWait().stream().anyMatch(c -> guarded.contains(c.entity()))) {
                    waiter = prepared;
                }
            }
            assertThat(waiter).as("a member of batch 1 with a row that waits for a later member's row, in a guarded table").isNotNull();
            PendingRows.Candidate row = waiter.mayWait().stream().filter(c -> guarded.contains(c.entity())).findFirst().orElseThrow();

            connection.setAutoCommit(false);
            try {
                // the live app writes that row (its references unchecked, as a replica would), seen by this transaction only
                connection.createStatement().execute("set local session_replication_role = replica");
                try (Copy copy = Copy.into(connection, Sql.table(row.entity().into()), Sql.columns(row.entity().targetColumns()))) {
                    copy.line(row.copyLine());
                    copy.end();
                }
                connection.createStatement().execute("set local session_replication_role = origin");

                ChunkWriter.Written written = writer.write(connection, 0, 1, entities, List.of(waiter),
                        ChunkWriter.LookUp.TRUST_UNIQUE_INDEXES);
                assertThat(written.targetChanged()).as("looked up although the table is guarded").containsOnlyKeys(waiter.user());
                assertThat(written.targetChanged().get(waiter.user())).extracting(TargetFingerprint.Meeting::table)
                        .contains(row.entity().into());
                assertThat(written.rows()).isEmpty();
            } finally {
                connection.rollback();
            }
        }
    }
}
