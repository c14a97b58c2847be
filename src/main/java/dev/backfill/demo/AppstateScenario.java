package dev.backfill.demo;

import dev.backfill.control.DryRunStore;
import dev.backfill.mapping.FindingKind;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Scenario 4: a Supabase-like app saved its whole client state as JSON, several rows per user. The
 * latest row per user is exploded into orgs, personas, contents, accounts, leads, "references" and
 * inbox_items, with the document's per-user ids ("org_1") remapped to new ids.
 */
public final class AppstateScenario extends PostgresDemoScenario {
    public static final String LEGACY_DB = "appstate_legacy";
    public static final String TARGET_DB = "appstate_app";

    /** An older autosave next to the latest state. */
    public static final int ONE_OLDER_ROW_USER = 2;
    /** persona_2's org does not exist; persona_2 has two contents. */
    public static final int MISSING_ORG_USER = 3;
    /** Two older autosaves. */
    public static final int TWO_OLDER_ROWS_USER = 6;
    /** An older autosave whose persona points at a missing org: superseded, so never reported as an orphan. */
    public static final int DIRTY_OLDER_ROW_USER = 8;
    /** inbox_2 comes from a lead that is no longer in the state. */
    public static final int MISSING_LEAD_USER = 9;
    /** The state saved before anyone signed in: user_id ''. */
    public static final String NO_USER_ROW = DemoIds.md5Uuid("state-before-sign-in");

    public AppstateScenario() {
        super("appstate", LEGACY_DB, TARGET_DB);
    }

    @Override
    public String title() {
        return "Saved app state (JSON, several rows per user) → orgs, personas, contents, …";
    }

    @Override
    public String description() {
        return "A Supabase app's user_app_state documents: the latest row per user exploded into orgs, personas, contents,"
                + " accounts, leads, \"references\" and inbox_items, per-user ids like org_1 remapped to new ids.";
    }

    /** The user key (auth user id) of user u. */
    public static String user(int u) {
        return DemoIds.md5Uuid("appuser-" + u);
    }

    /** The id of user u's latest state row. */
    public static String state(int u) {
        return DemoIds.md5Uuid("state-" + u);
    }

    /** The id of user u's older autosave number {@code draft} (1 is the oldest). */
    public static String olderState(int u, int draft) {
        return DemoIds.md5Uuid("state-" + u + "-draft-" + draft);
    }

    @Override
    protected void plant(Connection legacy, Connection target, int users) throws SQLException {
        // saved before sign-in: no user, so no one to migrate it for
        run(legacy, "insert into user_app_state values (?::uuid, '', timestamptz '2025-02-27 08:00:00+00', demo_app_state(0, 0))",
                NO_USER_ROW);
        if (users >= ONE_OLDER_ROW_USER) {
            olderRow(legacy, ONE_OLDER_ROW_USER, 1, "3 days");
        }
        if (users >= MISSING_ORG_USER) {
            // persona_2 points at an org the state does not have, and two contents belong to persona_2
            run(legacy, "update user_app_state set state = jsonb_set(state, '{personas,1,orgId}', '\"org_9\"')"
                    + " || jsonb_build_object('contents', state->'contents' || jsonb_build_array(jsonb_build_object("
                    + "'id', 'content_4', 'personaId', 'persona_2', 'kind', 'thread', 'title', 'A thread nobody will see',"
                    + " 'body', 'Written for the persona whose org was deleted', 'status', 'draft', 'updatedAt', 1738400000000)))"
                    + " where id = ?::uuid", state(MISSING_ORG_USER));
        }
        if (users >= TWO_OLDER_ROWS_USER) {
            olderRow(legacy, TWO_OLDER_ROWS_USER, 1, "10 days");
            olderRow(legacy, TWO_OLDER_ROWS_USER, 2, "1 hour");
        }
        if (users >= DIRTY_OLDER_ROW_USER) {
            olderRow(legacy, DIRTY_OLDER_ROW_USER, 1, "2 days");
            run(legacy, "update user_app_state set state = jsonb_set(state, '{personas,0,orgId}', '\"org_404\"') where id = ?::uuid",
                    olderState(DIRTY_OLDER_ROW_USER, 1));
        }
        if (users >= MISSING_LEAD_USER) {
            run(legacy, "update user_app_state set state = jsonb_set(state, '{inboxItems,1,leadId}', '\"lead_7\"') where id = ?::uuid",
                    state(MISSING_LEAD_USER));
        }
    }

    /** An older autosave of user u, {@code age} before the latest one. */
    private static void olderRow(Connection legacy, int u, int draft, String age) throws SQLException {
        run(legacy, "insert into user_app_state select ?::uuid, user_id, updated_at - ?::interval, demo_app_state(?::int, ?::int)"
                + " from user_app_state where id = ?::uuid", olderState(u, draft), age, String.valueOf(u), String.valueOf(draft), state(u));
    }

    private static void run(Connection connection, String sql, String... parameters) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                statement.setString(i + 1, parameters[i]);
            }
            statement.executeUpdate();
        }
    }

    @Override
    public List<PlantedFinding> planted(int users) {
        List<PlantedFinding> planted = new ArrayList<>();
        if (users >= ONE_OLDER_ROW_USER) {
            planted.add(new PlantedFinding(user(ONE_OLDER_ROW_USER), "orgs", FindingKind.SUPERSEDED_ROW, "updated_at",
                    List.of(olderState(ONE_OLDER_ROW_USER, 1)), "an older autosave next to the latest state"));
        }
        if (users >= MISSING_ORG_USER) {
            planted.add(new PlantedFinding(user(MISSING_ORG_USER), "personas", FindingKind.ORPHAN_REFERENCE, "org_id",
                    List.of("persona_2"), "a persona whose org is missing from the state; the persona is skipped"));
            planted.add(new PlantedFinding(user(MISSING_ORG_USER), "contents", FindingKind.ORPHAN_REFERENCE, "persona_id",
                    List.of("content_2"), "a content of the skipped persona"));
            planted.add(new PlantedFinding(user(MISSING_ORG_USER), "contents", FindingKind.ORPHAN_REFERENCE, "persona_id",
                    List.of("content_4"), "another content of the skipped persona"));
        }
        if (users >= TWO_OLDER_ROWS_USER) {
            planted.add(new PlantedFinding(user(TWO_OLDER_ROWS_USER), "orgs", FindingKind.SUPERSEDED_ROW, "updated_at",
                    List.of(olderState(TWO_OLDER_ROWS_USER, 1), olderState(TWO_OLDER_ROWS_USER, 2)), "two older autosaves"));
        }
        if (users >= DIRTY_OLDER_ROW_USER) {
            planted.add(new PlantedFinding(user(DIRTY_OLDER_ROW_USER), "orgs", FindingKind.SUPERSEDED_ROW, "updated_at",
                    List.of(olderState(DIRTY_OLDER_ROW_USER, 1)),
                    "an older autosave with a persona whose org is missing (superseded, so not an orphan)"));
        }
        if (users >= MISSING_LEAD_USER) {
            planted.add(new PlantedFinding(user(MISSING_LEAD_USER), "inbox_items", FindingKind.ORPHAN_REFERENCE, "lead_id",
                    List.of("inbox_2"), "an inbox item from a lead no longer in the state; kept with lead_id NULL"));
        }
        // last: the demo suggests previewing the first planted finding's user, and this row has none
        planted.add(new PlantedFinding(DryRunStore.NO_USER, "orgs", FindingKind.MISSING_REQUIRED, "user_id",
                List.of(NO_USER_ROW), "a state saved before sign-in has an empty user_id"));
        return planted;
    }
}
