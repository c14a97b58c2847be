package dev.backfill.demo;

import dev.backfill.mapping.FindingKind;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Scenario 6: a small social app's members, posts, comments (with replies), follows and likes into
 * the v2 tables. Most rows reference another member's rows, so they wait for that member's batch.
 * Planted: a comment on a deleted post and a reply to it, a reply cycle, a member who follows
 * themselves, a member whose email another member already has (held back at apply: every row of
 * others that references them waits until they are fixed and applied), and two members in the
 * first and the last batch who follow, comment on and answer each other.
 *
 * <p>The planted members are chosen by their place in partition order (member ids sorted as text,
 * the order the dry run numbers users and forms batches of 10 in), so that they land in known
 * batches: {@link #member(int, int)}.
 */
public final class CommunityScenario extends PostgresDemoScenario {
    public static final String LEGACY_DB = "community_legacy";
    public static final String TARGET_DB = "community_app";
    public static final String PLAN = "community-backfill";
    /** Members per batch, as the plan says. */
    public static final int BATCH = 10;

    /** Places in partition order (1-based) of the planted members, each planted once there are that many members. */
    public static final int PAIR_FIRST_PLACE = 1;
    public static final int ORPHAN_PLACE = 3;
    public static final int DONOR_PLACE = 5;
    public static final int CYCLE_PLACE = 7;
    public static final int HELD_BACK_PLACE = 15;
    public static final int SELF_FOLLOW_PLACE = 24;
    /** The pair is planted from this many members on, so that its two members are in different batches. */
    public static final int PAIR_MIN_USERS = BATCH + 1;

    /** The post that was deleted from the legacy posts table; a comment still points at it. */
    public static final String DELETED_POST = DemoIds.md5Uuid("deleted-post");
    public static final String ORPHAN_COMMENT = DemoIds.md5Uuid("comment-on-deleted-post");
    public static final String ORPHAN_REPLY = DemoIds.md5Uuid("reply-to-comment-on-deleted-post");
    public static final String CYCLE_X = DemoIds.md5Uuid("cycle-x");
    public static final String CYCLE_Y = DemoIds.md5Uuid("cycle-y");
    /** The pair's comments: the first member's on the last member's post, the last member's answer, and the other way round. */
    public static final String PAIR_FIRST_COMMENT = DemoIds.md5Uuid("pair-first-on-last");
    public static final String PAIR_LAST_ANSWER = DemoIds.md5Uuid("pair-last-answers-first");
    public static final String PAIR_LAST_COMMENT = DemoIds.md5Uuid("pair-last-on-first");
    public static final String PAIR_FIRST_ANSWER = DemoIds.md5Uuid("pair-first-answers-last");

    public CommunityScenario() {
        super("community", LEGACY_DB, TARGET_DB);
    }

    @Override
    public String title() {
        return "Members, posts, comments, follows, likes → v2 tables (rows wait for other members)";
    }

    @Override
    public String description() {
        return "A social app's members, posts, comments with replies, follows and likes into the v2 tables: most rows reference"
                + " another member's rows and wait for that member's batch; orphans, a reply cycle, a self-follow and a member"
                + " held back by a duplicate email planted.";
    }

    /** The id (and user key) of member i, 1-based, as the generator makes it. */
    public static String memberId(int i) {
        return DemoIds.md5Uuid("member-" + i);
    }

    public static String postId(int i, int p) {
        return DemoIds.md5Uuid("post-" + i + "-" + p);
    }

    public static String commentId(int i, int c) {
        return DemoIds.md5Uuid("comment-" + i + "-" + c);
    }

    /** Member numbers 1..users in partition order: ids sorted as text (PostgreSQL's {@code collate "C"}). */
    public static List<Integer> partitionOrder(int users) {
        return IntStream.rangeClosed(1, users).boxed().sorted(Comparator.comparing(CommunityScenario::memberId)).toList();
    }

    /** The member number at a 1-based place in partition order. */
    public static int member(int users, int place) {
        return partitionOrder(users).get(place - 1);
    }

    /** The first member with an email at or after {@link #DONOR_PLACE}: the held-back member is given their email. */
    public static int donor(int users) {
        List<Integer> order = partitionOrder(users);
        for (int place = DONOR_PLACE; place < HELD_BACK_PLACE; place++) {
            if (order.get(place - 1) % 9 != 0) {   // the generator leaves every 9th member without an email
                return order.get(place - 1);
            }
        }
        throw new IllegalStateException("no member with an email before the held-back member");
    }

    @Override
    protected void plant(Connection legacy, Connection target, int users) throws SQLException {
        if (users >= PAIR_MIN_USERS) {
            // the first and the last member in partition order (first and last batch) follow each other, like each other's
            // third post, and each comments on the other's second post and answers the other's comment there
            String first = memberId(member(users, PAIR_FIRST_PLACE));
            String last = memberId(member(users, users));
            int firstNo = member(users, PAIR_FIRST_PLACE);
            int lastNo = member(users, users);
            run(legacy, "insert into follows values (?::uuid, ?::uuid, timestamptz '2024-03-03 10:00:00+00'),"
                    + " (?::uuid, ?::uuid, timestamptz '2024-03-03 10:05:00+00') on conflict do nothing", first, last, last, first);
            run(legacy, "insert into likes values (?::uuid, ?::uuid, timestamptz '2024-03-04 10:00:00+00'),"
                    + " (?::uuid, ?::uuid, timestamptz '2024-03-04 10:05:00+00') on conflict do nothing",
                    first, postId(lastNo, 3), last, postId(firstNo, 3));
            comment(legacy, PAIR_FIRST_COMMENT, postId(lastNo, 2), first, null, "Great ride, see you next weekend?", "2024-03-05 09:00:00");
            comment(legacy, PAIR_LAST_ANSWER, postId(lastNo, 2), last, PAIR_FIRST_COMMENT, "Count me in!", "2024-03-05 09:30:00");
            comment(legacy, PAIR_LAST_COMMENT, postId(firstNo, 2), last, null, "Which flour did you use?", "2024-03-05 10:00:00");
            comment(legacy, PAIR_FIRST_ANSWER, postId(firstNo, 2), first, PAIR_LAST_COMMENT, "Stone-ground rye.", "2024-03-05 10:30:00");
        }
        if (users >= ORPHAN_PLACE) {
            // a comment on a post deleted from the legacy data (no foreign keys there), and the member's own reply to it,
            // which the old app filed under the member's own first post
            int orphan = member(users, ORPHAN_PLACE);
            comment(legacy, ORPHAN_COMMENT, DELETED_POST, memberId(orphan), null, "Nice photos!", "2024-04-01 08:00:00");
            comment(legacy, ORPHAN_REPLY, postId(orphan, 1), memberId(orphan), ORPHAN_COMMENT, "(the post is gone now)",
                    "2024-04-02 08:00:00");
        }
        if (users >= CYCLE_PLACE) {
            // two comments of one member that answer each other: no thread has a start
            int cycle = member(users, CYCLE_PLACE);
            comment(legacy, CYCLE_X, postId(cycle, 3), memberId(cycle), CYCLE_Y, "As I said below.", "2024-04-03 08:00:00");
            comment(legacy, CYCLE_Y, postId(cycle, 3), memberId(cycle), CYCLE_X, "As I said above.", "2024-04-03 08:01:00");
        }
        if (users >= HELD_BACK_PLACE) {
            // a later member (in partition order) typed an earlier member's email, in capitals and with spaces: the same
            // address once trimmed and lower-cased, which members_v2 holds once
            run(legacy, "update members set email = ' ' || upper((select email from members where id = ?::uuid)) || ' '"
                    + " where id = ?::uuid", memberId(donor(users)), memberId(member(users, HELD_BACK_PLACE)));
        }
        if (users >= SELF_FOLLOW_PLACE) {
            String self = memberId(member(users, SELF_FOLLOW_PLACE));
            run(legacy, "insert into follows values (?::uuid, ?::uuid, timestamptz '2024-04-04 08:00:00+00')", self, self);
        }
    }

    private static void comment(Connection legacy, String id, String post, String author, String replyTo, String body, String at)
            throws SQLException {
        try (PreparedStatement statement = legacy.prepareStatement(
                "insert into comments values (?::uuid, ?::uuid, ?::uuid, ?::uuid, ?, ?::timestamptz)")) {
            statement.setString(1, id);
            statement.setString(2, post);
            statement.setString(3, author);
            statement.setString(4, replyTo);
            statement.setString(5, body);
            statement.setString(6, at + "+00");
            statement.executeUpdate();
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

    @Override
    public List<PlantedFinding> planted(int users) {
        List<PlantedFinding> planted = new ArrayList<>();
        if (users >= ORPHAN_PLACE) {
            String orphan = memberId(member(users, ORPHAN_PLACE));
            planted.add(new PlantedFinding(orphan, "comments", FindingKind.ORPHAN_REFERENCE, "post_id", List.of(ORPHAN_COMMENT),
                    "a comment on a post deleted from the legacy data (a true orphan: no member has that post)"));
            planted.add(new PlantedFinding(orphan, "comments", FindingKind.ORPHAN_REFERENCE, "reply_to", List.of(ORPHAN_REPLY),
                    "the same member's reply to that comment, not migrated either"));
        }
        if (users >= CYCLE_PLACE) {
            String cycle = memberId(member(users, CYCLE_PLACE));
            planted.add(new PlantedFinding(cycle, "comments", FindingKind.REFERENCE_CYCLE, "reply_to", List.of(CYCLE_X),
                    "two comments of one member that answer each other (a reply cycle); neither is migrated"));
            planted.add(new PlantedFinding(cycle, "comments", FindingKind.REFERENCE_CYCLE, "reply_to", List.of(CYCLE_Y),
                    "the other comment of the reply cycle"));
        }
        if (users >= HELD_BACK_PLACE) {
            planted.add(new PlantedFinding(memberId(member(users, HELD_BACK_PLACE)), "members", FindingKind.DUPLICATE_KEY, "email",
                    List.of(memberId(member(users, HELD_BACK_PLACE))),
                    "a member with an earlier member's email (in capitals): held back at apply, and every row of other members"
                            + " that references theirs waits until they are fixed and applied"));
        }
        if (users >= SELF_FOLLOW_PLACE) {
            String self = memberId(member(users, SELF_FOLLOW_PLACE));
            planted.add(new PlantedFinding(self, "follows", FindingKind.INVALID_VALUE, "follower_id,followee_id", List.of(self),
                    "a member who follows themselves (follows_v2 checks follower_id <> followee_id)"));
        }
        return planted;
    }
}
