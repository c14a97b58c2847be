package dev.backfill.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.backfill.mapping.FindingKind;
import java.io.BufferedWriter;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Scenario 5: a mongoexport of novel-writing jobs (JSON lines, MongoDB extended JSON) into four
 * normalized PostgreSQL tables. The generator writes the file into the demo folder, one job per line,
 * several jobs per user, with $oid, $date (ISO text and $numberLong milliseconds), $numberLong and
 * $numberDecimal mixed the way a real export mixes them.
 *
 * <p>Planted, when there are enough users: a job without metadata ({@link #NO_METADATA_USER}, no
 * finding: its metrics are zero and its metadata empty), a continuity alert listed twice
 * ({@link #DUPLICATE_ALERT_USER}) and a createdAt that is not a date ({@link #MALFORMED_DATE_USER}).
 */
public final class JobsScenario implements DemoScenario {
    public static final String TARGET_DB = "jobs_app";
    public static final String LEGACY_FILE = "jobs-export.jsonl";
    public static final String PLAN_FILE = "jobs.plan.yaml";
    public static final String PLAN_NAME = "novel-jobs";
    private static final String ROOT = "/dev/backfill/demo/jobs/";

    /** Job 0 of this user has no metadata at all. */
    public static final int NO_METADATA_USER = 3;
    /** Job 1 of this user lists one continuity alert twice. */
    public static final int DUPLICATE_ALERT_USER = 5;
    /** Job 0 of this user has createdAt {"$date": "2024-02-30T10:00:00Z"}. */
    public static final int MALFORMED_DATE_USER = 7;
    public static final String MALFORMED_DATE = "2024-02-30T10:00:00Z";

    static final String[] STATUSES = {"queued", "In Progress", "IN_PROGRESS", "inProgress", "COMPLETED", "completed", "Failed", "done"};
    static final String[] DECISIONS = {"plotTwist", "Introduce Character", "PACING_CHANGE", "cut_scene"};
    static final String[] ENHANCEMENTS = {"dialogue_polish", "Sensory Detail", "pacing", "ForeshadowingHints"};
    private static final String[] TITLES = {"The Salt Road", "Glass Orchard", "Nine Winters", "A Map of Small Fires", "Tidewater",
            "The Quiet Engine", "Low Moon"};
    private static final String[] GENRES = {"Fantasy", "sci-fi", "Literary", "MYSTERY", "romance"};
    private static final String[] MODELS = {"gpt-4o", "claude-3-5-sonnet", "gpt-4o-mini"};
    private static final Instant START = Instant.parse("2024-03-01T08:00:00Z");
    private static final com.fasterxml.jackson.databind.node.JsonNodeFactory NODES = dev.backfill.mapping.Json.NODES;
    private static final ObjectMapper WRITER = new ObjectMapper();

    @Override
    public String name() {
        return "jobs";
    }

    @Override
    public String title() {
        return "MongoDB novel jobs (mongoexport) → normalized tables";
    }

    @Override
    public String description() {
        return "Novel-writing jobs from a mongoexport JSON-lines file into novel_jobs, novel_job_events (two arrays into one"
                + " table), novel_job_metrics and novel_job_metadata: extended JSON, enum spellings normalised, progress derived"
                + " when missing, alerts deduplicated, cost and token totals checked against the legacy documents.";
    }

    @Override
    public String targetScript() {
        return ROOT + "target.sql";
    }

    @Override
    public String targetDatabase() {
        return TARGET_DB;
    }

    @Override
    public Path create(DemoEnvironment environment, int users) throws SQLException, IOException {
        String targetDb = environment.database(TARGET_DB);
        environment.port();
        environment.recreateDatabase(targetDb);
        try (Connection target = environment.connect(targetDb)) {
            DemoEnvironment.runScript(target, ROOT + "target.sql");
        }
        Files.createDirectories(environment.folder());
        Path file = environment.folder().resolve(LEGACY_FILE);
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (int u = 1; u <= users; u++) {
                for (int j = 0; j < jobsOf(u); j++) {
                    out.write(WRITER.writeValueAsString(job(u, j)));
                    out.write('\n');
                }
            }
        }
        return environment.writePlan(ROOT + "plan.yaml", PLAN_FILE, "{ jsonl: " + LEGACY_FILE + " }",
                environment.embedded(targetDb));
    }

    @Override
    public List<PlantedFinding> planted(int users) {
        List<PlantedFinding> planted = new ArrayList<>();
        if (users >= DUPLICATE_ALERT_USER) {
            planted.add(new PlantedFinding(userId(DUPLICATE_ALERT_USER), "job_metadata", FindingKind.DUPLICATE_KEY,
                    "continuity_alerts.id", List.of(jobId(DUPLICATE_ALERT_USER, 1)), "a continuity alert listed twice in one job"));
        }
        if (users >= MALFORMED_DATE_USER) {
            planted.add(new PlantedFinding(userId(MALFORMED_DATE_USER), "jobs", FindingKind.INVALID_VALUE, "created_at",
                    List.of(jobId(MALFORMED_DATE_USER, 0)), "a job whose createdAt is not a date (" + MALFORMED_DATE + ")"));
        }
        return planted;
    }

    // ---- the generator ----

    public static String userId(int u) {
        return DemoIds.md5Uuid("jobs-user-" + u);
    }

    /** A 24-hex-digit ObjectId, deterministic per label. */
    static String oid(String label) {
        return DemoIds.md5Uuid(label).replace("-", "").substring(0, 24);
    }

    public static String jobId(int u, int j) {
        return oid("job-" + u + "-" + j);
    }

    static int jobsOf(int u) {
        return 2 + u % 3;
    }

    private static ObjectNode oidNode(String hex) {
        return NODES.objectNode().put("$oid", hex);
    }

    /** {"$date": "ISO"} (relaxed extended JSON) or {"$date": {"$numberLong": "ms"}} (canonical), alternating. */
    private static ObjectNode date(Instant at, int style) {
        ObjectNode date = NODES.objectNode();
        if (style % 2 == 0) {
            date.put("$date", at.toString());
        } else {
            date.set("$date", NODES.objectNode().put("$numberLong", Long.toString(at.toEpochMilli())));
        }
        return date;
    }

    private static ObjectNode numberLong(long value) {
        return NODES.objectNode().put("$numberLong", Long.toString(value));
    }

    private static ObjectNode job(int u, int j) {
        ObjectNode job = NODES.objectNode();
        job.set("_id", oidNode(jobId(u, j)));
        job.put("userId", userId(u));
        job.put("title", TITLES[(u + j) % TITLES.length] + (j == 1 ? "  " : ""));
        job.put("genre", GENRES[(u + 2 * j) % GENRES.length]);
        String status = STATUSES[(u * 3 + j) % STATUSES.length];
        boolean completed = status.equalsIgnoreCase("completed") || status.equals("done");
        job.put("status", status);
        int chapters = (u + j) % 5;
        int done = completed ? chapters : (u + j) % (chapters + 1);
        ArrayNode list = job.putArray("chapters");
        long words = 0;
        for (int k = 0; k < chapters; k++) {
            long count = 1500L + 137L * ((u * 7 + j * 3 + k) % 11);
            words += count;
            ObjectNode chapter = list.addObject().put("number", k + 1).put("title", "Chapter " + (k + 1))
                    .put("status", k < done ? "completed" : "draft");
            if (k % 2 == 0) {
                chapter.set("words", numberLong(count));
            } else {
                chapter.put("words", count);
            }
        }
        if ((u + j) % 2 == 0) {
            job.put("progress", completed ? 100 : (u * 7 + j * 13) % 100);
        }
        job.set("wordCount", numberLong(words));
        Instant created = START.plus(Duration.ofDays(u).plusHours(j * 5L).plusMillis(u * 13L + j));
        if (u == MALFORMED_DATE_USER && j == 0) {
            job.set("createdAt", NODES.objectNode().put("$date", MALFORMED_DATE));
        } else {
            job.set("createdAt", date(created, u + j));
        }
        job.set("updatedAt", date(created.plus(Duration.ofHours(2)), u + j + 1));
        if (!(u == NO_METADATA_USER && j == 0)) {
            job.set("metadata", metadata(u, j, created));
        }
        return job;
    }

    private static ObjectNode metadata(int u, int j, Instant created) {
        ObjectNode metadata = NODES.objectNode();
        ArrayNode decisions = metadata.putArray("aiDecisions");
        BigDecimal[] confidence = {new BigDecimal("0.55"), new BigDecimal("0.7"), new BigDecimal("0.92")};
        for (int k = 0; k < (u + j) % 3; k++) {
            ObjectNode decision = decisions.addObject();
            decision.set("_id", oidNode(oid("decision-" + u + "-" + j + "-" + k)));
            decision.put("decision", DECISIONS[(u + j + k) % DECISIONS.length]);
            decision.put("model", MODELS[(u + k) % MODELS.length]);
            decision.put("reason", "chapter " + (k + 1) + " needed it");
            decision.put("confidence", confidence[k % confidence.length]);
            decision.set("at", date(created.plus(Duration.ofMinutes(10L * (k + 1))), k));
        }
        ArrayNode enhancements = metadata.putArray("enhancementsApplied");
        for (int k = 0; k < (u + 2 * j) % 3; k++) {
            ObjectNode enhancement = enhancements.addObject();
            enhancement.set("_id", oidNode(oid("enhancement-" + u + "-" + j + "-" + k)));
            enhancement.put("type", ENHANCEMENTS[(u + k) % ENHANCEMENTS.length]);
            enhancement.put("chapter", k + 1);
            if (k == 0) {
                enhancement.put("notes", "applied by the polish pass");
            }
            enhancement.set("appliedAt", date(created.plus(Duration.ofMinutes(45L + k)), k + 1));
        }
        if ((u + j) % 5 != 4) {
            ObjectNode cost = metadata.putObject("costTracking");
            BigDecimal total = new BigDecimal("0.0" + (1000 + 7919L * (u * 5 + j) % 9000) + "37");
            if ((u + j) % 2 == 0) {
                cost.set("totalCost", NODES.objectNode().put("$numberDecimal", total.toPlainString()));
            } else {
                cost.put("totalCost", total);
            }
            cost.set("inputTokens", numberLong(1200L * (u + j + 1)));
            if ((u + j) % 4 != 1) {
                cost.put("outputTokens", 800L * (u + 1) + j);
            }
            cost.put("currency", "USD");
        }
        ArrayNode usage = metadata.putArray("modelUsage");
        for (int k = 0; k < (u + j) % 3; k++) {
            usage.addObject().put("model", MODELS[(u + j + k) % MODELS.length]).put("calls", 1 + (u + k) % 4)
                    .put("tokens", 500L * (k + 1) + u);
        }
        ObjectNode bible = metadata.putObject("storyBible");
        ObjectNode characters = bible.putObject("characters");
        characters.putObject("Zed").put("role", "antagonist").putArray("traits").add("patient").add("vain");
        characters.putObject("Anna").put("role", "protagonist").put("age", 20 + u);
        if (u % 2 == 0) {
            characters.putObject("Mika").put("role", "mentor");
        }
        ObjectNode places = bible.putObject("locations");
        places.putObject("harbor").put("mood", "grey").put("firstChapter", 1);
        places.putObject("archive").put("mood", "dusty");
        bible.putArray("themes").add("memory").add("debt");
        ArrayNode alerts = metadata.putArray("continuityAlerts");
        boolean repeated = u == DUPLICATE_ALERT_USER && j == 1;
        for (int k = 0; k < (repeated ? 2 : (u + j) % 3); k++) {
            alerts.addObject().put("id", "ca-" + u + "-" + j + "-" + k).put("severity", k == 0 ? "high" : "low")
                    .put("message", "Anna's age differs in chapter " + (k + 2)).put("chapter", k + 2);
        }
        if (repeated) {
            // the same alert raised again by a later pass: same id, a newer message
            alerts.addObject().put("id", "ca-" + u + "-" + j + "-0").put("severity", "high")
                    .put("message", "Anna's age differs in chapter 2 (raised again)").put("chapter", 2);
        }
        return metadata;
    }
}
