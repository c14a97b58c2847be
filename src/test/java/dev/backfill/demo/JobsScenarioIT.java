package dev.backfill.demo;

import static dev.backfill.demo.TargetRows.row;
import static dev.backfill.demo.TargetRows.ts;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import dev.backfill.engine.Progress;
import dev.backfill.engine.ProgressListener;
import dev.backfill.engine.Rollback;
import dev.backfill.engine.Workspace;
import dev.backfill.parity.CheckParity;
import dev.backfill.parity.Parity;
import dev.backfill.parity.ParityReport;
import dev.backfill.parity.ParityStatus;
import dev.backfill.plan.PlanLoader;
import dev.backfill.testing.Tables;
import dev.backfill.testing.TestPostgres;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Scenario 5 end to end on a real mongoexport JSON-lines file and a real PostgreSQL: the dry run finds
 * exactly the planted cases; batch 1 is paused after its first chunk and resumed by a second apply;
 * batch 2 is applied, rolled back (the target is exactly as before) and applied again; the four
 * target tables hold exactly the rows this test computes from the file by itself; parity is OK with
 * every plan check (counts, cost within 0.01, tokens) passing.
 */
class JobsScenarioIT {
    private static final int USERS = 13;
    private static final String PLAN = JobsScenario.PLAN_NAME;
    private static final JobsScenario SCENARIO = new JobsScenario();
    private static final ObjectMapper JSON = JsonMapper.builder().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .nodeFactory(dev.backfill.mapping.Json.NODES).build();
    /** Every spelling of a status in the file, and the status the new table must hold. */
    private static final Map<String, String> STATUS = Map.of("queued", "queued", "In Progress", "in_progress",
            "IN_PROGRESS", "in_progress", "inProgress", "in_progress", "COMPLETED", "completed", "completed", "completed",
            "Failed", "failed", "done", "completed");
    private static final Map<String, String> EVENT_NAME = Map.of("plotTwist", "plot_twist", "Introduce Character",
            "introduce_character", "PACING_CHANGE", "pacing_change", "cut_scene", "cut_scene", "dialogue_polish", "dialogue_polish",
            "Sensory Detail", "sensory_detail", "pacing", "pacing", "ForeshadowingHints", "foreshadowing_hints");
    private static DemoEnvironment demo;
    private static Workspace workspace;

    @BeforeAll
    static void createDemo() throws Exception {
        demo = TestPostgres.demo(JobsScenarioIT.class);
        workspace = Workspace.open(PlanLoader.load(SCENARIO.create(demo, USERS)), new Secrets(Map.of()));
    }

    @AfterAll
    static void close() {
        workspace.close();
    }

    private static Connection target() throws Exception {
        return TestPostgres.connect(demo.database(JobsScenario.TARGET_DB));
    }

    @Test
    void theMongoJobsReachTheNormalizedTablesExactlyThroughAPauseAResumeAndARollback() throws Exception {
        new DryRun(workspace).run(DryRun.Options.all(), ProgressListener.NONE, new Cancellation());
        assertThat(findings()).isEqualTo(SCENARIO.planted(USERS).stream()
                .map(p -> TargetRows.finding(p.user(), p.entity(), p.kind().name(), p.field(), p.legacyIds()))
                .collect(Collectors.toCollection(TreeSet::new)));
        assertThat(batches()).extracting(BatchView::number, BatchView::users).containsExactly(
                org.assertj.core.groups.Tuple.tuple(1, 10), org.assertj.core.groups.Tuple.tuple(2, 3));
        Approvals approvals = new Approvals(workspace);

        // batch 1: paused after its first chunk of 3 users, then resumed from there by a second apply
        List<String> batch1 = usersOf(1);
        approvals.approve(1, "dba@test");
        Apply.PauseSignal pause = new Apply.PauseSignal();
        ApplyListener pauseAfterFirstUser = new ApplyListener() {
            @Override
            public void onProgress(Progress progress) {
            }

            @Override
            public void onUser(String user, Outcome outcome, int rows, String message) {
                pause.request();
            }
        };
        // one writer: the pause stops after the one chunk being written (several writers stop after theirs)
        Apply.Result paused = new Apply(workspace, 3, 0, 1, Apply.DEFAULT_LEASE_SECONDS).apply(1, pauseAfterFirstUser, pause);
        assertThat(paused.paused()).isTrue();
        assertThat(paused.state()).isEqualTo(BatchState.APPLYING);
        assertThat(paused.applied()).isEqualTo(3);
        assertThat(query("select user_key from backfill.users where plan = '" + PLAN
                + "' and status = 'migrated' order by position")).containsExactlyElementsOf(batch1.subList(0, 3));
        assertContent(Set.copyOf(batch1.subList(0, 3)));

        Apply.Result resumed = new Apply(workspace, 3).apply(1, ApplyListener.NONE, new Apply.PauseSignal());
        assertThat(resumed.paused()).isFalse();
        assertThat(resumed.state()).isEqualTo(BatchState.APPLIED);
        assertThat(resumed.applied()).isEqualTo(7);
        assertContent(Set.copyOf(batch1));

        // batch 2: applied, rolled back to exactly the target before it, applied again
        Map<String, List<String>> before = snapshot();
        approvals.approve(2, "dba@test");
        assertThat(new Apply(workspace).apply(2, ApplyListener.NONE, new Apply.PauseSignal()).state()).isEqualTo(BatchState.APPLIED);
        Map<String, List<String>> after = snapshot();
        assertThat(after).isNotEqualTo(before);
        new Rollback(workspace).run(2, Rollback.DriftChoice.REFUSE, ProgressListener.NONE);
        assertThat(snapshot()).isEqualTo(before);
        approvals.approve(2, "dba@test");
        assertThat(new Apply(workspace).apply(2, ApplyListener.NONE, new Apply.PauseSignal()).state()).isEqualTo(BatchState.APPLIED);
        assertThat(snapshot()).isEqualTo(after);

        Set<String> everyone = new HashSet<>();
        for (int u = 1; u <= USERS; u++) {
            everyone.add(JobsScenario.userId(u));
        }
        assertContent(everyone);
        assertPlantedCases();

        ParityReport parity = new Parity(workspace).compute();
        assertThat(parity.overall()).isEqualTo(ParityStatus.OK);
        assertThat(parity.checks()).allSatisfy(c -> assertThat(c.status()).as(c.name() + ": " + c.detail()).isEqualTo(ParityStatus.OK));
        assertThat(parity.checks()).extracting(CheckParity::name).contains("total cost equals the legacy cost tracking",
                "input tokens equal the legacy cost tracking", "output tokens equal the legacy cost tracking");
        CheckParity cost = parity.checks().stream().filter(c -> c.name().startsWith("total cost")).findFirst().orElseThrow();
        assertThat(cost.expected()).isEqualByComparingTo(legacyTotalCost());
        assertThat(cost.actual().subtract(cost.expected()).abs()).isLessThan(new BigDecimal("0.01"));
        assertThat(parity.entities()).allSatisfy(e -> {
            assertThat(e.usersMismatched()).as(e.entity()).isZero();
            assertThat(e.targetRows()).as(e.entity()).isEqualTo(e.plannedRows()).isEqualTo(e.legacyRows());
        });
    }

    // ---- the planted cases, spelled out ----

    private void assertPlantedCases() throws Exception {
        String bare = TargetRows.derived(PLAN, "jobs", JobsScenario.jobId(JobsScenario.NO_METADATA_USER, 0));
        assertThat(query("select total_cost || ' ' || input_tokens || ' ' || output_tokens || ' ' || model_calls || ' '"
                + " || model_tokens || ' ' || models_used from novel_job_metrics where job_id = '" + bare + "'"))
                .containsExactly("0.0000 0 0 0 0 0");
        assertThat(query("select story_bible::text || ' ' || continuity_alerts::text from novel_job_metadata where job_id = '"
                + bare + "'")).containsExactly("{} []");
        assertThat(query("select count(*)::text from novel_job_events where job_id = '" + bare + "'")).containsExactly("0");

        String repeated = TargetRows.derived(PLAN, "jobs", JobsScenario.jobId(JobsScenario.DUPLICATE_ALERT_USER, 1));
        assertThat(query("select a->>'id' || ': ' || (a->>'message') from novel_job_metadata m,"
                + " jsonb_array_elements(m.continuity_alerts) a where m.job_id = '" + repeated + "'"))
                .containsExactly("ca-5-1-0: Anna's age differs in chapter 2", "ca-5-1-1: Anna's age differs in chapter 3");

        String malformed = TargetRows.derived(PLAN, "jobs", JobsScenario.jobId(JobsScenario.MALFORMED_DATE_USER, 0));
        assertThat(query("select (created_at = updated_at)::text from novel_jobs where id = '" + malformed + "'")).containsExactly("true");

        // the story bible's maps are plain objects with every key, whatever order the document had
        assertThat(query("select jsonb_object_keys(story_bible->'characters') from novel_job_metadata where job_id = '"
                + TargetRows.derived(PLAN, "jobs", JobsScenario.jobId(2, 0)) + "' order by 1")).containsExactly("Anna", "Mika", "Zed");
    }

    // ---- the target against rows computed from the JSON-lines file ----

    private void assertContent(Set<String> migratedUsers) throws Exception {
        try (Connection t = target()) {
            Map<String, List<String>> actual = new TreeMap<>();
            actual.put("novel_jobs", TargetRows.actual(t, "novel_jobs", "id", "mongo_id", "user_id", "title", "genre", "status",
                    "progress", "chapters_total", "chapters_completed", "word_count", ts("created_at"), ts("updated_at")));
            actual.put("novel_job_events", TargetRows.actual(t, "novel_job_events", "id", "job_id", "user_id", "kind", "name",
                    ts("occurred_at"), "detail"));
            actual.put("novel_job_metrics", TargetRows.actual(t, "novel_job_metrics", "job_id", "user_id", "total_cost",
                    "input_tokens", "output_tokens", "model_calls", "model_tokens", "models_used"));
            actual.put("novel_job_metadata", TargetRows.actual(t, "novel_job_metadata", "job_id", "story_bible", "continuity_alerts"));
            assertThat(actual).isEqualTo(expected(t, migratedUsers));
        }
    }

    /** What the plan says the four tables must hold for these users, worked out from the file with plain Java. */
    private static Map<String, List<String>> expected(Connection t, Set<String> users) throws Exception {
        List<String> jobs = new ArrayList<>();
        List<String> events = new ArrayList<>();
        List<String> metrics = new ArrayList<>();
        List<String> metadata = new ArrayList<>();
        for (JsonNode job : legacyJobs()) {
            String user = job.get("userId").asText();
            if (!users.contains(user)) {
                continue;
            }
            String oid = job.get("_id").asText();
            String id = TargetRows.derived(PLAN, "jobs", oid);
            JsonNode chapters = job.path("chapters");
            int total = chapters.size();
            int completed = 0;
            for (JsonNode chapter : chapters) {
                completed += chapter.get("status").asText().equals("completed") ? 1 : 0;
            }
            long progress = job.has("progress") ? job.get("progress").asLong()
                    : total == 0 ? 0 : (200L * completed + total) / (2L * total); // rounded half up
            String status = STATUS.get(job.get("status").asText());
            assertThat(status).as("status %s", job.get("status")).isNotNull();
            Instant updated = Instant.parse(job.get("updatedAt").asText());
            jobs.add(row(id, oid, user, job.get("title").asText().strip(), job.get("genre").asText().toLowerCase(java.util.Locale.ROOT),
                    status, progress, total, completed, job.get("wordCount").asLong(), instantOr(job.get("createdAt").asText(), updated),
                    updated));

            JsonNode meta = job.path("metadata");
            for (JsonNode decision : meta.path("aiDecisions")) {
                ObjectNode detail = JSON.createObjectNode();
                detail.set("model", decision.get("model"));
                detail.set("reason", decision.get("reason"));
                detail.set("confidence", decision.get("confidence"));
                events.add(row(TargetRows.derived(PLAN, "ai_decisions", decision.get("_id").asText()), id, user, "ai_decision",
                        EVENT_NAME.get(decision.get("decision").asText()), Instant.parse(decision.get("at").asText()),
                        TargetRows.jsonb(t, detail.toString())));
            }
            for (JsonNode enhancement : meta.path("enhancementsApplied")) {
                ObjectNode detail = JSON.createObjectNode();
                detail.set("chapter", enhancement.get("chapter"));
                if (enhancement.has("notes")) {
                    detail.set("notes", enhancement.get("notes"));
                }
                events.add(row(TargetRows.derived(PLAN, "enhancements", enhancement.get("_id").asText()), id, user, "enhancement",
                        EVENT_NAME.get(enhancement.get("type").asText()), Instant.parse(enhancement.get("appliedAt").asText()),
                        TargetRows.jsonb(t, detail.toString())));
            }

            JsonNode cost = meta.path("costTracking");
            long calls = 0;
            long tokens = 0;
            for (JsonNode usage : meta.path("modelUsage")) {
                calls += usage.get("calls").asLong();
                tokens += usage.get("tokens").asLong();
            }
            metrics.add(row(id, user, (cost.has("totalCost") ? cost.get("totalCost").decimalValue() : BigDecimal.ZERO)
                            .setScale(4, RoundingMode.HALF_UP).toPlainString(),
                    cost.path("inputTokens").asLong(0), cost.path("outputTokens").asLong(0), calls, tokens, meta.path("modelUsage").size()));

            ArrayNode alerts = JSON.createArrayNode();
            Set<String> seen = new HashSet<>();
            for (JsonNode alert : meta.path("continuityAlerts")) {
                if (seen.add(alert.get("id").asText())) {
                    alerts.add(alert);
                }
            }
            metadata.add(row(id, TargetRows.jsonb(t, meta.has("storyBible") ? meta.get("storyBible").toString() : "{}"),
                    TargetRows.jsonb(t, alerts.toString())));
        }
        Map<String, List<String>> tables = new TreeMap<>();
        tables.put("novel_jobs", TargetRows.sorted(jobs));
        tables.put("novel_job_events", TargetRows.sorted(events));
        tables.put("novel_job_metrics", TargetRows.sorted(metrics));
        tables.put("novel_job_metadata", TargetRows.sorted(metadata));
        return tables;
    }

    private static Instant instantOr(String text, Instant otherwise) {
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException notADate) {
            return otherwise;
        }
    }

    private static BigDecimal legacyTotalCost() throws Exception {
        BigDecimal total = BigDecimal.ZERO;
        for (JsonNode job : legacyJobs()) {
            JsonNode cost = job.path("metadata").path("costTracking").path("totalCost");
            total = cost.isMissingNode() ? total : total.add(cost.decimalValue());
        }
        return total;
    }

    /** The file's documents with MongoDB's extended JSON written plainly ($oid text, $date ISO text, numbers). */
    private static List<JsonNode> legacyJobs() throws Exception {
        List<JsonNode> jobs = new ArrayList<>();
        for (String line : Files.readAllLines(demo.folder().resolve(JobsScenario.LEGACY_FILE), StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                jobs.add(plain(JSON.readTree(line)));
            }
        }
        return jobs;
    }

    private static JsonNode plain(JsonNode node) {
        if (node.isObject() && node.size() == 1) {
            String key = node.fieldNames().next();
            JsonNode value = node.get(key);
            switch (key) {
                case "$oid":
                    return value;
                case "$date":
                    return value.isTextual() ? value
                            : JSON.getNodeFactory().textNode(Instant.ofEpochMilli(Long.parseLong(value.get("$numberLong").asText())).toString());
                case "$numberLong":
                    return JSON.getNodeFactory().numberNode(Long.parseLong(value.asText()));
                case "$numberDecimal":
                    return JSON.getNodeFactory().numberNode(new BigDecimal(value.asText()));
                default:
                    break;
            }
        }
        if (node.isObject()) {
            ObjectNode out = JSON.createObjectNode();
            node.properties().iterator().forEachRemaining(e -> out.set(e.getKey(), plain(e.getValue())));
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = JSON.createArrayNode();
            node.forEach(item -> out.add(plain(item)));
            return out;
        }
        return node;
    }

    // ---- control and target helpers ----

    private static Set<String> findings() throws Exception {
        try (Connection connection = workspace.target().getConnection()) {
            return workspace.control().findings().list(FindingFilter.ALL).stream()
                    .map(f -> TargetRows.finding(f.user(), f.entity(), f.kind().name(), f.field(), f.legacyIds()))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private static List<BatchView> batches() throws Exception {
        try (Connection connection = workspace.target().getConnection()) {
            return workspace.control().batches().list(connection);
        }
    }

    private static List<String> usersOf(int batch) throws Exception {
        return query("select user_key from backfill.users where plan = '" + PLAN + "' and batch_no = " + batch
                + " order by position");
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
}
