-- Community scenario, legacy schema: a small social app. Every row belongs to one member (its
-- author, follower or liker), but comments, replies, follows and likes point at OTHER members'
-- rows. The legacy database never had foreign keys: deleting a post left its comments behind.
create table members (
    id           uuid primary key,
    handle       text,
    email        text,
    display_name text,
    created_at   timestamptz not null
);

create table posts (
    id         uuid primary key,
    author_id  uuid,
    title      text,
    body       text,
    created_at timestamptz not null
);
create index posts_author on posts (author_id);

create table comments (
    id         uuid primary key,
    post_id    uuid,                     -- any member's post
    author_id  uuid,
    reply_to   uuid,                     -- the comment this one answers (any member's), or NULL
    body       text,
    created_at timestamptz not null
);
create index comments_author on comments (author_id);

create table follows (
    follower_id uuid not null,
    followee_id uuid not null,
    created_at  timestamptz not null,
    primary key (follower_id, followee_id)
);

create table likes (
    member_id  uuid not null,
    post_id    uuid not null,
    created_at timestamptz not null,
    primary key (member_id, post_id)
);

-- The id of member i of n, i counted around the circle of members (0 is n, n + 1 is 1).
create function demo_member(i int, n int) returns uuid language sql immutable as $$
    select md5('member-' || (((i - 1) % n + n) % n + 1))::uuid
$$;

create function demo_post(i int, n int, p int) returns uuid language sql immutable as $$
    select md5('post-' || (((i - 1) % n + n) % n + 1) || '-' || p)::uuid
$$;

create function demo_comment(i int, n int, c int) returns uuid language sql immutable as $$
    select md5('comment-' || (((i - 1) % n + n) % n + 1) || '-' || c)::uuid
$$;

-- Members 1..n, each with 3 posts, 5 comments (3 of them replies), up to 3 follows and up to 4
-- likes. Member i talks to its neighbours on the circle: it comments on member i+1's first post and
-- on member i-1's second post, answers member i-1's comment under its own first post, answers
-- member i+1's answer to its own comment, and adds a follow-up to its own answer. It follows
-- members i+1, i-1 and i+7, and likes a post of members i+1, i+3, i+5 and i+7.
create function generate_demo(n int) returns void language sql as $$
    insert into members
    select demo_member(i, n),
           case when i % 5 = 0 then ' ' || initcap(h) || ' ' else h end,             -- a few typed with capitals and spaces
           case when i % 9 = 0 then null                                             -- some never gave an email
                when i % 4 = 0 then initcap(h) || '@Example.COM'
                else h || '@example.com' end,
           case when i % 6 = 0 then null else initcap(name) || ' ' || chr(65 + i % 26) || '.' end,
           timestamptz '2023-03-01 08:00:00+00' + i * interval '1 day' + (i % 7) * interval '1 hour'
    from generate_series(1, n) i,
         lateral (select (array['ada','ben','cleo','dev','eli','fay','gus','hana'])[i % 8 + 1] as name) nm,
         lateral (select nm.name || '_' || i as h) hd;

    insert into posts
    select demo_post(i, n, p),
           demo_member(i, n),
           (array['Weekend ride','Sourdough notes','First marathon','Garden update','Book club pick','Trail report'])[(i + p) % 6 + 1]
               || case when p = 2 and i % 7 = 0 then '   ' else '' end,
           case when p = 3 then null else 'Post ' || p || ' of member ' || i || '.' end,
           timestamptz '2024-01-10 09:00:00+00' + i * interval '1 day' + p * interval '2 hours'
    from generate_series(1, n) i, generate_series(1, 3) p;

    insert into comments
    select demo_comment(i, n, c),
           case c when 1 then demo_post(i + 1, n, 1)          -- on the next member's first post
                  when 2 then demo_post(i - 1, n, 2)          -- on the previous member's second post
                  when 3 then demo_post(i, n, 1)              -- under its own first post ...
                  when 4 then demo_post(i + 1, n, 1)          -- back under the next member's first post ...
                  else demo_post(i, n, 1) end,                -- a follow-up under its own first post ...
           demo_member(i, n),
           case c when 3 then demo_comment(i - 1, n, 1)       -- ... answering the previous member's comment 1
                  when 4 then demo_comment(i + 1, n, 3)       -- ... answering the next member's answer
                  when 5 then demo_comment(i, n, 3)           -- ... to its own answer
                  end,
           'Comment ' || c || ' of member ' || i,
           timestamptz '2024-05-01 12:00:00+00' + i * interval '1 day' + c * interval '10 minutes'
    from generate_series(1, n) i, generate_series(1, 5) c;

    insert into follows
    select distinct on (demo_member(i, n), demo_member(i + k, n))
           demo_member(i, n), demo_member(i + k, n),
           timestamptz '2024-02-01 07:00:00+00' + i * interval '1 day' + k * interval '1 hour'
    from generate_series(1, n) i, unnest(array[1, n - 1, 7]) k
    where (i + k - 1) % n <> i - 1                            -- never oneself on a small circle
    order by demo_member(i, n), demo_member(i + k, n), k;

    insert into likes
    select distinct on (demo_member(i, n), demo_post(i + 2 * k - 1, n, (i + k) % 3 + 1))
           demo_member(i, n), demo_post(i + 2 * k - 1, n, (i + k) % 3 + 1),
           timestamptz '2024-06-01 20:00:00+00' + i * interval '1 day' + k * interval '1 hour'
    from generate_series(1, n) i, generate_series(1, 4) k
    where (i + 2 * k - 2) % n <> i - 1                        -- only other members' posts
    order by demo_member(i, n), demo_post(i + 2 * k - 1, n, (i + k) % 3 + 1), k;
$$;
