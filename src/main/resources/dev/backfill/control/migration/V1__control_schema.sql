-- The control schema: the single source of truth for what a plan did to the target.
-- Flyway runs this with search_path set to the control schema (default "backfill").

create table runs (
    run_id         bigserial primary key,
    plan           text        not null,
    kind           text        not null check (kind in ('dry_run', 'apply', 'rollback')),
    batch_no       int,
    plan_checksum  text        not null,
    started_at     timestamptz not null default now(),
    finished_at    timestamptz,
    status         text        not null check (status in ('running', 'done', 'failed', 'paused', 'cancelled')),
    os_user        text        not null,
    host           text        not null,
    detail         jsonb       not null default '{}'
);
create index runs_plan on runs (plan, run_id);

-- One row per user of a plan: the dry run's results and the user's migration state.
create table users (
    plan           text   not null,
    user_key       text   not null,
    position       bigint not null,          -- order of the partition value
    batch_no       int,
    status         text   not null check (status in ('planned', 'approved', 'migrated', 'failed', 'rolled_back', 'source_changed')),
    fingerprint    text   not null,          -- hash of the legacy rows the dry run read
    legacy_rows    int    not null,
    planned_rows   int    not null,
    findings       int    not null,
    finding_kinds  jsonb  not null default '{}',  -- kind -> count
    entities       jsonb  not null default '{}',  -- entity -> {legacy, planned, existing}
    check_totals   jsonb  not null default '{}',  -- check name -> this user's legacy total
    dry_run_id     bigint not null,
    last_error     text,
    updated_at     timestamptz not null default now(),
    primary key (plan, user_key)
);
create index users_batch on users (plan, batch_no);
create index users_position on users (plan, position);

create table findings (
    finding_id  bigserial primary key,
    plan        text   not null,
    run_id      bigint not null,
    user_key    text   not null,
    entity      text   not null,
    kind        text   not null,
    field       text,
    found       jsonb  not null,              -- the competing or offending values
    chosen      jsonb,
    legacy_ids  text[] not null,
    message     text   not null
);
create index findings_user on findings (plan, user_key);
create index findings_kind on findings (plan, kind, entity);

-- Ids handed out by the "generate" strategy, so every preview and apply uses the same id.
create table id_map (
    plan       text not null,
    entity     text not null,
    scope      text not null,                 -- the user for per-user legacy ids, else ''
    legacy_id  text not null,
    new_id     uuid not null,
    primary key (plan, entity, scope, legacy_id)
);

create table batches (
    plan            text    not null,
    batch_no        int     not null,
    position        numeric not null,      -- queue order; a one-user trial batch goes before the next planned one
    state           text    not null check (state in ('PLANNED', 'APPROVED', 'APPLYING', 'APPLIED', 'APPLIED_WITH_FAILURES', 'ROLLED_BACK')),
    users           int     not null,
    legacy_rows     int     not null,
    planned_rows    int     not null,
    findings        int     not null,
    approval_id     bigint,
    pause_requested boolean not null default false,
    progress        jsonb   not null default '{}',
    updated_at      timestamptz not null default now(),
    primary key (plan, batch_no)
);

create table approvals (
    approval_id    bigserial primary key,
    plan           text        not null,
    batch_no       int         not null,
    approved_by    text        not null,
    approved_host  text        not null,
    approved_at    timestamptz not null default now(),
    plan_checksum  text        not null,
    revoked_at     timestamptz,
    revoked_reason text
);

-- What the DBA reviewed: each user's legacy fingerprint at approval time.
create table approval_users (
    approval_id  bigint not null references approvals on delete cascade,
    user_key     text   not null,
    fingerprint  text   not null,
    primary key (approval_id, user_key)
);

-- Every target row a batch wrote, per user and entity: the keys of inserted rows, and the
-- before-image of updated rows. Rollback uses nothing else.
create table ledger (
    ledger_id        bigserial primary key,
    plan             text    not null,
    run_id           bigint  not null,
    batch_no         int     not null,
    user_key         text    not null,
    entity           text    not null,
    target_table     text    not null,
    seq              int     not null,        -- the entity's place in dependency order
    op               text    not null check (op in ('insert', 'update')),
    row_keys         jsonb   not null,        -- [[identity values], ...]
    before_images    jsonb,                   -- update: [row as JSON, ...] in row_keys order
    row_count        int     not null,
    checksum         numeric not null,        -- sum of the written rows' hashes, for parity
    applied_at       timestamptz not null default now(),
    rolled_back_run  bigint,
    rolled_back_at   timestamptz
);
create index ledger_active_batch on ledger (plan, batch_no) where rolled_back_at is null;
create index ledger_active_entity on ledger (plan, entity) where rolled_back_at is null;

-- Per apply run and user: what happened, with the database's message on failure.
create table user_outcomes (
    run_id    bigint not null,
    plan      text   not null,
    batch_no  int    not null,
    user_key  text   not null,
    outcome   text   not null check (outcome in ('applied', 'failed', 'source_changed', 'rolled_back')),
    rows      int    not null default 0,
    message   text,
    at        timestamptz not null default now()
);
create index user_outcomes_run on user_outcomes (run_id);
create index user_outcomes_plan_batch on user_outcomes (plan, batch_no);

-- Who holds a plan's lock (a PostgreSQL advisory lock), so a refused operator learns who and since when.
create table lock_holders (
    plan      text primary key,
    holder    text        not null,
    pid       int         not null,
    since     timestamptz not null default now()
);
