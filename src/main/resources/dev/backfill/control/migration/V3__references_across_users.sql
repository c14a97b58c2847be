-- References to other users' rows: who owns each legacy row, and the rows that wait for other users' rows.

-- Every legacy row an entity others reference has, with its user, as the latest dry run read it:
-- 'planned' when the row will be written (not held back by a finding of its own).
create table legacy_owners (
    plan       text    not null,
    entity     text    not null,
    legacy_id  text    not null,
    user_key   text    not null,
    planned    boolean not null
);
create index legacy_owners_row on legacy_owners (plan, entity, legacy_id);
create index legacy_owners_user on legacy_owners (plan, user_key);

-- Per user: planned rows that reference other users' rows (they wait for them), and for how many users.
alter table users add column waiting_rows int not null default 0;
alter table users add column waits_for_users int not null default 0;

-- A planned row that references another user's row (or one of its own rows that does): written when
-- every row it references is in the target; until then it waits here, with its COPY line and hashes.
create table pending_rows (
    pending_id         bigserial primary key,
    plan               text    not null,
    user_key           text    not null,
    batch_no           int     not null,       -- its user's batch: rolling that back removes it
    entity             text    not null,
    target_table       text    not null,
    seq                int     not null,
    row_key            jsonb   not null,       -- identity values, as the ledger keys rows
    copy_line          text    not null,
    row_hash           bigint  not null,
    column_hashes      text    not null,
    state              text    not null check (state in ('waiting', 'written', 'dropped')),
    created_run        bigint  not null,
    written_run        bigint,
    released_by_batch  int,                    -- the batch whose apply wrote the row it waited for
    updated_at         timestamptz not null default now()
);
create index pending_rows_user on pending_rows (plan, user_key);
create index pending_rows_waiting on pending_rows (plan, entity) where state = 'waiting';

-- What a pending row references: the entity and the id (as text) of each row it needs in the target.
create table pending_refs (
    pending_id  bigint not null references pending_rows on delete cascade,
    ref_entity  text   not null,
    ref_id      text   not null
);
create index pending_refs_target on pending_refs (ref_entity, ref_id);
create index pending_refs_row on pending_refs (pending_id);

-- A row written through the pending mechanism has a ledger row of its own, so it can go back to waiting.
alter table ledger add column pending_id bigint;
alter table ledger add column released_by_batch int;
