-- Scenario 4, the new schema: one table per kind of thing the client state held.
create table orgs (
    id         uuid primary key,
    user_id    uuid not null,
    name       text not null,
    plan       text not null default 'free' check (plan in ('free', 'pro', 'team')),
    created_at timestamptz not null
);
create index orgs_user on orgs (user_id);

create table personas (
    id         uuid primary key,
    user_id    uuid not null,
    org_id     uuid not null references orgs (id),
    name       text not null,
    tone       text,
    created_at timestamptz not null
);
create index personas_user on personas (user_id);
-- every foreign key gets an index on its referencing column: deleting a referenced row (a rollback,
-- or the app) otherwise scans the whole referencing table once per row
create index personas_org on personas (org_id);

create table contents (
    id         uuid primary key,
    user_id    uuid not null,
    persona_id uuid not null references personas (id),
    kind       text not null,
    title      text,
    body       text,
    status     text not null default 'draft',
    updated_at timestamptz
);
create index contents_user on contents (user_id);
create index contents_persona on contents (persona_id);

create table accounts (
    id           uuid primary key,
    user_id      uuid not null,
    provider     text not null,
    handle       text not null,
    connected_at timestamptz,
    unique (user_id, provider, handle)
);

create table leads (
    id         uuid primary key,
    user_id    uuid not null,
    account_id uuid references accounts (id),
    name       text not null,
    email      text,
    stage      text not null default 'new',
    score      int
);
create index leads_user on leads (user_id);
create index leads_account on leads (account_id);

-- "references" is a reserved word: every statement has to quote it.
create table "references" (
    id      uuid primary key,
    user_id uuid not null,
    url     text not null,
    title   text,
    note    text
);
create index references_user on "references" (user_id);

create table inbox_items (
    id          uuid primary key,
    user_id     uuid not null,
    lead_id     uuid references leads (id),
    subject     text,
    body        text,
    read        boolean not null default false,
    received_at timestamptz not null
);
create index inbox_items_user on inbox_items (user_id);
create index inbox_items_lead on inbox_items (lead_id);
