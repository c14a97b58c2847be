package dev.backfill.demo;

import static dev.backfill.demo.TargetRows.row;
import static dev.backfill.demo.TargetRows.ts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backfill.lifecycle.BatchState;
import dev.backfill.control.BatchStore;
import dev.backfill.lifecycle.BatchView;
import dev.backfill.control.FindingFilter;
import dev.backfill.control.FindingStore;
import dev.backfill.db.Secrets;
import dev.backfill.errors.RefusedException;
import dev.backfill.engine.Apply;
import dev.backfill.engine.ApplyListener;
import dev.backfill.engine.Approvals;
import dev.backfill.engine.Cancellation;
import dev.backfill.engine.DryRun;
import dev.backfill.engine.ProgressListener;
import dev.backfill.engine.Rollback;
import dev.backfill.engine.Workspace;
import dev.backfill.parity.CheckParity;
import dev.backfill.parity.Parity;
import dev.backfill.parity.ParityReport;
import dev.backfill.parity.ParityStatus;
import dev.backfill.plan.Plan;
import dev.backfill.plan.PlanLoader;
import dev.backfill.plan.SkipSpec;
import dev.backfill.testing.Tables;
import dev.backfill.testing.TestPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Scenario 3 end to end on a real SQLite file and a real PostgreSQL: the dry run finds exactly the
 * planted cases; every batch is approved and applied; the target's content is compared, table by
 * table and column by column, with rows this test computes from the SQLite file by itself; a
 * rollback restores the target exactly; parity and every plan check hold.
 *
 * <p>The two users with one email: the user later in partition order fails at apply on
 * users_email_key, with all its rows (one transaction per user), and stays 'failed' — parity is
 * PENDING for that one user, nothing mismatches, every check holds. Once D1 is fixed, a dry run of
 * that user and a new approval of its batch migrate it, and parity is OK.
 */
class D1ScenarioIT {
    private static final int USERS = 14;
    private static final String PLAN = D1Scenario.PLAN_NAME;
    private static final D1Scenario SCENARIO = new D1Scenario();
    private static final String ACTOR = "dba@test";
    private static DemoEnvironment demo;
    private static Path planFile;

    @BeforeAll
    static void createDemo() throws Exception {
        demo = TestPostgres.demo(D1ScenarioIT.class);
        planFile = SCENARIO.create(demo, USERS);
    }

    private static Workspace open() throws Exception {
        return Workspace.open(PlanLoader.load(planFile), new Secrets(Map.of()));
    }

    private static Connection target() throws Exception {
        return TestPostgres.connect(demo.database(D1Scenario.TARGET_DB));
    }

    private static Path legacyFile() {
        return demo.folder().resolve(D1Scenario.LEGACY_FILE);
    }

    @Test
    void theD1ExportReachesPostgresExactlyWithTheDuplicateEmailHeldBackUntilFixed() throws Exception {
        String owner = D1Scenario.userId(D1Scenario.EMAIL_OWNER);
        String copy = D1Scenario.userId(D1Scenario.EMAIL_COPY);
        assertThat(owner.compareTo(copy)).as("the owner of the email comes first in partition order").isNegative();
        Plan plan = PlanLoader.load(planFile);
        assertThat(plan.skipped()).extracting(SkipSpec::table, SkipSpec::reason)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("sessions",
                        "DEC-001=A: users re-authenticate after the cut-over; D1 sessions are not carried over"));

        try (Workspace workspace = open()) {
            DryRun.Result dryRun = new DryRun(workspace).run(DryRun.Options.all(), ProgressListener.NONE, new Cancellation());
            assertThat(findings(workspace)).isEqualTo(SCENARIO.planted(USERS).stream()
                    .map(p -> TargetRows.finding(p.user(), p.entity(), p.kind().name(), p.field(), p.legacyIds()))
                    .collect(Collectors.toCollection(TreeSet::new)));
            assertThat(dryRun.users()).isEqualTo(USERS); // the shared catalog rows (batch 0) are rows, not a user
            assertThat(batches(workspace)).extracting(BatchView::number, BatchView::users)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(0, 1), org.assertj.core.groups.Tuple.tuple(1, 10),
                            org.assertj.core.groups.Tuple.tuple(2, 4));
            assertThat(batchOf(workspace, copy)).isEqualTo(1);
            Approvals approvals = new Approvals(workspace);

            // batch 0: the catalogs, before any user references them
            assertThatThrownBy(() -> approvals.approve(1, ACTOR)).hasMessageContaining("is not next").hasMessageContaining("batch 0");
            approvals.approve(0, ACTOR);
            assertThat(new Apply(workspace).apply(0, ApplyListener.NONE, new Apply.PauseSignal()).state()).isEqualTo(BatchState.APPLIED);

            // batch 1: the copy of the email fails alone on the target's unique constraint; rolled back, it is exactly undone
            Map<String, List<String>> beforeBatch1 = snapshot();
            approvals.approve(1, ACTOR);
            Apply.Result first = new Apply(workspace, 4).apply(1, ApplyListener.NONE, new Apply.PauseSignal());
            assertThat(first.state()).isEqualTo(BatchState.HELD_BACK);
            assertThat(first.applied()).isEqualTo(9);
            assertThat(first.failed()).isEqualTo(1);
            Map<String, List<String>> afterBatch1 = snapshot();
            assertThat(afterBatch1).isNotEqualTo(beforeBatch1);
            // batch 1's rows reference batch 0's catalog rows: rolling batch 0 back first is refused, naming batch 1
            assertThatThrownBy(() -> new Rollback(workspace).run(0, Rollback.DriftChoice.REFUSE, ProgressListener.NONE))
                    .isInstanceOf(RefusedException.class).hasMessageContaining("batch 1: its user_skills rows reference skill_definitions"
                            + " rows this batch inserted");
            assertThat(snapshot()).isEqualTo(afterBatch1);
            new Rollback(workspace).run(1, Rollback.DriftChoice.REFUSE, ProgressListener.NONE);
            assertThat(snapshot()).isEqualTo(beforeBatch1);
            assertThat(batches(workspace).get(1).state()).isEqualTo(BatchState.ROLLED_BACK);
            approvals.approve(1, ACTOR);
            assertThat(new Apply(workspace, 10).apply(1, ApplyListener.NONE, new Apply.PauseSignal()).failed()).isEqualTo(1);
            assertThat(snapshot()).isEqualTo(afterBatch1);

            // batch 2: a failed user held back in batch 1 does not hold up the queue; 'next' skips batch 1
            assertThat(approvals.approveNext(1, ACTOR).batches()).containsExactly(2);
            Apply.Result last = new Apply(workspace).apply(2, ApplyListener.NONE, new Apply.PauseSignal());
            assertThat(last.state()).isEqualTo(BatchState.APPLIED);
            assertThat(last.applied()).isEqualTo(4);

            assertThat(query("select status || ' ' || coalesce(last_error, '') from backfill.users where plan = '" + PLAN
                    + "' and user_key = '" + copy + "'")).singleElement().asString()
                    .startsWith("failed ").contains("users_email_key").contains("23505");
            assertContent(Set.of(copy));
            assertPlantedCases(Set.of(copy));

            ParityReport parity = new Parity(workspace).compute();
            assertThat(parity.overall()).isEqualTo(ParityStatus.PENDING);
            assertThat(parity.users().failed()).isEqualTo(1);
            assertThat(parity.users().pending()).isEqualTo(1);
            assertThat(parity.entities()).allSatisfy(e -> {
                assertThat(e.usersMismatched()).as(e.entity()).isZero();
                assertThat(e.duplicateKeys()).as(e.entity()).isZero();
                assertThat(e.targetRows()).as(e.entity()).isEqualTo(e.writtenRows());
            });
            assertThat(parity.checks()).allSatisfy(c -> assertThat(c.status()).as(c.name() + ": " + c.detail()).isEqualTo(ParityStatus.OK));
            assertThat(parity.checks()).extracting(CheckParity::name).contains("row count: users", "one user per email (ignoring case)");
        }

        // The live product fixes the email in D1; the user is reviewed again, approved, and applied.
        try (Connection legacy = DriverManager.getConnection("jdbc:sqlite:" + legacyFile());
             PreparedStatement fix = legacy.prepareStatement("update users set email = ? where id = ?")) {
            fix.setString(1, D1Scenario.email(D1Scenario.EMAIL_COPY));
            fix.setString(2, copy);
            assertThat(fix.executeUpdate()).isEqualTo(1);
        }
        try (Workspace workspace = open()) {
            new DryRun(workspace).run(DryRun.Options.single(copy), ProgressListener.NONE, new Cancellation());
            assertThat(findings(workspace)).noneMatch(f -> f.startsWith(copy + " "));
            Approvals approvals = new Approvals(workspace);
            assertThatThrownBy(() -> approvals.approveNext(1, ACTOR)).isInstanceOf(RefusedException.class)
                    .hasMessageContaining("Batch 1 holds 1 user(s) back")
                    .satisfies(e -> assertThat(((RefusedException) e).hints()).containsExactly("backfill approve PLAN --batch 1"));
            assertThat(approvals.approve(1, ACTOR).batches()).containsExactly(1);
            Apply.Result fixed = new Apply(workspace).apply(1, ApplyListener.NONE, new Apply.PauseSignal());
            assertThat(fixed.state()).isEqualTo(BatchState.APPLIED);
            assertThat(fixed.applied()).isEqualTo(1);

            assertContent(Set.of());
            assertPlantedCases(Set.of());
            ParityReport parity = new Parity(workspace).compute();
            assertThat(parity.overall()).isEqualTo(ParityStatus.OK);
            assertThat(parity.checks()).allSatisfy(c -> assertThat(c.status()).as(c.name() + ": " + c.detail()).isEqualTo(ParityStatus.OK));
            assertThat(parity.entities()).allSatisfy(e -> assertThat(e.targetRows()).as(e.entity()).isEqualTo(e.plannedRows()));
        }
    }

    // ---- the planted cases, spelled out ----

    private void assertPlantedCases(Set<String> notMigrated) throws Exception {
        try (Connection target = target()) {
            Map<String, Map<String, String>> ids = TargetRows.idMap(target, PLAN);
            // the user whose id is not a UUID: a new UUID, and every reference to it follows
            String newUser = ids.get("users").get("usr_4");
            assertThat(newUser).matches(TargetRows::isUuid);
            assertThat(query("select email from users where id = '" + newUser + "'")).containsExactly("user4@example.com");
            Map<String, String> legacyOf = Map.of("accounts", "accounts where userId", "user_skills", "user_skills where user_id",
                    "user_achievements", "user_achievements where user_id", "user_progress", "user_wallet where user_id",
                    "user_wallet", "user_wallet where user_id", "habits", "habits where user_id", "habit_logs", "habit_logs where user_id",
                    "goals", "goals where user_id");
            for (Map.Entry<String, String> table : legacyOf.entrySet()) {
                long legacyRows = legacyCount("select count(*) from " + table.getValue() + " = 'usr_4'");
                assertThat(legacyRows).as(table.getKey() + " rows of usr_4 in D1").isPositive();
                assertThat(count("select count(*) from " + table.getKey() + " where user_id = '" + newUser + "'"))
                        .as(table.getKey() + " rows of usr_4").isEqualTo(legacyRows);
            }
            String newHabit = ids.get("habits").get("hab_4_0");
            assertThat(newHabit).matches(TargetRows::isUuid);
            assertThat(count("select count(*) from habit_logs where habit_id = '" + newHabit + "'")).isEqualTo(2);
            // five timestamp formats, one instant each
            for (int u = 1; u <= 5; u++) {
                String legacyText = legacyRows("select created_at from users where id = '" + D1Scenario.userId(u) + "'")
                        .get(0).get("created_at").toString();
                assertThat(legacyText).isEqualTo(D1Scenario.stamp(D1Scenario.created(u), u));
                String id = u == D1Scenario.NON_UUID_USER ? newUser : D1Scenario.userId(u);
                assertThat(query("select " + ts("created_at") + " from users where id = '" + id + "'"))
                        .containsExactly(row(D1Scenario.created(u)));
            }
            // age_verified stored as 2: written as false, the rest of the user as it is
            assertThat(query("select age_verified || ' ' || tos_accepted from users where id = '"
                    + D1Scenario.userId(D1Scenario.BOOLEAN_TWO_USER) + "'")).containsExactly("false true");
            // the orphan log is not migrated; the user's other logs are
            assertThat(count("select count(*) from habit_logs where id = '" + D1Scenario.ORPHAN_LOG + "'")).isZero();
            assertThat(count("select count(*) from habit_logs where user_id = '" + D1Scenario.userId(D1Scenario.ORPHAN_LOG_USER) + "'"))
                    .isEqualTo(4);
            // the email: the owner keeps it; the copy is absent until fixed, then has its own
            assertThat(query("select email from users where id = '" + D1Scenario.userId(D1Scenario.EMAIL_OWNER) + "'"))
                    .containsExactly(D1Scenario.email(D1Scenario.EMAIL_OWNER));
            assertThat(query("select email from users where id = '" + D1Scenario.userId(D1Scenario.EMAIL_COPY) + "'"))
                    .isEqualTo(notMigrated.isEmpty() ? List.of(D1Scenario.email(D1Scenario.EMAIL_COPY)) : List.of());
        }
    }

    // ---- the whole target against rows computed from the SQLite file ----

    private void assertContent(Set<String> notMigrated) throws Exception {
        try (Connection target = target()) {
            assertThat(actualTables(target)).isEqualTo(expectedTables(target, notMigrated));
        }
    }

    private static Map<String, List<String>> actualTables(Connection t) throws Exception {
        Map<String, List<String>> tables = new TreeMap<>();
        tables.put("users", TargetRows.actual(t, "users", "id", "name", "email", ts("email_verified"), "image", "role", "approved",
                "age_verified", "tos_accepted", ts("tos_accepted_at"), ts("last_activity_at"), ts("created_at"), ts("updated_at")));
        tables.put("accounts", TargetRows.actual(t, "accounts", "id", "user_id", "type", "provider", "provider_account_id",
                "access_token", "token_type", "scope", ts("expires_at")));
        tables.put("skill_definitions", TargetRows.actual(t, "skill_definitions", "id", "slug", "name", "category", "max_stars",
                "metadata", ts("created_at")));
        tables.put("achievement_definitions", TargetRows.actual(t, "achievement_definitions", "id", "slug", "title", "description",
                "xp_reward", "secret", "criteria"));
        tables.put("user_skills", TargetRows.actual(t, "user_skills", "id", "user_id", "skill_id", "stars", "xp", ts("unlocked_at")));
        tables.put("user_achievements", TargetRows.actual(t, "user_achievements", "id", "user_id", "achievement_id", ts("earned_at")));
        tables.put("user_progress", TargetRows.actual(t, "user_progress", "user_id", "total_xp", "current_level", "total_skill_stars",
                ts("updated_at")));
        tables.put("user_wallet", TargetRows.actual(t, "user_wallet", "user_id", "coins", ts("updated_at")));
        tables.put("habits", TargetRows.actual(t, "habits", "id", "user_id", "title", "frequency", "schedule", "archived",
                ts("created_at")));
        tables.put("habit_logs", TargetRows.actual(t, "habit_logs", "id", "habit_id", "user_id", "logged_on", "completed", "note",
                ts("created_at")));
        tables.put("goals", TargetRows.actual(t, "goals", "id", "user_id", "title", "target_date", "status", ts("created_at")));
        tables.put("goal_milestones", TargetRows.actual(t, "goal_milestones", "id", "goal_id", "title", "position", "done",
                ts("done_at")));
        return tables;
    }

    /** What the plan says each table must hold, worked out here from the D1 rows with plain Java. */
    private static Map<String, List<String>> expectedTables(Connection t, Set<String> notMigrated) throws Exception {
        Map<String, Map<String, String>> idMap = TargetRows.idMap(t, PLAN);
        Ids ids = new Ids(idMap);
        Map<String, List<String>> tables = new TreeMap<>();

        List<String> users = new ArrayList<>();
        for (Map<String, Object> r : legacyRows("select * from users")) {
            if (notMigrated.contains(text(r.get("id")))) {
                continue;
            }
            users.add(row(ids.of("users", r.get("id")), text(r.get("name")).strip(), text(r.get("email")).strip().toLowerCase(Locale.ROOT),
                    flag(r.get("emailVerified")) ? time(r.get("created_at")) : null, r.get("image"),
                    text(r.get("role")).toLowerCase(Locale.ROOT), flag(r.get("approved")), flag(r.get("age_verified")),
                    flag(r.get("tos_accepted")), time(r.get("tos_accepted_at")), time(r.get("last_activity_at")),
                    time(r.get("created_at")), time(r.get("updated_at"))));
        }
        tables.put("users", TargetRows.sorted(users));

        List<String> accounts = new ArrayList<>();
        for (Map<String, Object> r : legacyRows("select * from accounts")) {
            if (!notMigrated.contains(text(r.get("userId")))) {
                accounts.add(row(ids.of("accounts", r.get("id")), ids.of("users", r.get("userId")), r.get("type"),
                        text(r.get("provider")).toLowerCase(Locale.ROOT), r.get("providerAccountId"), r.get("access_token"),
                        text(r.get("token_type")).toLowerCase(Locale.ROOT), r.get("scope"),
                        Instant.ofEpochSecond(((Number) r.get("expires_at")).longValue())));
            }
        }
        tables.put("accounts", TargetRows.sorted(accounts));

        List<String> skills = new ArrayList<>();
        for (Map<String, Object> r : legacyRows("select * from skill_definitions")) {
            skills.add(row(TargetRows.derived(PLAN, "skill_definitions", text(r.get("id"))), r.get("id"), text(r.get("name")).strip(),
                    text(r.get("category")).toLowerCase(Locale.ROOT), r.get("max_stars"), TargetRows.jsonb(t, text(r.get("metadata"))),
                    time(r.get("created_at"))));
        }
        tables.put("skill_definitions", TargetRows.sorted(skills));

        List<String> achievements = new ArrayList<>();
        for (Map<String, Object> r : legacyRows("select * from achievement_definitions")) {
            achievements.add(row(TargetRows.derived(PLAN, "achievement_definitions", text(r.get("id"))), r.get("id"), r.get("title"),
                    r.get("description"), r.get("xp_reward"), flag(r.get("secret")), TargetRows.jsonb(t, text(r.get("criteria")))));
        }
        tables.put("achievement_definitions", TargetRows.sorted(achievements));

        List<String> userSkills = new ArrayList<>();
        for (Map<String, Object> r : legacyRows("select * from user_skills")) {
            if (!notMigrated.contains(text(r.get("user_id")))) {
                userSkills.add(row(ids.of("user_skills", r.get("id")), ids.of("users", r.get("user_id")),
                        TargetRows.derived(PLAN, "skill_definitions", text(r.get("skill_id"))), r.get("stars"), r.get("xp"),
                        time(r.get("unlocked_at"))));
            }
        }
        tables.put("user_skills", TargetRows.sorted(userSkills));

        List<String> userAchievements = new ArrayList<>();
        for (Map<String, Object> r : legacyRows("select * from user_achievements")) {
            if (!notMigrated.contains(text(r.get("user_id")))) {
                userAchievements.add(row(ids.of("user_achievements", r.get("id")), ids.of("users", r.get("user_id")),
                        TargetRows.derived(PLAN, "achievement_definitions", text(r.get("achievement_id"))), time(r.get("earned_at"))));
            }
        }
        tables.put("user_achievements", TargetRows.sorted(userAchievements));

        List<String> progress = new ArrayList<>();
        List<String> wallet = new ArrayList<>();
        for (Map<String, Object> r : legacyRows("select * from user_wallet")) {
            if (!notMigrated.contains(text(r.get("user_id")))) {
                String user = ids.of("users", r.get("user_id"));
                progress.add(row(user, r.get("xp"), r.get("level"), r.get("total_skill_stars"), time(r.get("updated_at"))));
                wallet.add(row(user, r.get("coins"), time(r.get("updated_at"))));
            }
        }
        tables.put("user_progress", TargetRows.sorted(progress));
        tables.put("user_wallet", TargetRows.sorted(wallet));

        List<String> habits = new ArrayList<>();
        Set<String> habitIds = new HashSet<>();
        for (Map<String, Object> r : legacyRows("select * from habits")) {
            habitIds.add(text(r.get("id")));
            if (!notMigrated.contains(text(r.get("user_id")))) {
                habits.add(row(ids.of("habits", r.get("id")), ids.of("users", r.get("user_id")), text(r.get("title")).strip(),
                        text(r.get("frequency")).toLowerCase(Locale.ROOT), TargetRows.jsonb(t, text(r.get("schedule"))),
                        flag(r.get("archived")), time(r.get("created_at"))));
            }
        }
        tables.put("habits", TargetRows.sorted(habits));

        List<String> logs = new ArrayList<>();
        for (Map<String, Object> r : legacyRows("select * from habit_logs")) {
            // a log whose habit is not in D1 any more is left behind
            if (!notMigrated.contains(text(r.get("user_id"))) && habitIds.contains(text(r.get("habit_id")))) {
                logs.add(row(ids.of("habit_logs", r.get("id")), ids.of("habits", r.get("habit_id")), ids.of("users", r.get("user_id")),
                        LocalDate.parse(text(r.get("logged_on"))), flag(r.get("completed")), r.get("note"), time(r.get("created_at"))));
            }
        }
        tables.put("habit_logs", TargetRows.sorted(logs));

        List<String> goals = new ArrayList<>();
        for (Map<String, Object> r : legacyRows("select * from goals")) {
            if (!notMigrated.contains(text(r.get("user_id")))) {
                String due = text(r.get("target_date"));
                LocalDate date = due.contains("-") ? LocalDate.parse(due) : LocalDate.parse(due, DateTimeFormatter.BASIC_ISO_DATE);
                goals.add(row(ids.of("goals", r.get("id")), ids.of("users", r.get("user_id")), text(r.get("title")).strip(), date,
                        text(r.get("status")).toLowerCase(Locale.ROOT), time(r.get("created_at"))));
            }
        }
        tables.put("goals", TargetRows.sorted(goals));

        List<String> milestones = new ArrayList<>();
        for (Map<String, Object> r : legacyRows("select * from goal_milestones")) {
            if (!notMigrated.contains(text(r.get("user_id")))) {
                milestones.add(row(ids.of("goal_milestones", r.get("id")), ids.of("goals", r.get("goal_id")), r.get("title"),
                        r.get("position"), flag(r.get("done")), time(r.get("done_at"))));
            }
        }
        tables.put("goal_milestones", TargetRows.sorted(milestones));
        return tables;
    }

    /** New ids: a legacy UUID stays; any other legacy id must be in the id map. */
    private record Ids(Map<String, Map<String, String>> map) {
        String of(String entity, Object legacy) {
            String text = text(legacy);
            if (TargetRows.isUuid(text)) {
                return text;
            }
            String mapped = map.getOrDefault(entity, Map.of()).get(text);
            assertThat(mapped).as("id map entry of %s %s", entity, text).isNotNull().matches(TargetRows::isUuid);
            return mapped;
        }
    }

    // ---- reading the legacy file with plain JDBC, and the value rules of the plan ----

    private static List<Map<String, Object>> legacyRows(String sql) throws Exception {
        List<Map<String, Object>> out = new ArrayList<>();
        try (Connection legacy = DriverManager.getConnection("jdbc:sqlite:" + legacyFile());
             Statement statement = legacy.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
            ResultSetMetaData meta = rows.getMetaData();
            while (rows.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    row.put(meta.getColumnLabel(i), rows.getObject(i));
                }
                out.add(row);
            }
        }
        return out;
    }

    private static long legacyCount(String sql) throws Exception {
        return ((Number) legacyRows(sql).get(0).values().iterator().next()).longValue();
    }

    private static String text(Object value) {
        return value == null ? null : value.toString();
    }

    /** INTEGER 1 is true; 0, NULL and anything else (2) are false, as the plan's default says. */
    private static boolean flag(Object value) {
        return value instanceof Number number && number.longValue() == 1;
    }

    /** The five ways D1 holds a timestamp, read as the instant they mean. */
    private static Instant time(Object value) {
        if (value == null) {
            return null;
        }
        String text = value.toString();
        if (text.matches("\\d{10}")) {
            return Instant.ofEpochSecond(Long.parseLong(text));
        }
        if (text.matches("\\d{13}")) {
            return Instant.ofEpochMilli(Long.parseLong(text));
        }
        if (text.endsWith("GMT")) {
            return ZonedDateTime.parse(text, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        }
        if (text.endsWith("Z")) {
            return Instant.parse(text);
        }
        return LocalDateTime.parse(text.replace(' ', 'T')).toInstant(ZoneOffset.UTC);
    }

    // ---- control and target helpers ----

    private static Set<String> findings(Workspace workspace) throws Exception {
        try (Connection connection = workspace.target().getConnection()) {
            return workspace.control().findings().list(FindingFilter.ALL).stream()
                    .map(f -> TargetRows.finding(f.user(), f.entity(), f.kind().name(), f.field(), f.legacyIds()))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private static List<BatchView> batches(Workspace workspace) throws Exception {
        try (Connection connection = workspace.target().getConnection()) {
            return workspace.control().batches().list(connection);
        }
    }

    private static int batchOf(Workspace workspace, String user) throws Exception {
        return Integer.parseInt(query("select batch_no::text from backfill.users where plan = '" + PLAN + "' and user_key = '"
                + user + "'").get(0));
    }

    private static Map<String, List<String>> snapshot() throws Exception {
        try (Connection connection = target()) {
            return Tables.snapshot(connection, "public");
        }
    }

    private static List<String> query(String sql) throws Exception {
        try (Connection connection = target()) {
            return Tables.rows(connection, sql);
        }
    }

    private static long count(String sql) throws Exception {
        try (Connection connection = target()) {
            return Tables.count(connection, sql);
        }
    }
}
