package dev.backfill.demo;

import dev.backfill.mapping.FindingKind;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** Scenario 1: IFS parts, sessions and part relationships into the v2 tables (PostgreSQL to PostgreSQL). */
public final class PartsScenario extends PostgresDemoScenario {
    public static final String LEGACY_DB = "parts_legacy";
    public static final String TARGET_DB = "parts_app";

    public PartsScenario() {
        super("parts", LEGACY_DB, TARGET_DB);
    }

    @Override
    public String title() {
        return "Parts, sessions, relationships → v2 tables";
    }

    @Override
    public String description() {
        return "Legacy parts, sessions and part relationships (PostgreSQL) into parts_v2, sessions_v2 and"
                + " part_relationships_v2: loose fields packed into JSONB, defaults, relationship ids through the id map.";
    }

    /** The same rows as the plan, by the plainest SQL: rows the plan rejects are filtered out so constraints hold. */
    @Override
    public List<ReferenceCopy> referenceCopies() {
        return List.of(
                new ReferenceCopy("parts_v2", "id, user_id, name, category, status, charge, confidence, evidence_count, data,"
                        + " first_noticed, last_active, created_at",
                        "select distinct on (user_id, name) id, user_id::uuid, trim(name), category, status, coalesce(charge, 'neutral'),"
                        + " confidence, evidence_count, jsonb_build_object('age', age, 'role', role, 'triggers', triggers, 'emotions',"
                        + " emotions, 'beliefs', beliefs, 'somatic_markers', somatic_markers, 'visualization', visualization, 'story', story),"
                        + " first_noticed, last_active, created_at from parts where name is not null order by user_id, name, id"),
                new ReferenceCopy("sessions_v2", "id, user_id, started_at, ended_at, summary, breakthroughs, type, metadata, created_at",
                        "select id, user_id::uuid, start_time, end_time, summary, breakthroughs, coalesce(type, 'therapy'),"
                        + " jsonb_build_object('duration', duration), created_at from sessions where start_time is not null"),
                new ReferenceCopy("part_relationships_v2", "id, user_id, part_a_id, part_b_id, type, description, created_at",
                        "select distinct on (least(a, b), greatest(a, b), t) id, user_id, least(a, b), greatest(a, b), t, description, created_at"
                        + " from (select r.id, r.user_id::uuid as user_id, (r.parts->>0)::uuid as a, (r.parts->>1)::uuid as b,"
                        + " case r.type when 'polarized' then 'conflicts' when 'protector-exile' then 'protects' when 'allied' then 'supports' end as t,"
                        + " r.description, r.created_at from part_relationships r) x where t is not null"
                        + " and exists (select 1 from parts p where p.id = x.a and p.name is not null)"
                        + " and exists (select 1 from parts p where p.id = x.b and p.name is not null)"
                        + " order by least(a, b), greatest(a, b), t, id"));
    }

    static String user(int u) {
        return DemoIds.md5Uuid("user-" + u);
    }

    static String part(int u, int p) {
        return DemoIds.md5Uuid("part-" + u + "-" + p);
    }

    static String session(int u, int s) {
        return DemoIds.md5Uuid("session-" + u + "-" + s);
    }

    static String relationship(int u, int r) {
        return DemoIds.md5Uuid("relationship-" + u + "-" + r);
    }

    static final String SWAPPED_RELATIONSHIP = DemoIds.md5Uuid("relationship-11-swapped");
    static final String GHOST_PART = DemoIds.md5Uuid("ghost-part");
    static final String LIVE_PART = DemoIds.md5Uuid("live-part-13");

    @Override
    protected void plant(Connection legacy, Connection target, int users) throws SQLException {
        if (users >= 3) {
            run(legacy, "update parts set name = null where id = ?::uuid", part(3, 4));
        }
        if (users >= 5) {
            run(legacy, "update parts set name = (select name from parts where id = ?::uuid) where id = ?::uuid", part(5, 1), part(5, 4));
        }
        if (users >= 7) {
            run(legacy, "update part_relationships set parts = jsonb_build_array(?, ?) where id = ?::uuid",
                    part(7, 2), GHOST_PART, relationship(7, 2));
        }
        if (users >= 9) {
            run(legacy, "update parts set charge = null where id = ?::uuid", part(9, 1));
        }
        if (users >= 11) {
            run(legacy, "insert into part_relationships select ?::uuid, user_id, jsonb_build_array(parts->1, parts->0), type,"
                    + " 'the same pair, recorded the other way round', created_at from part_relationships where id = ?::uuid",
                    SWAPPED_RELATIONSHIP, relationship(11, 1));
        }
        if (users >= 13) {
            String name = name(13, 4);
            run(target, "insert into parts_v2 (id, user_id, name, charge, created_at) values (?::uuid, ?::uuid, ?, 'neutral', now())",
                    LIVE_PART, user(13), name);
        }
        if (users >= 15) {
            run(legacy, "update part_relationships set type = 'mentor' where id = ?::uuid", relationship(15, 1));
        }
        if (users >= 17) {
            run(legacy, "update sessions set start_time = null where id = ?::uuid", session(17, 2));
        }
    }

    /** The generator's part name for user u, part p (same formula as generate_demo). */
    static String name(int u, int p) {
        String[] names = {"Critic", "Protector", "Exile", "Manager", "Firefighter", "Inner Child", "Perfectionist", "Pleaser"};
        return names[(u + p) % 8];
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
        if (users >= 3) {
            planted.add(new PlantedFinding(user(3), "parts", FindingKind.MISSING_REQUIRED, "name", List.of(part(3, 4)),
                    "a part without a name"));
        }
        if (users >= 5) {
            planted.add(new PlantedFinding(user(5), "parts", FindingKind.DUPLICATE_KEY, "user_id,name", List.of(part(5, 1), part(5, 4)),
                    "two parts with the same name for one user"));
        }
        if (users >= 7) {
            planted.add(new PlantedFinding(user(7), "relationships", FindingKind.ORPHAN_REFERENCE, "part_b_id",
                    List.of(relationship(7, 2)), "a relationship pointing at a part that does not exist"));
        }
        if (users >= 11) {
            planted.add(new PlantedFinding(user(11), "relationships", FindingKind.DUPLICATE_KEY, "part_a_id,part_b_id,type",
                    List.of(relationship(11, 1), SWAPPED_RELATIONSHIP), "one relationship recorded twice, parts swapped"));
        }
        if (users >= 13) {
            planted.add(new PlantedFinding(user(13), "parts", FindingKind.EXISTING_TARGET_ROW, "user_id,name", List.of(part(13, 4)),
                    "the live app already created this part in parts_v2"));
        }
        if (users >= 15) {
            planted.add(new PlantedFinding(user(15), "relationships", FindingKind.INVALID_VALUE, "type", List.of(relationship(15, 1)),
                    "a relationship type the plan does not map"));
        }
        if (users >= 17) {
            planted.add(new PlantedFinding(user(17), "sessions", FindingKind.MISSING_REQUIRED, "started_at", List.of(session(17, 2)),
                    "a session without a start time"));
        }
        return planted;
    }
}
