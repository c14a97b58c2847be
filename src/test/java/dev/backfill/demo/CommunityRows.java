package dev.backfill.demo;

import java.util.Collection;
import java.util.stream.Collectors;

/**
 * What the community demo's target must hold, in plain SQL over the legacy tables alone (run on the
 * legacy database): for any set S of migrated members, the rows S's members can have, and the rows of
 * S that wait for members not in S. Shared by {@link CommunityScenarioIT} and the model-based operator
 * test, so that both hold the engine to one definition.
 *
 * <p>S's members and posts; S's comments reachable from a top-level comment through replies, each on an
 * existing post of a member of S (so orphans, reply cycles and everything under them are never written,
 * and a comment waits while its post or the comment it answers is not written); S's follows of other
 * members of S (never oneself); S's likes of existing posts of members of S. The rows that wait are the
 * rows of S that would be written if every member were migrated, minus those.
 */
public final class CommunityRows {
    private CommunityRows() {}

    /**
     * Every row the target should hold when exactly these members are migrated, as a subquery of
     * (entity, user_key, key, row): {@code key} the row's identity as the ledger keys it (the id, or the
     * natural key's values joined by ','), {@code row} the row as jsonb text, as {@code to_jsonb} of the
     * target row prints it (in UTC).
     */
    public static String migratedRows(Collection<String> members) {
        String array = members.isEmpty() ? "array[]::uuid[]"
                : members.stream().map(m -> "'" + m + "'").collect(Collectors.joining(", ", "array[", "]::uuid[]"));
        return "(with recursive s as (select unnest(" + array + ") as id),"
                + " p as (select * from posts where author_id in (select id from s)),"
                // a comment is written once its post and the comment it answers are: walk the threads down from their start
                + " c as (select * from comments where reply_to is null and author_id in (select id from s) and post_id in (select id from p)"
                + "   union all select k.* from comments k join c on k.reply_to = c.id"
                + "   where k.author_id in (select id from s) and k.post_id in (select id from p)),"
                + " f as (select * from follows where follower_id in (select id from s) and followee_id in (select id from s)"
                + "   and follower_id <> followee_id),"
                + " l as (select * from likes where member_id in (select id from s) and post_id in (select id from p))"
                + " select 'members' as entity, id::text as user_key, id::text as key, jsonb_build_object('id', id,"
                + "   'handle', lower(btrim(handle)), 'email', lower(btrim(email)), 'display_name', display_name,"
                + "   'created_at', created_at)::text as row from members where id in (select id from s)"
                + " union all select 'posts', author_id::text, id::text, jsonb_build_object('id', id, 'author_id', author_id,"
                + "   'title', btrim(title), 'body', body, 'created_at', created_at)::text from p"
                + " union all select 'comments', author_id::text, id::text, jsonb_build_object('id', id, 'post_id', post_id,"
                + "   'author_id', author_id, 'reply_to', reply_to, 'body', body, 'created_at', created_at)::text from c"
                + " union all select 'follows', follower_id::text, follower_id || ',' || followee_id, jsonb_build_object('follower_id',"
                + "   follower_id, 'followee_id', followee_id, 'created_at', created_at)::text from f"
                + " union all select 'likes', member_id::text, member_id || ',' || post_id, jsonb_build_object('member_id', member_id,"
                + "   'post_id', post_id, 'created_at', created_at)::text from l)";
    }

    /** "user entity" of every row of these members that waits, {@code all} being every member of the demo. */
    public static String waitingRows(Collection<String> all, Collection<String> members) {
        return waiting(all, members, "user_key || ' ' || entity");
    }

    /** "entity key" of every row of these members that waits, {@code all} being every member of the demo. */
    public static String waitingKeys(Collection<String> all, Collection<String> members) {
        return waiting(all, members, "entity || ' ' || key");
    }

    /** A row waits when it would be written if every member were migrated, and is not written now. */
    private static String waiting(Collection<String> all, Collection<String> members, String what) {
        String in = members.isEmpty() ? "(null)" : members.stream().collect(Collectors.joining("', '", "('", "')"));
        return "select " + what + " from ((select entity, user_key, key, row from " + migratedRows(all) + " a"
                + " where user_key in " + in + ") except all (select entity, user_key, key, row from " + migratedRows(members) + " b)) w";
    }

    /** Rows of the target referencing a row that is not there (the foreign keys forbid it; counted anyway), as text. */
    public static final String DANGLING = "select ("
            + "(select count(*) from posts_v2 p where not exists (select 1 from members_v2 m where m.id = p.author_id))"
            + " + (select count(*) from comments_v2 c where not exists (select 1 from posts_v2 p where p.id = c.post_id)"
            + "   or not exists (select 1 from members_v2 m where m.id = c.author_id)"
            + "   or (c.reply_to is not null and not exists (select 1 from comments_v2 r where r.id = c.reply_to)))"
            + " + (select count(*) from follows_v2 f where not exists (select 1 from members_v2 m where m.id = f.follower_id)"
            + "   or not exists (select 1 from members_v2 m where m.id = f.followee_id))"
            + " + (select count(*) from likes_v2 l where not exists (select 1 from members_v2 m where m.id = l.member_id)"
            + "   or not exists (select 1 from posts_v2 p where p.id = l.post_id)))::text";
}
