-- A batch costs the same at batch 200 as at batch 1: nothing an operator does per batch reads every user
-- or samples every wide ledger column.

-- Users per batch and status, kept by the server in the same transaction as every change of a user's
-- batch or status (row-level triggers that fire only on such a change), so the queue reads a few rows per
-- batch instead of counting every user. Statement-level triggers were tried first: their transition tables
-- copy every updated row, and a dry run rewrites every (2 kB) users row, which made a full dry run 13%
-- slower. A transaction that rewrites the batches of many users at once (forming batches after a dry run)
-- sets backfill.recount and counts its batches afresh instead (control/BatchCounts.java).
-- Deadlocks: a statement of apply changes users of one batch from 'approved', so every writer locks that
-- count row first and waits at most for another writer's commit.
create table batch_counts (
    plan      text   not null,
    batch_no  int    not null,
    status    text   not null,
    users     bigint not null,
    primary key (plan, batch_no, status)
);

insert into batch_counts (plan, batch_no, status, users)
select plan, batch_no, status, count(*) from users where batch_no is not null group by plan, batch_no, status;

-- The function keeps this schema as its search path: it runs inside the sessions of every writer.
create function batch_counts_count_row() returns trigger language plpgsql set search_path from current as $$
begin
    if tg_op <> 'INSERT' and old.batch_no is not null then
        insert into batch_counts as c (plan, batch_no, status, users) values (old.plan, old.batch_no, old.status, -1)
        on conflict (plan, batch_no, status) do update set users = c.users - 1;
    end if;
    if tg_op <> 'DELETE' and new.batch_no is not null then
        insert into batch_counts as c (plan, batch_no, status, users) values (new.plan, new.batch_no, new.status, 1)
        on conflict (plan, batch_no, status) do update set users = c.users + 1;
    end if;
    return null;
end $$;

create trigger users_counted_insert after insert on users for each row
    when (new.batch_no is not null and current_setting('backfill.recount', true) is distinct from 'on')
    execute function batch_counts_count_row();
create trigger users_counted_update after update of status, batch_no on users for each row
    when ((old.status is distinct from new.status or old.batch_no is distinct from new.batch_no)
          and current_setting('backfill.recount', true) is distinct from 'on')
    execute function batch_counts_count_row();
create trigger users_counted_delete after delete on users for each row
    when (old.batch_no is not null and current_setting('backfill.recount', true) is distinct from 'on')
    execute function batch_counts_count_row();

-- The queue's "reviewed under another plan" count looks users up by the dry run that reviewed them:
-- the runs of an older plan checksum are few, and after a dry run of the current plan they have no users.
create index users_dry_run on users (plan, dry_run_id);

-- A whole-table analyze skips the wide columns no query filters, joins or groups on (statistics 0), so
-- apply can analyze the ledger and users tables plainly. Only a plain analyze resets the server's count of
-- rows changed since the last one; an analyze of a column list left it growing, and every later batch
-- analyzed again.
do $$
declare
    col record;
begin
    for col in
        select table_name, column_name from information_schema.columns
        where table_schema = current_schema() and (
            (table_name = 'ledger' and column_name not in ('plan', 'run_id', 'batch_no', 'user_key', 'entity', 'target_table',
                'op', 'rolled_back_at', 'pending_id', 'released_by_batch', 'written_xid', 'written_system'))
            or (table_name = 'users' and column_name not in ('plan', 'user_key', 'status', 'batch_no', 'position', 'dry_run_id')))
    loop
        execute format('alter table %I alter column %I set statistics 0', col.table_name, col.column_name);
    end loop;
end $$;

-- Rollback asks whether other batches updated rows the batch inserted: through this index, a plan that
-- updates few rows (or none) answers from those rows alone instead of from every row of the ledger.
create index ledger_active_updates on ledger (plan, target_table) where op = 'update' and rolled_back_at is null;
