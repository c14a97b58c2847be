package dev.backfill.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backfill.cli.ExitCodes;
import dev.backfill.demo.CommunityScenario;
import dev.backfill.demo.DemoEnvironment;
import dev.backfill.testing.InProcessCli;
import dev.backfill.testing.Tables;
import dev.backfill.testing.TestPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * 'dry-run --batches-by references' forms batches of members that reference each other, so fewer
 * rows wait for another batch than in partition order; every member is still in exactly one batch of
 * the plan's size, and the default stays partition order.
 */
class ReferenceBatchesIT {
    private static final int USERS = 60;
    private static DemoEnvironment demo;
    private static Path plan;

    /** Every legacy row of a member that references another member's row, as (member, other member). */
    private static final String REFERENCES = "select f.follower_id || ' ' || f.followee_id from follows f"
            + " union all select l.member_id || ' ' || p.author_id from likes l join posts p on p.id = l.post_id"
            + " union all select c.author_id || ' ' || p.author_id from comments c join posts p on p.id = c.post_id"
            + " union all select c.author_id || ' ' || r.author_id from comments c join comments r on r.id = c.reply_to";

    @BeforeAll
    static void createDemo() throws Exception {
        demo = TestPostgres.demo(ReferenceBatchesIT.class);
        plan = new CommunityScenario().create(demo, USERS);
    }

    @Test
    void groupingByReferencesLeavesFarFewerRowsReferencingAnotherBatchThanPartitionOrder() throws Exception {
        assertThat(InProcessCli.run("dry-run", plan.toString()).exit()).isEqualTo(ExitCodes.FINDINGS);
        Map<String, Integer> partition = batchOfEachMember();
        long acrossInPartitionOrder = rowsAcrossBatches(partition);

        InProcessCli.Result grouped = InProcessCli.run("dry-run", plan.toString(), "--batches-by", "references");
        assertThat(grouped.exit()).as(grouped.printed()).isEqualTo(ExitCodes.FINDINGS);
        Map<String, Integer> byReferences = batchOfEachMember();
        long acrossGrouped = rowsAcrossBatches(byReferences);

        assertThat(byReferences.keySet()).as("the same members, each in one batch").isEqualTo(partition.keySet()).hasSize(USERS);
        assertThat(sizes(byReferences)).as("batches of the plan's size").containsOnly(CommunityScenario.BATCH);
        assertThat(byReferences).as("other batches than partition order").isNotEqualTo(partition);
        assertThat(acrossGrouped).as("rows referencing another batch: %d in partition order, %d grouped", acrossInPartitionOrder,
                acrossGrouped).isLessThan(acrossInPartitionOrder * 2 / 3);

        assertThat(InProcessCli.run("dry-run", plan.toString()).exit()).isEqualTo(ExitCodes.FINDINGS);
        assertThat(batchOfEachMember()).as("the default is partition order again").isEqualTo(partition);
    }

    @Test
    void aBatchOrderIsRefusedForASingleUserAndAnUnknownOrderIsNamed() {
        InProcessCli.Result single = InProcessCli.run("dry-run", plan.toString(), "--user", "x", "--batches-by", "references");
        assertThat(single.exit()).isEqualTo(ExitCodes.BAD_PLAN);
        assertThat(single.printed()).contains("--batches-by forms batches, which only a dry run of every user does");

        InProcessCli.Result unknown = InProcessCli.run("dry-run", plan.toString(), "--batches-by", "graph");
        assertThat(unknown.exit()).isEqualTo(ExitCodes.BAD_PLAN);
        assertThat(unknown.printed()).contains("'graph' is not a batch order; use partition or references");
    }

    private static Map<String, Integer> batchOfEachMember() throws Exception {
        Map<String, Integer> batches = new HashMap<>();
        try (Connection target = TestPostgres.connect(demo.database(CommunityScenario.TARGET_DB))) {
            for (String row : Tables.rows(target, "select user_key || ' ' || batch_no from backfill.users where plan = '"
                    + CommunityScenario.PLAN + "' and batch_no > 0")) {
                String[] parts = row.split(" ");
                batches.put(parts[0], Integer.valueOf(parts[1]));
            }
        }
        return batches;
    }

    private static long rowsAcrossBatches(Map<String, Integer> batches) throws Exception {
        long across = 0;
        try (Connection legacy = TestPostgres.connect(demo.database(CommunityScenario.LEGACY_DB))) {
            for (String row : Tables.rows(legacy, REFERENCES)) {
                String[] pair = row.split(" ");
                Integer from = batches.get(pair[0]);
                Integer to = batches.get(pair[1]);
                if (from != null && to != null && !from.equals(to)) {
                    across++;
                }
            }
        }
        return across;
    }

    private static List<Integer> sizes(Map<String, Integer> batches) {
        Map<Integer, Integer> sizes = new HashMap<>();
        batches.values().forEach(b -> sizes.merge(b, 1, Integer::sum));
        return List.copyOf(sizes.values());
    }
}
