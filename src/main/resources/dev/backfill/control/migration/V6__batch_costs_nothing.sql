-- A batch costs the same at batch 200 as at batch 1: nothing an operator does per batch reads every user
-- or samples every wide ledger column.

-- Users per batch and status, kept by the server in the same transaction as every change of the users
-- table (statement-level triggers over the changed rows): the queue reads a few rows per batch instead of
-- counting every user. Deltas are applied in (batch, status) order, so two writers of one batch lock the
-- same count rows in the same order and never deadlock; each waits at most for the other's commit.
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
create function batch_counts_apply_delta() returns trigger language plpgsql set search_path from current as $$
begin
    if tg_op = 'INSERT' then
        insert into batch_counts as c (plan, batch_no, status, users)
        select plan, batch_no, status, count(*) from new_users where batch_no is not null
        group by plan, batch_no, status order by plan, batch_no, status
        on conflict (plan, batch_no, status) do update set users = c.users + excluded.users;
    elsif tg_op = 'DELETE' then
        insert into batch_counts as c (plan, batch_no, status, users)
        select plan, batch_no, status, -count(*) from old_users where batch_no is not null
        group by plan, batch_no, status order by plan, batch_no, status
        on conflict (plan, batch_no, status) do update set users = c.users + excluded.users;
    else
        insert into batch_counts as c (plan, batch_no, status, users)
        select plan, batch_no, status, sum(delta) from (
            select plan, batch_no, status, -1 as delta from old_users where batch_no is not null
            union all
            select plan, batch_no, status, 1 from new_users where batch_no is not null) changed
        group by plan, batch_no, status having sum(delta) <> 0 order by plan, batch_no, status
        on conflict (plan, batch_no, status) do update set users = c.users + excluded.users;
    end if;
    return null;
end $$;

create trigger users_counted_insert after insert on users referencing new table as new_users
    for each statement execute function batch_counts_apply_delta();
create trigger users_counted_update after update on users referencing old table as old_users new table as new_users
    for each statement execute function batch_counts_apply_delta();
create trigger users_counted_delete after delete on users referencing old table as old_users
    for each statement execute function batch_counts_apply_delta();

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
