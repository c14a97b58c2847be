package dev.backfill.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backfill.control.FindingFilter;
import dev.backfill.control.UserView;
import dev.backfill.db.Secrets;
import dev.backfill.engine.Apply;
import dev.backfill.engine.ApplyListener;
import dev.backfill.engine.Approvals;
import dev.backfill.engine.Cancellation;
import dev.backfill.engine.DryRun;
import dev.backfill.engine.ProgressListener;
import dev.backfill.engine.Rollback;
import dev.backfill.engine.Workspace;
import dev.backfill.lifecycle.BatchState;
import dev.backfill.lifecycle.BatchView;
import dev.backfill.mapping.Finding;
import dev.backfill.parity.CheckParity;
import dev.backfill.parity.Parity;
import dev.backfill.parity.ParityReport;
import dev.backfill.parity.ParityStatus;
import dev.backfill.plan.PlanLoader;
import dev.backfill.testing.Tables;
import dev.backfill.testing.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The community scenario end to end on the embedded PostgreSQL: rows that reference other members'
 * rows wait for them. The dry run reports exactly the planted cases; every batch of 10 members is
 * approved and applied in queue order, and after each one the target holds exactly the rows plain
 * SQL over the legacy tables says the members applied so far can have (a row is written once every
 * row it references is), while every other row of those members waits as a pending row. The member
 * with a duplicate email is held back, the rows of others that reference theirs wait until the
 * member is fixed, reviewed again, approved and applied, and are released by that apply. Then
 * batches are rolled back in three orders (the middle one, the first one, then latest first) and
 * after each step the target and the waiting rows are again exactly what the legacy data says, down
 * to the empty target at the end.
 *
 * <p>Expected rows are computed from the legacy tables alone, for any set of migrated members S, by
 * {@link CommunityRows} (which the model-based operator test shares).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CommunityScenarioIT {
    private static final int USERS = 40;   // four batches of 10
    private static final CommunityScenario SCENARIO = new CommunityScenario();
    private static final String PLAN = CommunityScenario.PLAN;
    private static final List<String> TABLES = List.of("members_v2", "posts_v2", "comments_v2", "follows_v2", "likes_v2");
    private static final Map<String, String> ENTITY = Map.of("members_v2", "members", "posts_v2", "posts", "comments_v2", "comments",
            "follows_v2", "follows", "likes_v2", "likes");
    private static final String ACTOR = "tester@test";

    /** The members of each batch (1-based), in partition order: the dry run forms batches of 10 in that order. */
    private static final List<List<String>> BATCHES = new ArrayList<>();
    private static final List<String> ALL = CommunityScenario.partitionOrder(USERS).stream().map(CommunityScenario::memberId).toList();
    private static final String HELD = CommunityScenario.memberId(CommunityScenario.member(USERS, CommunityScenario.HELD_BACK_PLACE));
    private static final String DONOR = CommunityScenario.memberId(CommunityScenario.donor(USERS));
    private static final String PAIR_FIRST = ALL.get(0);
    private static final String PAIR_LAST = ALL.get(USERS - 1);

    private static DemoEnvironment demo;
    private static Workspace workspace;

    static {
        for (int i = 0; i < USERS; i += CommunityScenario.BATCH) {
            BATCHES.add(ALL.subList(i, Math.min(USERS, i + CommunityScenario.BATCH)));
        }
    }

    @BeforeAll
    static void createDemo() throws Exception {
        demo = TestPostgres.demo(CommunityScenarioIT.class);
        workspace = Workspace.open(PlanLoader.load(SCENARIO.create(demo, USERS)), new Secrets(Map.of()));
    }

    @AfterAll
    static void close() {
        if (workspace != null) {
            workspace.close();
        }
    }

    /**
     * Needs no engine support: the generator planted what the scenario says, PostgreSQL's partition order is the
     * scenario's, and the two independent computations of what waits for the held-back member agree.
     */
    @Test
    @Order(1)
    void theLegacyDataHoldsThePlantedCasesAndTheExpectedRowsAgree() throws Exception {
        assertThat(expected("select id::text from members")).hasSize(USERS);
        try (Connection legacy = legacy()) {
            assertThat(Tables.rows(legacy, "select id::text from members order by id::text collate \"C\""))
                    .as("the partition order the dry run numbers members in").containsExactlyElementsOf(ALL);
        }
        assertThat(List.of(batchOf(HELD), batchOf(DONOR), batchOf(PAIR_FIRST), batchOf(PAIR_LAST))).containsExactly(2, 1, 1, 4);
        assertThat(ALL.indexOf(DONOR)).isLessThan(ALL.indexOf(HELD));

        // everything is written once every member is migrated, except the planted rows and what hangs under them
        String all = migratedRows(ALL);
        assertThat(expected("select entity || ' ' || count(*) from " + all + " x group by entity"))
                .containsExactly("comments " + (USERS * 5 + 4), "follows " + (USERS * 3 + 2), "likes " + (USERS * 4 + 2),
                        "members " + USERS, "posts " + USERS * 3);
        assertThat(expected("select id::text from comments where id not in (select (row::jsonb->>'id')::uuid from " + all
                + " x where entity = 'comments')")).containsExactlyInAnyOrder(CommunityScenario.ORPHAN_COMMENT,
                CommunityScenario.ORPHAN_REPLY, CommunityScenario.CYCLE_X, CommunityScenario.CYCLE_Y);
        String self = CommunityScenario.memberId(CommunityScenario.member(USERS, CommunityScenario.SELF_FOLLOW_PLACE));
        assertThat(expected("select follower_id || ' ' || followee_id from follows where (follower_id, followee_id) not in"
                + " (select (row::jsonb->>'follower_id')::uuid, (row::jsonb->>'followee_id')::uuid from " + all + " x"
                + " where entity = 'follows')")).containsExactly(self + " " + self);
        assertThat(expected("select count(*)::text from likes")).containsExactly(String.valueOf(USERS * 4 + 2));
        // the orphan's post exists for no member; the cycle's two comments answer each other
        assertThat(expected("select count(*)::text from posts where id = '" + CommunityScenario.DELETED_POST + "'")).containsExactly("0");
        assertThat(expected("select a.reply_to::text || ' ' || b.reply_to::text from comments a, comments b where a.id = '"
                + CommunityScenario.CYCLE_X + "' and b.id = '" + CommunityScenario.CYCLE_Y + "'"))
                .containsExactly(CommunityScenario.CYCLE_Y + " " + CommunityScenario.CYCLE_X);
        // the held-back member's email is an earlier member's, once trimmed and lower-cased, and no one else's
        assertThat(expected("select lower(btrim(email)) from members where id in ('" + HELD + "', '" + DONOR + "')")).hasSize(2)
                .containsOnly(expected("select lower(btrim(email)) from members where id = '" + DONOR + "'").get(0));
        assertThat(expected("select lower(btrim(email)) from members where email is not null group by 1 having count(*) > 1")).hasSize(1);

        // what waits when everyone but the held-back member is migrated: the rows of others referencing theirs, both ways
        List<String> allButHeld = ALL.stream().filter(m -> !m.equals(HELD)).toList();
        List<String> dependants = expected(dependantsOf(HELD));
        assertThat(expected(waitingRows(allButHeld))).isEqualTo(dependants);
        assertThat(dependants.stream().map(d -> d.substring(d.indexOf(' ') + 1)).collect(Collectors.toSet()))
                .containsExactlyInAnyOrder("comments", "follows", "likes");
        // with the first batch alone, the pair's first member waits for the last one
        assertThat(expected(waitingRows(members(1)))).contains(PAIR_FIRST + " follows", PAIR_FIRST + " comments", PAIR_FIRST + " likes");
        assertThat(expected(waitingRows(ALL))).isEmpty();
        assertThat(expected(waitingRows(List.of()))).isEmpty();
    }

    @Test
    @Order(2)
    void rowsWaitForOtherMembersRowsAreReleasedByTheirApplyAndEveryRollbackOrderIsExact() throws Exception {
        Map<String, List<String>> beforeApply = targetTables();

        // ---- the dry run: exactly the planted findings ----
        DryRun.Result result = new DryRun(workspace).run(DryRun.Options.all(), ProgressListener.NONE, new Cancellation());
        assertThat(result.users()).isEqualTo(USERS);
        Set<String> planted = planted();
        assertThat(planted).as("the reply cycle is among the planted findings (its kind exists in the engine)")
                .anyMatch(p -> p.contains(" REFERENCE_CYCLE "));
        assertThat(findings()).isEqualTo(planted);

        List<BatchView> batches = batches();
        assertThat(batches).extracting(BatchView::number).containsExactly(1, 2, 3, 4);
        for (BatchView batch : batches) {
            assertThat(workspace.control().users().ofBatch(batch.number())).extracting(UserView::user)
                    .as("members of batch %d, in partition order", batch.number()).containsExactlyElementsOf(members(batch.number()));
        }
        int heldBatch = batchOf(HELD);
        assertThat(heldBatch).as("the held-back member is in the middle batch 2").isEqualTo(2);
        assertThat(batchOf(DONOR)).as("the member whose email they took is in batch 1").isEqualTo(1);
        assertThat(batchOf(PAIR_FIRST)).isEqualTo(1);
        assertThat(batchOf(PAIR_LAST)).isEqualTo(4);

        // ---- every batch in queue order: rows wait for the batches they reference, and are released by them ----
        Approvals approvals = new Approvals(workspace);
        Set<String> migrated = new LinkedHashSet<>();
        for (BatchView batch : batches) {
            assertThat(approvals.approveNext(1, ACTOR).batches()).containsExactly(batch.number());
            Apply.Result applied = parallelApply().applyNext(ApplyListener.NONE, new Apply.PauseSignal());
            assertThat(applied.batch()).isEqualTo(batch.number());
            if (batch.number() == heldBatch) {
                assertThat(applied.state()).isEqualTo(BatchState.HELD_BACK);
                assertThat(applied.failed()).isEqualTo(1);
                assertThat(applied.applied()).isEqualTo(CommunityScenario.BATCH - 1);
                List<UserView> held = workspace.control().users().heldBack(heldBatch);
                assertThat(held).extracting(UserView::user).containsExactly(HELD);
                assertThat(held.get(0).lastError()).contains("members_v2_email_key").contains("23505");
                members(batch.number()).stream().filter(m -> !m.equals(HELD)).forEach(migrated::add);
            } else {
                assertThat(applied.state()).isEqualTo(BatchState.APPLIED);
                assertThat(applied.failed()).isZero();
                assertThat(applied.applied()).isEqualTo(CommunityScenario.BATCH);
                migrated.addAll(members(batch.number()));
            }
            assertTargetHolds(migrated, "after applying batch " + batch.number());
            if (batch.number() == 1) {
                // the first member of the pair is in, the last is not: its follow, comment and answer wait
                assertThat(pairRows()).as("the pair after batch 1").containsExactly(
                        "follows " + PAIR_FIRST + " -> " + PAIR_LAST + ": waiting",
                        "follows " + PAIR_LAST + " -> " + PAIR_FIRST + ": not applied yet",
                        "comment " + CommunityScenario.PAIR_FIRST_COMMENT + ": waiting",
                        "comment " + CommunityScenario.PAIR_LAST_ANSWER + ": not applied yet",
                        "comment " + CommunityScenario.PAIR_LAST_COMMENT + ": not applied yet",
                        "comment " + CommunityScenario.PAIR_FIRST_ANSWER + ": waiting");
            }
        }
        assertThat(pairRows()).as("the pair once both batches are applied").containsExactly(
                "follows " + PAIR_FIRST + " -> " + PAIR_LAST + ": written",
                "follows " + PAIR_LAST + " -> " + PAIR_FIRST + ": written",
                "comment " + CommunityScenario.PAIR_FIRST_COMMENT + ": written",
                "comment " + CommunityScenario.PAIR_LAST_ANSWER + ": written",
                "comment " + CommunityScenario.PAIR_LAST_COMMENT + ": written",
                "comment " + CommunityScenario.PAIR_FIRST_ANSWER + ": written");

        // ---- the held-back member: exactly the rows of others that reference theirs wait ----
        List<String> dependants = expected(dependantsOf(HELD));
        assertThat(dependants).as("rows of other members that reference the held-back member's rows, as the legacy data says")
                .isNotEmpty().anyMatch(d -> d.endsWith(" comments")).anyMatch(d -> d.endsWith(" follows"))
                .anyMatch(d -> d.endsWith(" likes")).noneMatch(d -> d.startsWith(HELD));
        assertThat(waiting()).isEqualTo(dependants);
        assertThat(actual("select count(*)::text from members_v2 where id = '" + HELD + "'")).containsExactly("0");

        // fix the member's email in the legacy data, review them again, approve their batch again and apply it
        try (Connection legacy = legacy();
             PreparedStatement fix = legacy.prepareStatement("update members set email = btrim(handle) || '@example.org' where id = ?::uuid")) {
            fix.setString(1, HELD);
            assertThat(fix.executeUpdate()).isEqualTo(1);
        }
        new DryRun(workspace).run(DryRun.Options.single(HELD), ProgressListener.NONE, new Cancellation());
        assertThat(workspace.control().users().get(HELD).orElseThrow().findings()).as("findings of the fixed member").isZero();
        assertThat(approvals.approve(heldBatch, ACTOR).batches()).containsExactly(heldBatch);
        Apply.Result fixed = parallelApply().apply(heldBatch, ApplyListener.NONE, new Apply.PauseSignal());
        assertThat(fixed.state()).isEqualTo(BatchState.APPLIED);
        assertThat(fixed.applied()).isEqualTo(1);
        assertThat(fixed.failed()).isZero();
        migrated.add(HELD);
        assertThat(waiting()).as("released in the apply that wrote the held-back member").isEmpty();
        assertThat(minus(dependants, pendingRows("written"))).as("the released rows are recorded as written").isEmpty();
        assertTargetHolds(migrated, "after the held-back member is applied");
        assertThat(migrated).containsExactlyInAnyOrderElementsOf(ALL);
        assertPlantedRows();

        ParityReport parity = new Parity(workspace).compute();
        assertThat(parity.overall()).isEqualTo(ParityStatus.OK);
        assertThat(parity.checks()).extracting(CheckParity::status).containsOnly(ParityStatus.OK);
        assertThat(parity.checks()).filteredOn(c -> c.kind() == CheckParity.Kind.PLAN_CHECK).as("the plan's own checks").hasSize(4);
        assertThat(parity.checks()).filteredOn(c -> c.kind() == CheckParity.Kind.ORPHANS).as("one orphan check per reference")
                .hasSize(8);
        assertThat(parity.entities()).allSatisfy(e -> {
            assertThat(e.status()).isEqualTo(ParityStatus.OK);
            assertThat(e.usersMismatched()).isZero();
            assertThat(e.targetRows()).isEqualTo(e.plannedRows());
        });
        Map<String, List<String>> full = targetTables();

        // ---- rollback, order 1: the middle batch; its dependants in the other batches go back to waiting ----
        rollBackAndApplyAgain(2, migrated, full);
        // ---- order 2: the first batch, which every other batch references ----
        rollBackAndApplyAgain(1, migrated, full);
        // ---- order 3: latest first, down to the first ----
        for (int batch = 4; batch >= 1; batch--) {
            assertThat(new Rollback(workspace).run(batch, Rollback.DriftChoice.REFUSE, ProgressListener.NONE).users())
                    .isEqualTo(CommunityScenario.BATCH);
            migrated.removeAll(members(batch));
            assertTargetHolds(migrated, "after rolling back batch " + batch + " (latest first)");
        }
        assertThat(migrated).isEmpty();
        assertThat(waiting()).isEmpty();
        assertThat(targetTables()).as("every batch rolled back: the target as it was before the first apply").isEqualTo(beforeApply);
    }

    /**
     * Four writers of two members each: members of one batch reference each other, so rows wait and are released
     * between chunks committing at the same time; the target must end exactly as with one writer.
     */
    private static Apply parallelApply() {
        return new Apply(workspace, 2, 0, 4, Apply.DEFAULT_LEASE_SECONDS);
    }

    /** Rolls one batch back while the others stay applied, checks the target and the waiting rows, and applies it again. */
    private void rollBackAndApplyAgain(int batch, Set<String> migrated, Map<String, List<String>> full) throws Exception {
        assertThat(new Rollback(workspace).run(batch, Rollback.DriftChoice.REFUSE, ProgressListener.NONE).users())
                .isEqualTo(CommunityScenario.BATCH);
        migrated.removeAll(members(batch));
        assertTargetHolds(migrated, "after rolling back batch " + batch + " alone");
        assertThat(waiting()).as("rows of the other batches that reference batch %d wait again", batch).isNotEmpty()
                .allMatch(w -> !members(batch).contains(w.substring(0, w.indexOf(' '))));

        assertThat(new Approvals(workspace).approve(batch, ACTOR).batches()).containsExactly(batch);
        Apply.Result again = parallelApply().apply(batch, ApplyListener.NONE, new Apply.PauseSignal());
        assertThat(again.state()).isEqualTo(BatchState.APPLIED);
        assertThat(again.applied()).isEqualTo(CommunityScenario.BATCH);
        migrated.addAll(members(batch));
        assertThat(waiting()).as("batch %d applied again releases its dependants", batch).isEmpty();
        assertThat(targetTables()).as("batch %d applied again: the same rows, the same ids", batch).isEqualTo(full);
        assertThat(new Parity(workspace).compute().overall()).isEqualTo(ParityStatus.OK);
    }

    /**
     * The target holds exactly the rows the migrated members can have, no row references a missing
     * row, and exactly the others of those members' rows wait.
     */
    private void assertTargetHolds(Set<String> migrated, String when) throws Exception {
        String rows = migratedRows(migrated);
        for (String table : TABLES) {
            assertThat(actual("select to_jsonb(t)::text from " + table + " t"))
                    .as("content of %s %s", table, when)
                    .containsExactlyElementsOf(expected("select row from " + rows + " x where entity = '" + ENTITY.get(table) + "'"));
        }
        assertThat(actual(DANGLING)).as("rows referencing a missing row %s", when).containsExactly("0");
        assertThat(waiting()).as("waiting rows %s", when).isEqualTo(expected(waitingRows(migrated)));
    }

    /** The planted cases, read back from the target: what a DBA would check by eye. */
    private void assertPlantedRows() throws Exception {
        // the orphan, the reply to it and the reply cycle are nowhere; every other comment is
        assertThat(actual("select id::text from comments_v2 where id in ('" + String.join("', '", CommunityScenario.ORPHAN_COMMENT,
                CommunityScenario.ORPHAN_REPLY, CommunityScenario.CYCLE_X, CommunityScenario.CYCLE_Y) + "')")).isEmpty();
        assertThat(actual("select count(*)::text from comments_v2")).containsExactly(String.valueOf(USERS * 5 + 4));
        // nobody follows themselves; the self-follower's other follows are there
        String self = CommunityScenario.memberId(CommunityScenario.member(USERS, CommunityScenario.SELF_FOLLOW_PLACE));
        assertThat(actual("select count(*)::text from follows_v2 where follower_id = followee_id")).containsExactly("0");
        assertThat(actual("select followee_id::text from follows_v2 where follower_id = '" + self + "'"))
                .containsExactlyElementsOf(expected("select followee_id::text from follows where follower_id = '" + self
                        + "' and followee_id <> follower_id"));
        // the held-back member with the fixed email, the member whose email they took unchanged, and the rows that waited
        assertThat(actual("select handle || ' ' || email from members_v2 where id in ('" + HELD + "', '" + DONOR + "')"))
                .containsExactlyInAnyOrderElementsOf(expected("select lower(btrim(handle)) || ' ' || lower(btrim(email)) from members"
                        + " where id in ('" + HELD + "', '" + DONOR + "')"));
        assertThat(actual("select email from members_v2 where id = '" + HELD + "'")).singleElement().asString().endsWith("@example.org");
        assertThat(actual("select follower_id::text from follows_v2 where followee_id = '" + HELD + "'"))
                .containsExactlyElementsOf(expected("select follower_id::text from follows where followee_id = '" + HELD + "'"))
                .isNotEmpty();
    }

    // ---- expected rows, from the legacy tables with plain SQL ----

    /** Every row the target should hold when exactly these members are migrated: (entity, user_key, key, row as jsonb text). */
    private static String migratedRows(Collection<String> members) {
        return CommunityRows.migratedRows(members);
    }

    /** "user entity" of every row of these members that waits: written if everyone were migrated, not written now. */
    private static String waitingRows(Collection<String> members) {
        return CommunityRows.waitingRows(ALL, members);
    }

    /**
     * "user entity" of the rows of other members that reference a member's rows, directly (a comment on their post or
     * answering their comment, a follow of them, a like of their post) or through a comment that does.
     */
    private static String dependantsOf(String member) {
        String m = "'" + member + "'::uuid";
        return "with recursive mp as (select id from posts where author_id = " + m + "),"
                + " mc as (select id from comments where author_id = " + m + "),"
                + " w as (select k.id, k.author_id from comments k where k.author_id <> " + m
                + "   and (k.post_id in (select id from mp) or k.reply_to in (select id from mc))"
                + "   union select k.id, k.author_id from comments k join w on k.reply_to = w.id where k.author_id <> " + m + ")"
                + " select author_id::text || ' comments' from w"
                + " union all select follower_id::text || ' follows' from follows where followee_id = " + m + " and follower_id <> " + m
                + " union all select member_id::text || ' likes' from likes where post_id in (select id from mp) and member_id <> " + m;
    }

    /** Rows of the target referencing a row that is not there (the foreign keys forbid it; counted anyway). */
    private static final String DANGLING = CommunityRows.DANGLING;

    /** The pair's follows and comments: written, waiting (as a pending row of its member), or their member not applied yet. */
    private List<String> pairRows() throws Exception {
        List<String> rows = new ArrayList<>();
        for (String[] follow : new String[][] {{PAIR_FIRST, PAIR_LAST}, {PAIR_LAST, PAIR_FIRST}}) {
            rows.add("follows " + follow[0] + " -> " + follow[1] + ": " + state(actual("select count(*)::text from follows_v2 where follower_id = '"
                    + follow[0] + "' and followee_id = '" + follow[1] + "'"), follow[0], "follows"));
        }
        for (String[] comment : new String[][] {{CommunityScenario.PAIR_FIRST_COMMENT, PAIR_FIRST},
                {CommunityScenario.PAIR_LAST_ANSWER, PAIR_LAST}, {CommunityScenario.PAIR_LAST_COMMENT, PAIR_LAST},
                {CommunityScenario.PAIR_FIRST_ANSWER, PAIR_FIRST}}) {
            rows.add("comment " + comment[0] + ": " + state(actual("select count(*)::text from comments_v2 where id = '" + comment[0] + "'"),
                    comment[1], "comments"));
        }
        return rows;
    }

    /** A row's state: in the target, or (pending rows name only their member and entity) one of its member's waiting rows. */
    private String state(List<String> count, String owner, String entity) throws Exception {
        if (count.equals(List.of("1"))) {
            return "written";
        }
        return waiting().contains(owner + " " + entity) ? "waiting" : "not applied yet";
    }

    /** Runs an expected-rows query on the legacy database, sorted as the actual rows are. */
    private static List<String> expected(String sql) throws Exception {
        try (Connection legacy = legacy()) {
            try (Statement statement = legacy.createStatement()) {
                statement.execute("set timezone = 'UTC'");
            }
            return TargetRows.sorted(Tables.rows(legacy, sql));
        }
    }

    private static Connection legacy() throws Exception {
        return TestPostgres.connect(demo.database(CommunityScenario.LEGACY_DB));
    }

    private static List<String> actual(String sql) throws Exception {
        try (Connection target = target()) {
            try (Statement statement = target.createStatement()) {
                statement.execute("set timezone = 'UTC'");
            }
            return TargetRows.sorted(Tables.rows(target, sql));
        }
    }

    /** "user entity" of every pending row of the plan that waits, sorted. */
    private static List<String> waiting() throws Exception {
        return pendingRows("waiting");
    }

    private static List<String> pendingRows(String state) throws Exception {
        return actual("select user_key || ' ' || entity from backfill.pending_rows where plan = '" + PLAN + "' and state = '" + state + "'");
    }

    /** What is left of {@code rows} once each of {@code removed} is taken out once (a multiset difference). */
    private static List<String> minus(List<String> rows, List<String> removed) {
        Map<String, Integer> left = new HashMap<>();
        removed.forEach(r -> left.merge(r, 1, Integer::sum));
        List<String> out = new ArrayList<>();
        for (String row : rows) {
            if (left.getOrDefault(row, 0) > 0) {
                left.merge(row, -1, Integer::sum);
            } else {
                out.add(row);
            }
        }
        return out;
    }

    private static List<String> members(int batch) {
        return BATCHES.get(batch - 1);
    }

    private static int batchOf(String member) {
        for (int b = 0; b < BATCHES.size(); b++) {
            if (BATCHES.get(b).contains(member)) {
                return b + 1;
            }
        }
        throw new IllegalArgumentException(member);
    }

    private static Set<String> findings() throws Exception {
        List<Finding> findings = workspace.control().findings().list(FindingFilter.ALL);
        return findings.stream().map(f -> TargetRows.finding(f.user(), f.entity(), f.kind().name(), f.field(), f.legacyIds()))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static Set<String> planted() {
        return SCENARIO.planted(USERS).stream().map(p -> TargetRows.finding(p.user(), p.entity(), p.kind().name(), p.field(), p.legacyIds()))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static List<BatchView> batches() throws Exception {
        try (Connection connection = workspace.target().getConnection()) {
            return workspace.control().batches().list(connection);
        }
    }

    private static Connection target() throws Exception {
        return TestPostgres.connect(demo.database(CommunityScenario.TARGET_DB));
    }

    private static Map<String, List<String>> targetTables() throws Exception {
        try (Connection connection = target()) {
            return Tables.snapshot(connection, "public");
        }
    }
}
