package dev.backfill.demo;

import dev.backfill.mapping.FindingKind;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Scenario 3: a Cloudflare D1 database (a SQLite file) reconciled into PostgreSQL. The generator
 * writes the SQLite file with sqlite-jdbc into the demo folder; the target is a database on the
 * embedded PostgreSQL. Timestamps are written in five formats in turn, flags as INTEGER 0/1, JSON as TEXT.
 *
 * <p>Planted, when there are enough users: a user whose id is not a UUID ({@link #NON_UUID_USER},
 * with a habit whose id is not one either), two users with one email in different spellings
 * ({@link #EMAIL_OWNER} and {@link #EMAIL_COPY}), an INTEGER boolean stored as 2
 * ({@link #BOOLEAN_TWO_USER}) and a habit log whose habit was deleted ({@link #ORPHAN_LOG_USER}).
 */
public final class D1Scenario implements DemoScenario {
    public static final String TARGET_DB = "d1_app";
    public static final String LEGACY_FILE = "d1-legacy.sqlite";
    public static final String PLAN_FILE = "d1.plan.yaml";
    public static final String PLAN_NAME = "d1-reconcile";
    private static final String ROOT = "/dev/backfill/demo/d1/";

    /** Its id is 'usr_4', and its first habit's id 'hab_4_0': both get new UUIDs, every reference follows. */
    public static final int NON_UUID_USER = 4;
    /**
     * {@link #EMAIL_COPY}'s D1 row holds this user's email again, in other case and with spaces. The owner's id
     * comes first in partition order, so the owner keeps the email and the copy is the user reported (and failing).
     */
    public static final int EMAIL_OWNER = 8;
    public static final int EMAIL_COPY = 6;
    /** age_verified = 2: neither 0 nor 1. */
    public static final int BOOLEAN_TWO_USER = 10;
    /** Has a habit log whose habit no longer exists. */
    public static final int ORPHAN_LOG_USER = 12;
    public static final String ORPHAN_LOG = DemoIds.md5Uuid("d1-log-orphan");
    public static final String DELETED_HABIT = DemoIds.md5Uuid("d1-habit-deleted");

    public static final String[] SKILLS = {"focus", "fitness", "creativity", "discipline", "mindfulness"};
    public static final String[] ACHIEVEMENTS = {"first_habit", "week_streak", "goal_getter", "night_owl"};
    static final String[] HABITS = {"Morning run", "Read 20 pages", "Meditate", "Drink water", "Journal", "Stretch"};
    static final String[] GOALS = {"Run a 10k", "Read 12 books", "Learn Spanish", "Save for a bike", "Sleep by 11"};
    private static final String[] FIRST = {"Ada", "Ben", "Chloe", "Dev", "Emma", "Farid", "Grace", "Hugo", "Ines", "Jonas"};
    private static final String[] LAST = {"Novak", "Okafor", "Silva", "Tanaka", "Weber", "Young", "Zhou"};
    private static final Instant START = Instant.parse("2024-01-01T00:00:00Z");
    private static final DateTimeFormatter ISO_MILLIS =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter SQLITE =
            DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss", Locale.ROOT).withZone(ZoneOffset.UTC);

    @Override
    public String name() {
        return "d1";
    }

    @Override
    public String title() {
        return "Cloudflare D1 (SQLite) → PostgreSQL reconciliation";
    }

    @Override
    public String description() {
        return "A D1 export (SQLite file) into typed PostgreSQL tables: UUID text ids kept and the others replaced through"
                + " the id map, INTEGER 0/1 flags to booleans, TEXT timestamps in mixed formats to timestamptz, JSON text to"
                + " jsonb, catalogs migrated once, a wallet split in two, orphans left behind, sessions deliberately skipped.";
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
        for (String suffix : new String[] {"", "-journal", "-wal", "-shm"}) {
            Files.deleteIfExists(Path.of(file + suffix));
        }
        try (Connection legacy = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath())) {
            try (Statement statement = legacy.createStatement()) {
                for (String ddl : script(ROOT + "legacy.sql")) {
                    statement.executeUpdate(ddl);
                }
            }
            dev.backfill.db.Transactions.inTransaction(legacy, connection -> {
                new Writer(connection).generate(users);
                return null;
            });
        }
        return environment.writePlan(ROOT + "plan.yaml", PLAN_FILE, "{ sqlite: " + LEGACY_FILE + " }",
                environment.embedded(targetDb));
    }

    @Override
    public List<PlantedFinding> planted(int users) {
        List<PlantedFinding> planted = new ArrayList<>();
        if (users >= Math.max(EMAIL_OWNER, EMAIL_COPY)) {
            // the dry run reports every user after the first in partition (user id) order
            String later = userId(EMAIL_OWNER).compareTo(userId(EMAIL_COPY)) > 0 ? userId(EMAIL_OWNER) : userId(EMAIL_COPY);
            planted.add(new PlantedFinding(later, "users", FindingKind.DUPLICATE_KEY, "email", List.of(later),
                    "two D1 users with one email, spelled differently (" + email(EMAIL_OWNER) + ")"));
        }
        if (users >= BOOLEAN_TWO_USER) {
            planted.add(new PlantedFinding(userId(BOOLEAN_TWO_USER), "users", FindingKind.INVALID_VALUE, "age_verified",
                    List.of(userId(BOOLEAN_TWO_USER)), "an INTEGER boolean stored as 2"));
        }
        if (users >= ORPHAN_LOG_USER) {
            planted.add(new PlantedFinding(userId(ORPHAN_LOG_USER), "habit_logs", FindingKind.ORPHAN_REFERENCE, "habit_id",
                    List.of(ORPHAN_LOG), "a habit log whose habit was deleted"));
        }
        return planted;
    }

    // ---- the generator's values (tests compute their expectations from the file, not from these) ----

    public static String userId(int u) {
        return u == NON_UUID_USER ? "usr_" + u : DemoIds.md5Uuid("d1-user-" + u);
    }

    /** The email as the new schema should hold it (lower case, trimmed). */
    public static String email(int u) {
        return "user" + u + "@example.com";
    }

    public static String habitId(int u, int h) {
        return u == NON_UUID_USER && h == 0 ? "hab_" + u + "_" + h : DemoIds.md5Uuid("d1-habit-" + u + "-" + h);
    }

    static Instant created(int u) {
        return START.plus(Duration.ofDays(u).plusMinutes(37L * u));
    }

    /**
     * A timestamp as one of the five ways the app's code wrote them over the years: JavaScript's
     * toISOString(), SQLite's datetime(), epoch seconds, Date.now() milliseconds, toUTCString().
     */
    public static String stamp(Instant at, int style) {
        return switch (Math.floorMod(style, 5)) {
            case 0 -> ISO_MILLIS.format(at);
            case 1 -> SQLITE.format(at);
            case 2 -> Long.toString(at.getEpochSecond());
            case 3 -> Long.toString(at.toEpochMilli());
            default -> DateTimeFormatter.RFC_1123_DATE_TIME.format(at.atOffset(ZoneOffset.UTC));
        };
    }

    /** Writes the rows; statements are prepared once per table. */
    private static final class Writer {
        private final Connection connection;
        private final Map<String, PreparedStatement> statements = new HashMap<>();

        Writer(Connection connection) {
            this.connection = connection;
        }

        void generate(int users) throws SQLException {
            catalogs();
            for (int u = 1; u <= users; u++) {
                user(u);
            }
            for (PreparedStatement statement : statements.values()) {
                statement.close();
            }
        }

        private void catalogs() throws SQLException {
            String[] categories = {"Mind", "Body", "Mind", "Habits", "MIND"};
            String[] icons = {"target", "dumbbell", "palette", "calendar-check", "lotus"};
            for (int s = 0; s < SKILLS.length; s++) {
                insert("skill_definitions", "id, name, category, max_stars, metadata, created_at", SKILLS[s],
                        Character.toUpperCase(SKILLS[s].charAt(0)) + SKILLS[s].substring(1) + (s == 2 ? " " : ""),
                        categories[s], 5, "{\"icon\":\"" + icons[s] + "\",\"color\":\"#" + (s + 1) + "0a0f0\",\"order\":" + s + "}",
                        stamp(START.minus(Duration.ofDays(30 - s)), s));
            }
            String[] titles = {"First habit", "Seven-day streak", "Goal getter", "Night owl"};
            int[] rewards = {50, 200, 500, 75};
            String[] criteria = {"{\"type\":\"habit_logs\",\"count\":1}", "{\"type\":\"streak\",\"days\":7}",
                    "{\"type\":\"goals_completed\",\"count\":1}", "{\"type\":\"log_after\",\"hour\":23}"};
            for (int a = 0; a < ACHIEVEMENTS.length; a++) {
                insert("achievement_definitions", "id, title, description, xp_reward, secret, criteria", ACHIEVEMENTS[a],
                        titles[a], a == 3 ? null : "Earned for: " + titles[a].toLowerCase(Locale.ROOT), rewards[a], a == 3 ? 1 : 0,
                        criteria[a]);
            }
        }

        private void user(int u) throws SQLException {
            String id = userId(u);
            Instant created = created(u);
            String name = FIRST[u % FIRST.length] + " " + LAST[(u * 3) % LAST.length];
            String email = u % 4 == 3 ? "User" + u + "@Example.com" : email(u);
            if (u == EMAIL_COPY) {
                email = "  User" + EMAIL_OWNER + "@EXAMPLE.com ";
            }
            boolean tos = u % 6 != 0;
            insert("users", "id, name, email, emailVerified, image, role, approved, age_verified, tos_accepted, tos_accepted_at,"
                            + " last_activity_at, created_at, updated_at",
                    id, u % 5 == 2 ? "  " + name + " " : name, email, u % 3 == 0 ? 0 : 1,
                    u % 2 == 0 ? "https://cdn.example.com/avatars/" + u + ".png" : null,
                    u == 1 ? "Admin" : u % 7 == 0 ? "moderator" : "user",
                    u % 5 == 0 ? 0 : 1,
                    u == BOOLEAN_TWO_USER ? 2 : u % 4 == 1 ? 0 : 1,
                    tos ? 1 : 0,
                    tos ? stamp(created.plus(Duration.ofHours(2)), u + 3) : null,
                    u % 9 == 0 ? null : stamp(created.plus(Duration.ofDays(20).plusHours(u)), u + 2),
                    stamp(created, u),
                    stamp(created.plus(Duration.ofDays(10)), u + 1));
            for (int k = 0; k <= (u % 3 == 0 ? 1 : 0); k++) {
                insert("accounts", "id, userId, type, provider, providerAccountId, access_token, token_type, scope, expires_at",
                        DemoIds.md5Uuid("d1-account-" + u + "-" + k), id, "oauth", k == 0 ? "google" : "GitHub",
                        (k == 0 ? "g-" : "gh-") + (100000 + u), "tok-" + u + "-" + k, k == 0 ? "Bearer" : "bearer",
                        k == 0 ? "openid email profile" : "read:user user:email",
                        created.plus(Duration.ofHours(1 + k)).getEpochSecond());
            }
            for (int s = 0; s <= u % 2; s++) {
                insert("sessions", "id, sessionToken, userId, expires", DemoIds.md5Uuid("d1-session-" + u + "-" + s),
                        "st-" + u + "-" + s, id, stamp(created.plus(Duration.ofDays(30 + s)), s));
            }
            int stars = 0;
            for (int k = 0; k <= u % 3; k++) {
                int skillStars = (u + k) % 6;
                stars += skillStars;
                insert("user_skills", "id, user_id, skill_id, stars, xp, unlocked_at", DemoIds.md5Uuid("d1-uskill-" + u + "-" + k),
                        id, SKILLS[(u + k) % SKILLS.length], skillStars, 50 * (u + k),
                        stamp(created.plus(Duration.ofDays(k + 1)), u + k));
            }
            for (int k = 0; k < 2; k++) {
                if ((k == 0 && u % 2 == 0) || (k == 1 && u % 4 == 0)) {
                    insert("user_achievements", "id, user_id, achievement_id, earned_at", DemoIds.md5Uuid("d1-uach-" + u + "-" + k),
                            id, ACHIEVEMENTS[k], stamp(created.plus(Duration.ofDays(3 + k)), u + k + 1));
                }
            }
            insert("user_wallet", "user_id, xp, level, coins, total_skill_stars, updated_at", id, 250 * u, 1 + u / 3, 10 * u + 5,
                    stars, stamp(created.plus(Duration.ofDays(15)), u + 4));
            for (int h = 0; h < 2; h++) {
                String habit = habitId(u, h);
                insert("habits", "id, user_id, title, frequency, schedule, archived, created_at", habit, id,
                        HABITS[(u + h) % HABITS.length] + (u % 4 == 1 && h == 1 ? " " : ""),
                        h == 0 ? "daily" : u % 2 == 0 ? "Weekly" : "weekly",
                        h == 0 ? "{\"days\":[\"mon\",\"tue\",\"wed\",\"thu\",\"fri\"],\"reminder\":\"07:" + (10 + u % 50) + "\"}"
                                : "{\"days\":[\"sat\"],\"reminder\":null}",
                        u % 5 == 4 && h == 1 ? 1 : 0, stamp(created.plus(Duration.ofDays(1 + h)), u + h));
                for (int l = 0; l < 2; l++) {
                    LocalDate day = created.atOffset(ZoneOffset.UTC).toLocalDate().plusDays(2 + l + 7L * h);
                    insert("habit_logs", "id, habit_id, user_id, logged_on, completed, note, created_at",
                            DemoIds.md5Uuid("d1-log-" + u + "-" + h + "-" + l), habit, id, day.toString(), (u + h + l) % 3 != 0 ? 1 : 0,
                            l == 0 ? "felt good" : null, stamp(day.atTime(20, 0).toInstant(ZoneOffset.UTC), u + h + l));
                }
            }
            if (u == ORPHAN_LOG_USER) {
                LocalDate day = created.atOffset(ZoneOffset.UTC).toLocalDate().plusDays(1);
                insert("habit_logs", "id, habit_id, user_id, logged_on, completed, note, created_at", ORPHAN_LOG, DELETED_HABIT, id,
                        day.toString(), 1, "the habit was deleted, this log was not", stamp(day.atTime(8, 0).toInstant(ZoneOffset.UTC), 0));
            }
            for (int g = 0; g <= (u % 4 == 3 ? 1 : 0); g++) {
                String goal = DemoIds.md5Uuid("d1-goal-" + u + "-" + g);
                LocalDate due = created.atOffset(ZoneOffset.UTC).toLocalDate().plusDays(90 + 30L * g);
                insert("goals", "id, user_id, title, target_date, status, created_at", goal, id, GOALS[(u + g) % GOALS.length],
                        u % 2 == 0 ? due.toString() : due.format(DateTimeFormatter.BASIC_ISO_DATE),
                        g == 1 ? "ACTIVE" : u % 3 == 0 ? "Completed" : "active",
                        stamp(created.plus(Duration.ofDays(5)), u + g + 2));
                for (int m = 0; m < 2; m++) {
                    boolean done = m == 0;
                    insert("goal_milestones", "id, goal_id, user_id, title, position, done, done_at",
                            DemoIds.md5Uuid("d1-milestone-" + u + "-" + g + "-" + m), goal, id, "Step " + (m + 1), m + 1, done ? 1 : 0,
                            done ? stamp(created.plus(Duration.ofDays(30 + g)), u + m) : null);
                }
            }
        }

        private void insert(String table, String columns, Object... values) throws SQLException {
            PreparedStatement statement = statements.get(table + "|" + columns);
            if (statement == null) {
                statement = connection.prepareStatement("insert into " + table + " (" + columns + ") values ("
                        + String.join(", ", java.util.Collections.nCopies(values.length, "?")) + ")");
                statements.put(table + "|" + columns, statement);
            }
            for (int i = 0; i < values.length; i++) {
                statement.setObject(i + 1, values[i]);
            }
            statement.executeUpdate();
        }
    }

    /** The statements of a SQL script on the classpath, split at semicolons that end a line. */
    private static List<String> script(String resource) throws IOException {
        try (InputStream in = D1Scenario.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("demo script " + resource + " is missing from the build");
            }
            List<String> statements = new ArrayList<>();
            StringBuilder current = new StringBuilder();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.strip().startsWith("--")) {
                    continue;
                }
                current.append(line).append('\n');
                if (line.strip().endsWith(";")) {
                    statements.add(current.toString().strip());
                    current.setLength(0);
                }
            }
            if (!current.toString().isBlank()) {
                statements.add(current.toString().strip());
            }
            return statements;
        }
    }
}
