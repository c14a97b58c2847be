-- Community scenario, the new schema: real foreign keys between members' rows, a unique email
-- (the plan writes it trimmed and lower-case, so 'Ada@Example.COM' and 'ada@example.com' collide),
-- and no following oneself.
create table members_v2 (
    id           uuid primary key,
    handle       text not null unique,
    email        text unique,
    display_name text,
    created_at   timestamptz not null
);

create table posts_v2 (
    id         uuid primary key,
    author_id  uuid not null references members_v2 (id),
    title      text not null,
    body       text,
    created_at timestamptz not null
);
create index posts_v2_author on posts_v2 (author_id);

create table comments_v2 (
    id         uuid primary key,
    post_id    uuid not null references posts_v2 (id),
    author_id  uuid not null references members_v2 (id),
    reply_to   uuid references comments_v2 (id),
    body       text not null,
    created_at timestamptz not null
);
create index comments_v2_post on comments_v2 (post_id);
create index comments_v2_author on comments_v2 (author_id);
create index comments_v2_reply_to on comments_v2 (reply_to);

create table follows_v2 (
    follower_id uuid not null references members_v2 (id),
    followee_id uuid not null references members_v2 (id),
    created_at  timestamptz not null,
    primary key (follower_id, followee_id),
    constraint follows_v2_not_oneself check (follower_id <> followee_id)
);
create index follows_v2_followee on follows_v2 (followee_id);

create table likes_v2 (
    member_id  uuid not null references members_v2 (id),
    post_id    uuid not null references posts_v2 (id),
    created_at timestamptz not null,
    primary key (member_id, post_id)
);
create index likes_v2_post on likes_v2 (post_id);
