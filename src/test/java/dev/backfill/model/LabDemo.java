package dev.backfill.model;

import dev.backfill.demo.CommunityScenario;
import dev.backfill.demo.PartsScenario;
import dev.backfill.demo.DemoEnvironment;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A demo the operator sequences run on: how it is made small, its tables, how its rows are named,
 * and the edit of its plan file. {@link #PARTS}: rows reference only their own user's rows.
 * {@link #COMMUNITY}: most rows reference other users' rows and wait for them.
 */
record LabDemo(String scenario, Maker create, int users, int batchUsers, String plan, String legacyDb,
               String targetDb, List<Table> tables, List<String> legacyTables, String usersSql, String planEditFrom,
               String planEditTo, String planEditForward, String planEditBack, String doubledKeysSql) {

    /** Creates the demo's databases with this many users and writes its plan file: the file. */
    interface Maker {
        Path create(DemoEnvironment demo, int users) throws Exception;
    }

    /** A target table: its identity (the id, or the natural key, as the ledger keys rows) and the column naming its user. */
    record Table(String name, List<String> key, String userColumn) {
        /** The row's identity as text: the key's values joined by ','. */
        String keyText(String alias) {
            return key.stream().map(k -> alias + "." + k + "::text").collect(Collectors.joining(" || ',' || "));
        }

        /** The SQL condition naming one row by its identity text. */
        String where(String keyText) {
            String[] values = keyText.split(",", -1);
            if (values.length != key.size()) {
                throw new IllegalArgumentException(name + " is keyed by " + key + ", not '" + keyText + "'");
            }
            return key.size() == 1 ? key.get(0) + " = '" + values[0] + "'"
                    : "(" + String.join(", ", key) + ") = ('" + String.join("', '", values) + "')";
        }
    }

    static final LabDemo PARTS = new LabDemo("parts", (demo, users) -> new PartsScenario().create(demo, users), 6, 2, "ifs-prd-backfill", PartsScenario.LEGACY_DB,
            PartsScenario.TARGET_DB,
            List.of(new Table("part_relationships_v2", List.of("id"), "user_id"), new Table("sessions_v2", List.of("id"), "user_id"),
                    new Table("parts_v2", List.of("id"), "user_id")),
            List.of("parts", "sessions", "part_relationships"),
            "select user_id from (select user_id from parts union select user_id from sessions union select user_id from"
                    + " part_relationships) u where user_id is not null order by user_id collate \"C\"",
            "type:          { from: type, default: therapy }", "type:          { from: type, default: session }",
            "sessions.type default: therapy -> default: session", "sessions.type default: session -> default: therapy",
            "select (select count(*) from (select 1 from parts_v2 group by user_id, name having count(*) > 1) a)"
                    + " + (select count(*) from (select 1 from sessions_v2 group by user_id, started_at having count(*) > 1) b)"
                    + " + (select count(*) from (select 1 from part_relationships_v2 group by part_a_id, part_b_id, type"
                    + " having count(*) > 1) c)");

    /**
     * Twelve members in four batches of three, so that every batch holds rows that wait for another, the
     * pair of the first and the last member spans the first and the last batch, and the orphan comment
     * and the reply cycle are planted (the held-back member and the self-follow need 15 and 24 members).
     * The plan edit renames a check: the plan file changes, the rows it plans do not, so the expected
     * rows stay a function of the legacy rows alone. Every natural key of its target is a unique
     * constraint or primary key there, so none can appear twice.
     */
    static final LabDemo COMMUNITY = new LabDemo("community", (demo, users) -> new CommunityScenario().create(demo, users), 12, 3, CommunityScenario.PLAN,
            CommunityScenario.LEGACY_DB, CommunityScenario.TARGET_DB,
            List.of(new Table("likes_v2", List.of("member_id", "post_id"), "member_id"),
                    new Table("follows_v2", List.of("follower_id", "followee_id"), "follower_id"),
                    new Table("comments_v2", List.of("id"), "author_id"), new Table("posts_v2", List.of("id"), "author_id"),
                    new Table("members_v2", List.of("id"), "id")),
            List.of("members", "posts", "comments", "follows", "likes"),
            "select id::text from members order by id::text collate \"C\"",
            "- name: no reply in another post's thread", "- name: no reply outside its own post's thread",
            "check 'no reply in another post's thread' renamed 'no reply outside its own post's thread'",
            "check 'no reply outside its own post's thread' renamed back 'no reply in another post's thread'",
            null);

    boolean community() {
        return this == COMMUNITY;
    }

    /** Children first, for the foreign keys. */
    List<String> deleteOrder() {
        return tables.stream().map(Table::name).toList();
    }

    Table table(String name) {
        return tables.stream().filter(t -> t.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no target table " + name + " in the " + scenario + " demo"));
    }

    /** (table, identity text, user) of every row of the target tables. */
    String presentRowsSql() {
        return tables.stream().map(t -> "select '" + t.name() + "', " + t.keyText("t") + ", t." + t.userColumn() + "::text from "
                + t.name() + " t").collect(Collectors.joining(" union all "));
    }

    /** The plan edit's description, to version 1 or back to version 0. */
    String planEdit(int toVersion) {
        return toVersion == 1 ? planEditForward : planEditBack;
    }
}
