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
import dev.backfill.parity.EntityParity;
import dev.backfill.parity.ParityReport;
import dev.backfill.parity.ParityStatus;
import dev.backfill.parity.Parity;
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
 * Scenario 2 end to end on the embedded PostgreSQL: the dry run reports exactly the planted cases,
 * every batch is approved and applied (one rolled back and re-applied on the way), and the target
 * then holds exactly the rows plain SQL over the legacy tables says it should.
 */
class ProfilesScenarioIT {
    private static final int USERS = 25;   // batches of 10, 10 and 5
    private static final ProfilesScenario SCENARIO = new ProfilesScenario();
    private static final String NAMESPACE = "6f1d0f0e-3b1a-5c55-9a52-b8f1a0c0ffee";
    private static DemoEnvironment demo;
    private static Plan plan;
    private static Workspace workspace;

    @BeforeAll
    static void createDemo() throws Exception {
        demo = TestPostgres.demo(ProfilesScenarioIT.class);
        plan = PlanLoader.load(SCENARIO.create(demo, USERS));
        workspace = Workspace.open(plan, new Secrets(Map.of()));
    }

    @AfterAll
    static void close() {
        workspace.close();
    }

    @Test
    void dryRunReportsThePlantedCasesAndEveryBatchAppliesTheMergedProfiles() throws Exception {
        DryRun.Result result = new DryRun(workspace).run(DryRun.Options.all(), ProgressListener.NONE, new Cancellation());
        assertThat(result.users()).isEqualTo(USERS);
        assertThat(findings()).isEqualTo(planted());

        List<BatchView> batches = batches();
        assertThat(batches).extracting(BatchView::number).containsExactly(1, 2, 3);
        Approvals approvals = new Approvals(workspace);
        for (BatchView batch : batches) {
            Map<String, List<String>> before = targetTables();
            assertThat(approvals.approveNext(1, "tester@test").batches()).containsExactly(batch.number());
            Apply.Result applied = new Apply(workspace).applyNext(ApplyListener.NONE, new Apply.PauseSignal());
            assertThat(applied.batch()).isEqualTo(batch.number());
            assertThat(applied.state()).isEqualTo(BatchState.APPLIED);
            assertThat(applied.failed()).isZero();
            Map<String, List<String>> after = targetTables();
            assertThat(after).isNotEqualTo(before);
            if (batch.number() == 2) {
                new Rollback(workspace).run(2, Rollback.DriftChoice.REFUSE, ProgressListener.NONE);
                assertThat(targetTables()).isEqualTo(before);
                approvals.approve(2, "tester@test");
                assertThat(new Apply(workspace).apply(2, ApplyListener.NONE, new Apply.PauseSignal()).state())
                        .isEqualTo(BatchState.APPLIED);
                assertThat(targetTables()).isEqualTo(after);
            }
        }

        try (Connection target = target()) {
            assertThat(Tables.rows(target, "select to_jsonb(t)::text from \"ProfileNew\" t order by 1"))
                    .containsExactlyElementsOf(expected(EXPECTED_PROFILES));
            assertThat(Tables.rows(target, "select to_jsonb(t)::text from \"ContextIntent\" t order by 1"))
                    .containsExactlyElementsOf(expected(EXPECTED_INTENTS));
        }
        assertPlantedRows();

        ParityReport parity = new Parity(workspace).compute();
        assertThat(parity.overall()).isEqualTo(ParityStatus.OK);
        assertThat(parity.checks()).extracting(CheckParity::status).containsOnly(ParityStatus.OK);
        assertThat(parity.checks()).extracting(CheckParity::name).contains("one ProfileNew per legacy User",
                "one ContextIntent per legacy ContextProfile", "completeness between 0 and 100");
        assertThat(parity.entities()).allSatisfy(e -> {
            assertThat(e.status()).isEqualTo(ParityStatus.OK);
            assertThat(e.usersMismatched()).isZero();
            assertThat(e.targetRows()).isEqualTo(e.plannedRows());
        });
    }

    /** The planted cases, read back from the target by their ids: the merge rules a DBA would check by eye. */
    private void assertPlantedRows() throws Exception {
        try (Connection target = target()) {
            assertThat(Tables.rows(target, "select concat_ws(' | ', \"coreValues\", beliefs, \"interactionStyle\", lifestyle, constraints,"
                    + " coalesce(location, '-'), coalesce(name, '-'), completeness, missing) from \"ProfileNew\" where \"userId\" = '"
                    + ProfilesScenario.user(ProfilesScenario.EMPTY_USER) + "'"))
                    .containsExactly("[] | {} | {} | {} | [] | - | - | 0 | {coreValues,beliefs,interactionStyle,lifestyle,constraints,"
                            + "location,ageRange,name}");
            assertThat(Tables.rows(target, "select concat_ws(' | ', \"contextType\", completeness, missing) from \"ContextIntent\""
                    + " where \"userId\" = '" + ProfilesScenario.user(ProfilesScenario.EMPTY_USER) + "' order by 1"))
                    .containsExactly("creative | 0 | {creativeType,roleNeeded,processStyle,egoBalance,compensationExpectation}",
                            "professional | 0 | {partnershipType,commitmentHorizon,complementarySkills,equityOrRevShare}",
                            "service | 0 | {serviceType,budgetRange,timelineNeeded,credentialsRequired}");
            // first non-null wins the scalar; the later context wins the deep merge
            assertThat(Tables.rows(target, "select location from \"ProfileNew\" where \"userId\" = '"
                    + ProfilesScenario.user(ProfilesScenario.LOCATION_CONFLICT_USER) + "'")).containsExactly("Nairobi");
            assertThat(Tables.rows(target, "select \"interactionStyle\"->>'communication' from \"ProfileNew\" where \"userId\" = '"
                    + ProfilesScenario.user(ProfilesScenario.STYLE_CONFLICT_USER) + "'")).containsExactly(ProfilesScenario.CONFLICTING_STYLE);
            // the unmapped keys are nowhere in the target
            assertThat(Tables.count(target, "select count(*) from \"ProfileNew\" p where p::text ~ '(intent|preferences|dealbreakers)\"'"))
                    .isZero();
        }
    }

    // ---- expected content, computed from the legacy tables with plain SQL ----

    /** The user's contexts oldest first, each with its blob (NULL when there is no Profile row or its data is NULL). */
    private static final String CONTEXTS = """
            with c as (
                select cp.id, cp."userId" as uid, cp."contextType" as t, cp."createdAt" as created,
                       coalesce(p."updatedAt", cp."updatedAt") as updated, p.data as d,
                       row_number() over (partition by cp."userId" order by cp."createdAt", cp.id) as o
                from "ContextProfile" cp left join "Profile" p on p."contextProfileId" = cp.id)
            """;

    private static String union(String key) {
        return "(select coalesce(jsonb_agg(v order by o, i), '[]') from (select distinct on (v) v, o, i from c,"
                + " jsonb_array_elements(case jsonb_typeof(c.d->'" + key + "') when 'array' then c.d->'" + key + "' end)"
                + " with ordinality e(v, i) where c.uid = u.id order by v, o, i) x)";
    }

    /** Objects merged key by key, the later context's value winning (the demo's objects are flat). */
    private static String deep(String key) {
        return "(select coalesce(jsonb_object_agg(k, v order by o), '{}') from c, jsonb_each(case jsonb_typeof(c.d->'" + key
                + "') when 'object' then c.d->'" + key + "' end) e(k, v) where c.uid = u.id)";
    }

    private static String first(String key) {
        return "(select (array_agg(btrim(c.d->>'" + key + "') order by o) filter (where btrim(c.d->>'" + key + "') <> ''))[1]"
                + " from c where c.uid = u.id)";
    }

    private static final String EXPECTED_PROFILES = CONTEXTS + """
            , m as (
                select u.id as uid,
                       %s as core, %s as cons, %s as beliefs, %s as style, %s as lifestyle,
                       %s as location, %s as age, %s as name,
                       (select min(created) from c where c.uid = u.id) as created,
                       (select max(updated) from c where c.uid = u.id) as updated
                from "User" u),
            f as (
                select m.*, array_remove(array[
                       case when core = '[]' then 'coreValues' end, case when beliefs = '{}' then 'beliefs' end,
                       case when style = '{}' then 'interactionStyle' end, case when lifestyle = '{}' then 'lifestyle' end,
                       case when cons = '[]' then 'constraints' end, case when location is null then 'location' end,
                       case when age is null then 'ageRange' end, case when name is null then 'name' end], null) as missing
                from m)
            select jsonb_build_object('id', uuid_generate_v5('%s', 'profile-merge/profile/' || uid)::text, 'userId', uid,
                   'coreValues', core, 'beliefs', beliefs, 'interactionStyle', style, 'lifestyle', lifestyle, 'constraints', cons,
                   'location', location, 'ageRange', age, 'name', name,
                   'completeness', round(100.0 * (8 - cardinality(missing)) / 8)::int, 'missing', to_jsonb(missing),
                   'createdAt', created, 'updatedAt', updated)::text
            from f order by 1
            """.formatted(union("coreValues"), union("constraints"), deep("beliefs"), deep("interactionStyle"), deep("lifestyle"),
            first("location"), first("ageRange"), first("name"), NAMESPACE);

    private static final String EXPECTED_INTENTS = CONTEXTS + """
            , typed as (
                select c.*, case t
                       when 'romantic' then array['relationshipTimeline','exclusivityExpectation','familyIntentions','attractionImportance']
                       when 'friendship' then array['friendshipDepth','groupActivityPreference','emotionalSupportExpectation']
                       when 'professional' then array['partnershipType','commitmentHorizon','complementarySkills','equityOrRevShare']
                       when 'creative' then array['creativeType','roleNeeded','processStyle','egoBalance','compensationExpectation']
                       when 'service' then array['serviceType','budgetRange','timelineNeeded','credentialsRequired'] end as fields
                from c),
            scored as (
                select typed.*, array(select f from unnest(fields) with ordinality x(f, n)
                                      where d->f is null or d->f in ('null', '""', '[]', '{}') order by n) as missing
                from typed)
            select jsonb_build_object('id', id, 'userId', uid, 'contextType', t,
                   'relationshipTimeline', case when t = 'romantic' then d->>'relationshipTimeline' end,
                   'exclusivityExpectation', case when t = 'romantic' then d->>'exclusivityExpectation' end,
                   'familyIntentions', case when t = 'romantic' then d->>'familyIntentions' end,
                   'attractionImportance', case when t = 'romantic' then (d->>'attractionImportance')::int end,
                   'friendshipDepth', case when t = 'friendship' then d->>'friendshipDepth' end,
                   'groupActivityPreference', case when t = 'friendship' then d->>'groupActivityPreference' end,
                   'emotionalSupportExpectation', case when t = 'friendship' then d->>'emotionalSupportExpectation' end,
                   'partnershipType', case when t = 'professional' then d->>'partnershipType' end,
                   'commitmentHorizon', case when t = 'professional' then d->>'commitmentHorizon' end,
                   'complementarySkills', case when t = 'professional' then d->'complementarySkills' end,
                   'equityOrRevShare', case when t = 'professional' then d->>'equityOrRevShare' end,
                   'creativeType', case when t = 'creative' then d->>'creativeType' end,
                   'roleNeeded', case when t = 'creative' then d->>'roleNeeded' end,
                   'processStyle', case when t = 'creative' then d->>'processStyle' end,
                   'egoBalance', case when t = 'creative' then d->>'egoBalance' end,
                   'compensationExpectation', case when t = 'creative' then d->>'compensationExpectation' end,
                   'serviceType', case when t = 'service' then d->>'serviceType' end,
                   'budgetRange', case when t = 'service' then d->>'budgetRange' end,
                   'timelineNeeded', case when t = 'service' then d->>'timelineNeeded' end,
                   'credentialsRequired', case when t = 'service' then (d->>'credentialsRequired')::boolean end,
                   'completeness', round(100.0 * (cardinality(fields) - cardinality(missing)) / cardinality(fields))::int,
                   'missing', to_jsonb(missing), 'createdAt', created, 'updatedAt', updated)::text
            from scored order by 1
            """;

    /** Runs an expected-rows query on the legacy database; uuid-ossp is installed for it and rolled back with it. */
    private static List<String> expected(String sql) throws Exception {
        try (Connection legacy = TestPostgres.connect(demo.database(ProfilesScenario.LEGACY_DB))) {
            legacy.setAutoCommit(false);
            try (Statement statement = legacy.createStatement()) {
                statement.execute("create extension if not exists \"uuid-ossp\"");
            }
            try {
                return Tables.rows(legacy, sql);
            } finally {
                legacy.rollback();
            }
        }
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
        return TestPostgres.connect(demo.database(ProfilesScenario.TARGET_DB));
    }

    private static Map<String, List<String>> targetTables() throws Exception {
        try (Connection connection = target()) {
            return Tables.snapshot(connection, "public");
        }
    }
}
