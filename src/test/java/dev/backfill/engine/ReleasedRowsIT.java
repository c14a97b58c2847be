package dev.backfill.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backfill.control.PendingStore;
import dev.backfill.db.Copy;
import dev.backfill.demo.CommunityScenario;
import dev.backfill.demo.DemoEnvironment;
import dev.backfill.plan.Entity;
import dev.backfill.plan.PlanLoader;
import dev.backfill.testing.Tables;
import dev.backfill.testing.TestPostgres;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Released rows of one entity, some of which the target refuses: the others are written, in one transaction
 * that goes on, and a row that references a refused row is neither written nor counted as refused.
 */
class ReleasedRowsIT {
    private static final String MEMBER = "00000000-0000-4000-8000-00000000000a";
    private static final String POST = "00000000-0000-4000-8000-00000000000b";

    @Test
    void writesWhatTheTargetTakesAndLeavesOutRowsNeedingARefusedOne() throws Exception {
        DemoEnvironment demo = TestPostgres.demo(ReleasedRowsIT.class);
        Entity comments = comments(demo);
        try (Connection target = TestPostgres.connect(demo.database(CommunityScenario.TARGET_DB));
             Statement sql = target.createStatement()) {
            memberAndPost(sql);
            sql.execute("alter table comments_v2 add constraint no_refused_body check (body <> 'refused') not valid");
            String taken = id(6);
            // the live app's comment, holding the id one released row has
            sql.execute("insert into comments_v2 values ('" + taken + "', '" + POST + "', '" + MEMBER + "', null, 'the app''s', now())");

            PendingStore.PendingRow parent = row(comments, 1, null, "refused");         // a CHECK refuses it
            PendingStore.PendingRow child = row(comments, 2, id(1), "answers the refused one");
            PendingStore.PendingRow grandchild = row(comments, 3, id(2), "answers the answer");
            PendingStore.PendingRow alone = row(comments, 4, null, "fine");
            PendingStore.PendingRow answer = row(comments, 5, id(4), "answers the fine one");
            PendingStore.PendingRow clash = row(comments, 6, null, "its id is the app's");   // the primary key refuses it

            target.setAutoCommit(false);
            ReleasedRows.Outcome outcome = ReleasedRows.write(target, comments, List.of(grandchild, child, answer, parent, clash, alone));

            assertThat(outcome.written()).containsExactlyInAnyOrder(alone, answer);
            assertThat(outcome.refused()).containsOnlyKeys(parent, clash);
            assertThat(outcome.refused().get(parent)).contains("23514").contains("no_refused_body").doesNotContain("\n");
            assertThat(outcome.refused().get(clash)).contains("23505").contains("comments_v2_pkey");
            // the transaction goes on, and holds exactly the rows written, with the app's row as it was
            assertThat(Tables.rows(target, "select body from comments_v2 order by body"))
                    .containsExactly("answers the fine one", "fine", "the app's");
            target.rollback();
        }
    }

    /**
     * The server refuses the first row while the client is still sending the 780 kB after it ({@link Copy} sends
     * 32 kB at a time; the driver reports the refusal when the COPY ends): it is still told from a lost connection,
     * the transaction goes on, and the halves written after it take the rest.
     */
    @Test
    void aRefusalArrivingWhileTheCopyIsStillSentLeavesOutThatRowAlone() throws Exception {
        DemoEnvironment demo = TestPostgres.demo(ReleasedRowsIT.class);
        Entity comments = comments(demo);
        try (Connection target = TestPostgres.connect(demo.database(CommunityScenario.TARGET_DB));
             Statement sql = target.createStatement()) {
            memberAndPost(sql);
            // a prefix of this test's own: the other test's rows are not refused by it, whichever runs first
            sql.execute("create function refuse_first() returns trigger language plpgsql as $$ begin"
                    + " if new.body like 'held:%' then raise exception 'refused by the live app''s trigger' using errcode = 'P0001';"
                    + " end if; return new; end $$");
            sql.execute("create trigger refuse_first before insert on comments_v2 for each row execute function refuse_first()");

            List<PendingStore.PendingRow> rows = new ArrayList<>();
            String long20k = "x".repeat(20_000);
            rows.add(row(comments, 101, null, "held: " + long20k));
            for (int n = 102; n <= 140; n++) {
                rows.add(row(comments, n, null, n + " " + long20k));       // about 780 kB after the refused row
            }

            target.setAutoCommit(false);
            ReleasedRows.Outcome outcome = ReleasedRows.write(target, comments, rows);

            assertThat(outcome.refused()).containsOnlyKeys(rows.get(0));
            assertThat(outcome.refused().get(rows.get(0))).contains("P0001").contains("refused by the live app's trigger");
            assertThat(outcome.written()).containsExactlyInAnyOrderElementsOf(rows.subList(1, rows.size()));
            assertThat(Tables.rows(target, "select count(*) from comments_v2 where length(body) > 20000")).containsExactly("39");
            target.commit();
        }
    }

    private static Entity comments(DemoEnvironment demo) throws Exception {
        return PlanLoader.load(new CommunityScenario().create(demo, 2)).requireEntity("comments");
    }

    /** The member and post every comment here belongs to (either test may come first). */
    private static void memberAndPost(Statement sql) throws Exception {
        sql.execute("insert into members_v2 values ('" + MEMBER + "', 'ada', null, null, now()) on conflict do nothing");
        sql.execute("insert into posts_v2 values ('" + POST + "', '" + MEMBER + "', 'a post', null, now()) on conflict do nothing");
    }

    private static String id(int n) {
        return new UUID(0x4000L, 0x8000_0000_0000_0000L | n).toString();
    }

    /** A comment waiting for nothing else but the rows given, as PendingStore would return it. */
    private static PendingStore.PendingRow row(Entity comments, int n, String replyTo, String body) {
        Map<String, Object> values = new java.util.HashMap<>();
        values.put("id", id(n));
        values.put("post_id", POST);
        values.put("author_id", MEMBER);
        values.put("reply_to", replyTo);
        values.put("body", body);
        values.put("created_at", "2026-01-01 00:00:00+00");
        List<Object> line = new ArrayList<>();
        comments.targetColumns().forEach(column -> line.add(values.get(column)));
        List<PendingStore.Ref> refs = new ArrayList<>(List.of(new PendingStore.Ref("posts", POST)));
        if (replyTo != null) {
            refs.add(new PendingStore.Ref("comments", replyTo));
        }
        return new PendingStore.PendingRow(n, "user-" + n, 1, "comments", "comments_v2", 0, "[\"" + id(n) + "\"]", Copy.line(line),
                0, "", PendingStore.State.WAITING, null, refs);
    }
}
