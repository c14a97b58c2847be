package dev.backfill.demo;

import dev.backfill.mapping.FindingKind;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Scenario 2, from a real migration log: one Prisma "Profile" blob per "ContextProfile" merged into
 * one "ProfileNew" per user (arrays unioned, objects deep-merged, scalars first non-null with every
 * disagreement reported) plus one "ContextIntent" per context with only that context's fields.
 */
public final class ProfilesScenario extends PostgresDemoScenario {
    public static final String LEGACY_DB = "profiles_legacy";
    public static final String TARGET_DB = "profiles_app";

    /** The user whose contexts hold no profile data: one context without a Profile row, two with data NULL. */
    public static final int EMPTY_USER = 2;
    /** Two contexts, two locations. */
    public static final int LOCATION_CONFLICT_USER = 4;
    /** Three contexts; the last one says interactionStyle.communication differently. */
    public static final int STYLE_CONFLICT_USER = 5;
    public static final int INTENT_USER = 7;
    public static final int PREFERENCES_USER = 8;
    public static final int DEALBREAKERS_USER = 10;
    public static final String CONFLICTING_LOCATION = "Munich";
    public static final String CONFLICTING_STYLE = "reserved";

    public ProfilesScenario() {
        super("profiles", LEGACY_DB, TARGET_DB);
    }

    @Override
    public String title() {
        return "Profile blobs per context → one merged profile + context intents";
    }

    @Override
    public String description() {
        return "Prisma \"Profile\" JSON blobs, one per \"ContextProfile\", merged into one \"ProfileNew\" per user (arrays unioned,"
                + " objects deep-merged, conflicting scalars reported) and one \"ContextIntent\" per context with only its fields.";
    }

    /** A cuid-like id, as the generator makes it: 'c' and 24 hex digits of md5(text). */
    static String cuid(String text) {
        return "c" + DemoIds.md5Uuid(text).replace("-", "").substring(0, 24);
    }

    /** The "User".id (and so the user key) of user u. */
    public static String user(int u) {
        return cuid("user-" + u);
    }

    /** The "ContextProfile".id of user u's k-th context (0-based, oldest first). */
    public static String context(int u, int k) {
        return cuid("context-" + u + "-" + k);
    }

    public static String profile(int u, int k) {
        return cuid("profile-" + u + "-" + k);
    }

    /** How many contexts the generator gives user u. */
    public static int contexts(int u) {
        return 1 + u % 3;
    }

    @Override
    protected void plant(Connection legacy, Connection target, int users) throws SQLException {
        if (users >= EMPTY_USER) {
            // a context whose Profile was never saved, and two whose blob is NULL
            run(legacy, "delete from \"Profile\" where id = ?", profile(EMPTY_USER, 0));
            run(legacy, "update \"Profile\" set data = null where id in (?, ?)", profile(EMPTY_USER, 1), profile(EMPTY_USER, 2));
        }
        if (users >= LOCATION_CONFLICT_USER) {
            run(legacy, "update \"Profile\" set data = jsonb_set(data, '{location}', to_jsonb(?::text)) where id = ?",
                    CONFLICTING_LOCATION, profile(LOCATION_CONFLICT_USER, 1));
        }
        if (users >= STYLE_CONFLICT_USER) {
            run(legacy, "update \"Profile\" set data = jsonb_set(data, '{interactionStyle,communication}', to_jsonb(?::text)) where id = ?",
                    CONFLICTING_STYLE, profile(STYLE_CONFLICT_USER, 2));
        }
        if (users >= INTENT_USER) {
            run(legacy, "update \"Profile\" set data = data || '{\"intent\": \"long-term partner\"}' where id = ?", profile(INTENT_USER, 0));
        }
        if (users >= PREFERENCES_USER) {
            run(legacy, "update \"Profile\" set data = data || '{\"preferences\": {\"ageMin\": 28, \"ageMax\": 40}}' where id in (?, ?)",
                    profile(PREFERENCES_USER, 0), profile(PREFERENCES_USER, 2));
        }
        if (users >= DEALBREAKERS_USER) {
            run(legacy, "update \"Profile\" set data = data || '{\"dealbreakers\": [\"smoking\", \"long distance\"]}' where id = ?",
                    profile(DEALBREAKERS_USER, 1));
        }
    }

    private static void run(Connection connection, String sql, String... parameters) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                statement.setString(i + 1, parameters[i]);
            }
            statement.executeUpdate();
        }
    }

    private static List<String> allContexts(int u) {
        List<String> ids = new ArrayList<>();
        for (int k = 0; k < contexts(u); k++) {
            ids.add(context(u, k));
        }
        return ids;
    }

    @Override
    public List<PlantedFinding> planted(int users) {
        List<PlantedFinding> planted = new ArrayList<>();
        if (users >= LOCATION_CONFLICT_USER) {
            planted.add(new PlantedFinding(user(LOCATION_CONFLICT_USER), "profile", FindingKind.FIELD_CONFLICT, "location",
                    allContexts(LOCATION_CONFLICT_USER), "two contexts of one user give different locations; the first is kept"));
        }
        if (users >= STYLE_CONFLICT_USER) {
            planted.add(new PlantedFinding(user(STYLE_CONFLICT_USER), "profile", FindingKind.FIELD_CONFLICT,
                    "interactionStyle.communication", allContexts(STYLE_CONFLICT_USER),
                    "the latest context describes the user's communication style differently; the later value wins the deep merge"));
        }
        if (users >= INTENT_USER) {
            planted.add(new PlantedFinding(user(INTENT_USER), "profile", FindingKind.UNMAPPED_FIELD, "data.intent",
                    List.of(context(INTENT_USER, 0)), "a profile blob carries an 'intent' key the new schema has no place for"));
        }
        if (users >= PREFERENCES_USER) {
            planted.add(new PlantedFinding(user(PREFERENCES_USER), "profile", FindingKind.UNMAPPED_FIELD, "data.preferences",
                    List.of(context(PREFERENCES_USER, 0), context(PREFERENCES_USER, 2)),
                    "two profile blobs carry 'preferences' the plan does not read"));
        }
        if (users >= DEALBREAKERS_USER) {
            planted.add(new PlantedFinding(user(DEALBREAKERS_USER), "profile", FindingKind.UNMAPPED_FIELD, "data.dealbreakers",
                    List.of(context(DEALBREAKERS_USER, 1)), "a profile blob carries 'dealbreakers' the plan does not read"));
        }
        return planted;
    }
}
