-- Scenario 1, the new (v2) schema the product reads from now on.
create table parts_v2 (
    id             uuid primary key,
    user_id        uuid not null,
    name           text not null,
    category       text,
    status         text,
    charge         text not null default 'neutral',
    confidence     numeric,
    evidence_count int,
    data           jsonb not null default '{}',
    first_noticed  timestamptz,
    last_active    timestamptz,
    created_at     timestamptz not null default now(),
    unique (user_id, name)
);

create table sessions_v2 (
    id            uuid primary key,
    user_id       uuid not null,
    started_at    timestamptz not null,
    ended_at      timestamptz,
    summary       text,
    breakthroughs text[],
    type          text not null default 'therapy',
    metadata      jsonb not null default '{}',
    created_at    timestamptz,
    unique (user_id, started_at)
);

create table part_relationships_v2 (
    id          uuid primary key,
    user_id     uuid not null,
    part_a_id   uuid not null references parts_v2 (id),
    part_b_id   uuid not null references parts_v2 (id),
    type        text not null check (type in ('protects', 'conflicts', 'supports', 'triggers', 'soothes')),
    description text,
    created_at  timestamptz,
    unique (part_a_id, part_b_id, type)
);
-- part_a_id is served by the unique key above; without this index every part a rollback (or the
-- app) deletes costs a full scan of part_relationships_v2 for the part_b_id foreign key.
create index part_relationships_v2_part_b on part_relationships_v2 (part_b_id);
