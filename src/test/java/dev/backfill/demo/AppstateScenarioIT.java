package dev.backfill.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backfill.lifecycle.BatchState;
import dev.backfill.control.BatchStore;
import dev.backfill.lifecycle.BatchView;
import dev.backfill.control.FindingFilter;
import dev.backfill.control.FindingStore;
import dev.backfill.db.Secrets;
import dev.backfill.engine.Apply;
import dev.backfill.engine.ApplyListener;
import dev.backfill.engine.Approvals;
import dev.backfill.engine.Cancellation;
import dev.backfill.engine.DryRun;
import dev.backfill.engine.ProgressListener;
import dev.backfill.engine.Rollback;
import dev.backfill.engine.Workspace;
import dev.backfill.mapping.Finding;
import dev.backfill.parity.CheckParity;
import dev.backfill.parity.Parity;
import dev.backfill.parity.ParityReport;
import dev.backfill.parity.ParityStatus;
import dev.backfill.plan.Plan;
import dev.backfill.plan.PlanLoader;
import dev.backfill.testing.Tables;
import dev.backfill.testing.TestPostgres;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Scenario 4 end to end on the embedded PostgreSQL: the dry run reports exactly the planted cases,
 * every batch of 5 users is approved and applied one transaction per user (one batch rolled back
 * and re-applied on the way), and every target table, "references" included, then holds exactly
 * the rows plain SQL over each user's latest legacy state says it should.
 */
class AppstateScenarioIT {
    private static final int USERS = 15;   // three batches of 5
    private static final AppstateScenario SCENARIO = new AppstateScenario();
    private static final String NAMESPACE = "6f1d0f0e-3b1a-5c55-9a52-b8f1a0c0ffee";
    private static DemoEnvironment demo;
    private static Plan plan;
    private static Workspace workspace;

    @BeforeAll
    static void createDemo() throws Exception {
        demo = TestPostgres.demo(AppstateScenarioIT.class);
        plan = PlanLoader.load(SCENARIO.create(demo, USERS));
        workspace = Workspace.open(plan, new Secrets(Map.of()));
    }

    @AfterAll
    static void close() {
        workspace.close();
    }

    @Test
    void dryRunReportsThePlantedCasesAndEveryBatchAppliesTheLatestStateOfEachUser() throws Exception {
        DryRun.Result result = new DryRun(workspace).run(DryRun.Options.all(), ProgressListener.NONE, new Cancellation());
        assertThat(result.users()).isEqualTo(USERS);
        assertThat(findings()).isEqualTo(planted());

        List<BatchView> batches = batches();
        assertThat(batches).extracting(BatchView::number).containsExactly(1, 2, 3);
        assertThat(batches).extracting(BatchView::users).containsOnly(5);
        Approvals approvals = new Approvals(workspace);
        for (BatchView batch : batches) {
            Map<String, List<String>> before = targetTables();
            assertThat(approvals.approveNext(1, "tester@test").batches()).containsExactly(batch.number());
            Apply.Result applied = new Apply(workspace, 1).applyNext(ApplyListener.NONE, new Apply.PauseSignal());
            assertThat(applied.batch()).isEqualTo(batch.number());
            assertThat(applied.state()).isEqualTo(BatchState.APPLIED);
            assertThat(applied.applied()).isEqualTo(5);
            Map<String, List<String>> after = targetTables();
            assertThat(after).isNotEqualTo(before);
            if (batch.number() == 2) {
                new Rollback(workspace).run(2, Rollback.DriftChoice.REFUSE, ProgressListener.NONE);
                assertThat(targetTables()).isEqualTo(before);
                approvals.approve(2, "tester@test");
                assertThat(new Apply(workspace, 1).apply(2, ApplyListener.NONE, new Apply.PauseSignal()).state())
                        .isEqualTo(BatchState.APPLIED);
                assertThat(targetTables()).as("re-applied after rollback: the same ids, the same rows").isEqualTo(after);
            }
        }

        for (Map.Entry<String, String> table : EXPECTED.entrySet()) {
            assertThat(actual("select to_jsonb(t)::text from " + table.getKey() + " t order by 1"))
                    .as("content of %s", table.getKey()).containsExactlyElementsOf(expected(table.getValue()));
        }
        // inbox item ids are generated: compare them through the id map, as (user, legacy id)
        assertThat(actual("select ((to_jsonb(t) - 'id') || jsonb_build_object('legacy', m.scope || '/' || m.legacy_id))::text"
                + " from inbox_items t join backfill.id_map m on m.new_id = t.id and m.plan = 'appstate-backfill'"
                + " and m.entity = 'inbox_items' order by 1")).containsExactlyElementsOf(expected(EXPECTED_INBOX));
        assertThat(actual("select count(*)::text from inbox_items")).containsExactly(String.valueOf(USERS * 2));
        assertPlantedRows();

        ParityReport parity = new Parity(workspace).compute();
        assertThat(parity.overall()).isEqualTo(ParityStatus.OK);
        assertThat(parity.checks()).extracting(CheckParity::status).containsOnly(ParityStatus.OK);
        assertThat(parity.checks()).extracting(CheckParity::name)
                .contains("every reference of the migrated users' latest state is in \"references\"");
        assertThat(parity.entities()).allSatisfy(e -> {
            assertThat(e.status()).isEqualTo(ParityStatus.OK);
            assertThat(e.usersMismatched()).isZero();
            assertThat(e.targetRows()).isEqualTo(e.plannedRows());
        });
    }

    /** The planted cases, read back from the target: what a DBA would check by eye. */
    private void assertPlantedRows() throws Exception {
        // only the latest state: no draft names, and the older rows' extra persona/org problems are gone
        assertThat(actual("select count(*)::text from orgs where name like '%(draft%'")).containsExactly("0");
        assertThat(actual("select count(*)::text from orgs where user_id = '" + AppstateScenario.user(AppstateScenario.TWO_OLDER_ROWS_USER)
                + "'")).containsExactly("1");
        // the persona without an org and its two contents stay behind; the user's other rows are migrated
        String missingOrg = AppstateScenario.user(AppstateScenario.MISSING_ORG_USER);
        assertThat(actual("select count(*)::text from personas where user_id = '" + missingOrg + "'")).containsExactly("1");
        assertThat(actual("select title from contents where user_id = '" + missingOrg + "' order by 1"))
                .containsExactly("Post 1 of member 3", "Post 3 of member 3");
        // the message from a deleted lead is kept, without a lead
        assertThat(actual("select concat_ws(' | ', subject, coalesce(lead_id::text, 'no lead'), read) from inbox_items where user_id = '"
                + AppstateScenario.user(AppstateScenario.MISSING_LEAD_USER) + "' order by 1"))
                .containsExactly("Re: post 1 | " + uuid5("leads", AppstateScenario.MISSING_LEAD_USER, "lead_1") + " | t",
                        "Re: post 2 | no lead | f");
        // the state saved before sign-in belongs to nobody
        assertThat(actual("select count(*)::text from orgs where name like '% 0-%'")).containsExactly("0");
    }

    // ---- expected content, from each user's latest state row with plain SQL ----

    private static final String LATEST = "with s as (select distinct on (user_id) user_id, state from user_app_state"
            + " where user_id <> '' order by user_id, updated_at desc) ";

    /** The derived id of a per-user legacy id: UUIDv5 of plan/entity/user/legacy id, computed by uuid-ossp. */
    private static String id(String entity, String legacyId) {
        return "uuid_generate_v5('" + NAMESPACE + "', 'appstate-backfill/" + entity + "/' || s.user_id || '/' || (" + legacyId + "))";
    }

    private static String exists(String array, String legacyId) {
        return "exists (select 1 from jsonb_array_elements(s.state->'" + array + "') x where x->>'id' = " + legacyId + ")";
    }

    private static final Map<String, String> EXPECTED = new java.util.LinkedHashMap<>();

    static {
        EXPECTED.put("orgs", LATEST + "select jsonb_build_object('id', " + id("orgs", "o->>'id'") + ", 'user_id', s.user_id::uuid,"
                + " 'name', btrim(o->>'name'), 'plan', coalesce(o->>'plan', 'free'), 'created_at', (o->>'createdAt')::timestamptz)::text"
                + " from s, jsonb_array_elements(s.state->'orgs') o order by 1");
        EXPECTED.put("personas", LATEST + "select jsonb_build_object('id', " + id("personas", "p->>'id'") + ", 'user_id', s.user_id::uuid,"
                + " 'org_id', " + id("orgs", "p->>'orgId'") + ", 'name', p->>'name', 'tone', p->>'tone',"
                + " 'created_at', (p->>'createdAt')::timestamptz)::text"
                + " from s, jsonb_array_elements(s.state->'personas') p where " + exists("orgs", "p->>'orgId'") + " order by 1");
        EXPECTED.put("contents", LATEST + "select jsonb_build_object('id', " + id("contents", "c->>'id'") + ", 'user_id', s.user_id::uuid,"
                + " 'persona_id', " + id("personas", "c->>'personaId'") + ", 'kind', c->>'kind', 'title', c->>'title', 'body', c->>'body',"
                + " 'status', coalesce(c->>'status', 'draft'),"
                + " 'updated_at', timestamptz 'epoch' + (c->>'updatedAt')::bigint * interval '1 millisecond')::text"
                + " from s, jsonb_array_elements(s.state->'contents') c where exists (select 1 from jsonb_array_elements(s.state->'personas') p"
                + " where p->>'id' = c->>'personaId' and " + exists("orgs", "p->>'orgId'") + ") order by 1");
        EXPECTED.put("accounts", LATEST + "select jsonb_build_object('id', " + id("accounts", "a->>'id'") + ", 'user_id', s.user_id::uuid,"
                + " 'provider', lower(a->>'provider'), 'handle', btrim(a->>'handle'), 'connected_at', (a->>'connectedAt')::timestamptz)::text"
                + " from s, jsonb_array_elements(s.state->'accounts') a order by 1");
        EXPECTED.put("leads", LATEST + "select jsonb_build_object('id', " + id("leads", "l->>'id'") + ", 'user_id', s.user_id::uuid,"
                + " 'account_id', case when " + exists("accounts", "l->>'accountId'") + " then " + id("accounts", "l->>'accountId'") + " end,"
                + " 'name', l->>'name', 'email', lower(btrim(l->>'email')), 'stage', coalesce(l->>'stage', 'new'),"
                + " 'score', (l->>'score')::int)::text from s, jsonb_array_elements(s.state->'leads') l order by 1");
        EXPECTED.put("\"references\"", LATEST + "select jsonb_build_object('id', " + id("references", "r->>'id'")
                + ", 'user_id', s.user_id::uuid, 'url', btrim(r->>'url'), 'title', r->>'title', 'note', r->>'note')::text"
                + " from s, jsonb_array_elements(s.state->'references') r order by 1");
    }

    private static final String EXPECTED_INBOX = LATEST + "select jsonb_build_object('legacy', s.user_id || '/' || (i->>'id'),"
            + " 'user_id', s.user_id::uuid,"
            + " 'lead_id', case when " + exists("leads", "i->>'leadId'") + " then " + id("leads", "i->>'leadId'") + " end,"
            + " 'subject', i->>'subject', 'body', i->>'body', 'read', coalesce((i->>'read')::boolean, false),"
            + " 'received_at', (i->>'receivedAt')::timestamptz)::text from s, jsonb_array_elements(s.state->'inboxItems') i order by 1";

    /** Runs an expected-rows query on the legacy database; uuid-ossp is installed for it and rolled back with it. */
    private static List<String> expected(String sql) throws Exception {
        try (Connection legacy = TestPostgres.connect(demo.database(AppstateScenario.LEGACY_DB))) {
            legacy.setAutoCommit(false);
            try (Statement statement = legacy.createStatement()) {
                statement.execute("create extension if not exists \"uuid-ossp\"");
                statement.execute("set local timezone = 'UTC'");
            }
            try {
                return Tables.rows(legacy, sql);
            } finally {
                legacy.rollback();
            }
        }
    }

    private static List<String> actual(String sql) throws Exception {
        try (Connection target = target()) {
            try (Statement statement = target.createStatement()) {
                statement.execute("set timezone = 'UTC'");
            }
            return Tables.rows(target, sql);
        }
    }

    private static String uuid5(String entity, int user, String legacyId) throws Exception {
        List<String> id = expected("select " + id(entity, "'" + legacyId + "'") + "::text from (select '"
                + AppstateScenario.user(user) + "'::text as user_id) s");
        return id.get(0);
    }

    // ---- helpers ----

    private static Set<String> findings() throws Exception {
        List<Finding> findings = workspace.control().findings().list(FindingFilter.ALL);
        return findings.stream().map(f -> describe(f.user(), f.entity(), f.kind().name(), f.field(), f.legacyIds()))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static Set<String> planted() {
        return SCENARIO.planted(USERS).stream().map(p -> describe(p.user(), p.entity(), p.kind().name(), p.field(), p.legacyIds()))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static String describe(String user, String entity, String kind, String field, List<String> ids) {
        return user + " " + entity + " " + kind + " " + field + " " + new TreeSet<>(ids);
    }

    private static List<BatchView> batches() throws Exception {
        try (Connection connection = workspace.target().getConnection()) {
            return workspace.control().batches().list(connection);
        }
    }

    private static Connection target() throws Exception {
        return TestPostgres.connect(demo.database(AppstateScenario.TARGET_DB));
    }

    private static Map<String, List<String>> targetTables() throws Exception {
        try (Connection connection = target()) {
            return Tables.snapshot(connection, "public");
        }
    }
}
