-- The typed lifecycle (lifecycle/*.java holds the same names) and what live-safe apply and rollback record.

-- A batch that apply (or a withdrawn approval) left with users not migrated is HELD_BACK.
alter table batches drop constraint batches_state_check;
update batches set state = 'HELD_BACK' where state = 'APPLIED_WITH_FAILURES';
alter table batches add constraint batches_state_check
    check (state in ('PLANNED', 'APPROVED', 'APPLYING', 'APPLIED', 'HELD_BACK', 'ROLLED_BACK'));

-- A user whose target rows changed after review (the live app wrote them) is held back as target_changed.
alter table users drop constraint users_status_check;
alter table users add constraint users_status_check
    check (status in ('planned', 'approved', 'migrated', 'failed', 'source_changed', 'target_changed', 'rolled_back'));
-- Which target rows the dry run found for the user's planned rows (by natural key and by id), hashed.
alter table users add column target_fingerprint text not null default '';
alter table approval_users add column target_fingerprint text not null default '';

-- A run whose process died is marked interrupted when the plan's lock is taken next.
alter table runs drop constraint runs_status_check;
alter table runs add constraint runs_status_check
    check (status in ('running', 'done', 'failed', 'paused', 'cancelled', 'interrupted'));

alter table user_outcomes drop constraint user_outcomes_outcome_check;
alter table user_outcomes add constraint user_outcomes_outcome_check
    check (outcome in ('applied', 'failed', 'source_changed', 'target_changed', 'rolled_back', 'kept'));

-- Per written row, in row_keys order: its hash (as parity computes it) and the hashes of its columns
-- (8 hex digits each, in the entity's column order), so rollback tells a row the live app changed,
-- and which columns, from one apply wrote.
alter table ledger add column row_hashes bigint[];
alter table ledger add column column_hashes text[];

-- Rows the live app changed after apply whose content a rollback overwrote on the operator's word:
-- their content just before (null: the app had deleted the row), so the loss can be exported and undone.
create table overwritten_rows (
    plan             text   not null,
    run_id           bigint not null,
    batch_no         int    not null,
    user_key         text   not null,
    entity           text   not null,
    target_table     text   not null,
    row_key          jsonb  not null,
    changed_columns  text[] not null,
    image            jsonb,
    saved_at         timestamptz not null default now()
);
create index overwritten_rows_plan on overwritten_rows (plan, batch_no);
