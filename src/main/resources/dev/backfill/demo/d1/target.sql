-- Scenario 3, the target: the app's PostgreSQL schema after leaving Cloudflare D1. Real types
-- (uuid, boolean, timestamptz, date, jsonb), foreign keys, and one account per email.
create table users (
    id               uuid primary key,
    name             text,
    email            text not null unique,
    email_verified   timestamptz,
    image            text,
    role             text not null default 'user' check (role in ('user', 'moderator', 'admin')),
    approved         boolean not null default false,
    age_verified     boolean not null default false,
    tos_accepted     boolean not null default false,
    tos_accepted_at  timestamptz,
    last_activity_at timestamptz,
    created_at       timestamptz not null,
    updated_at       timestamptz not null
);

create table accounts (
    id                  uuid primary key,
    user_id             uuid not null references users (id),
    type                text not null,
    provider            text not null,
    provider_account_id text not null,
    access_token        text,
    token_type          text,
    scope               text,
    expires_at          timestamptz,
    unique (provider, provider_account_id)
);
-- every foreign key gets an index starting with its referencing column (a unique key starting with
-- it serves too): deleting a referenced row (a rollback, or the app) otherwise scans the whole
-- referencing table once per row
create index accounts_user on accounts (user_id);

create table skill_definitions (
    id         uuid primary key,
    slug       text not null unique,
    name       text not null,
    category   text,
    max_stars  int not null,
    metadata   jsonb not null default '{}',
    created_at timestamptz
);

create table achievement_definitions (
    id          uuid primary key,
    slug        text not null unique,
    title       text not null,
    description text,
    xp_reward   int not null default 0,
    secret      boolean not null default false,
    criteria    jsonb not null default '{}'
);

create table user_skills (
    id          uuid primary key,
    user_id     uuid not null references users (id),
    skill_id    uuid not null references skill_definitions (id),
    stars       int not null default 0 check (stars between 0 and 5),
    xp          int not null default 0,
    unlocked_at timestamptz,
    unique (user_id, skill_id)
);
create index user_skills_skill on user_skills (skill_id);

create table user_achievements (
    id             uuid primary key,
    user_id        uuid not null references users (id),
    achievement_id uuid not null references achievement_definitions (id),
    earned_at      timestamptz not null,
    unique (user_id, achievement_id)
);
create index user_achievements_achievement on user_achievements (achievement_id);

-- D1's user_wallet held progress and money together; the new schema keeps them apart.
create table user_progress (
    user_id           uuid primary key references users (id),
    total_xp          bigint not null default 0,
    current_level     int not null default 1,
    total_skill_stars int not null default 0,
    updated_at        timestamptz
);

create table user_wallet (
    user_id    uuid primary key references users (id),
    coins      bigint not null default 0 check (coins >= 0),
    updated_at timestamptz
);

create table habits (
    id         uuid primary key,
    user_id    uuid not null references users (id),
    title      text not null,
    frequency  text not null check (frequency in ('daily', 'weekly')),
    schedule   jsonb not null default '{}',
    archived   boolean not null default false,
    created_at timestamptz not null,
    unique (user_id, title)
);

create table habit_logs (
    id         uuid primary key,
    habit_id   uuid not null references habits (id),
    user_id    uuid not null references users (id),
    logged_on  date not null,
    completed  boolean not null default false,
    note       text,
    created_at timestamptz,
    unique (habit_id, logged_on)
);
create index habit_logs_user on habit_logs (user_id);

create table goals (
    id          uuid primary key,
    user_id     uuid not null references users (id),
    title       text not null,
    target_date date,
    status      text not null check (status in ('active', 'completed', 'abandoned')),
    created_at  timestamptz not null,
    unique (user_id, title)
);

create table goal_milestones (
    id       uuid primary key,
    goal_id  uuid not null references goals (id),
    title    text not null,
    position int not null,
    done     boolean not null default false,
    done_at  timestamptz,
    unique (goal_id, position)
);
