-- Parallel writers and workers: apply cuts a batch into chunks of users that any writer (a thread of the
-- applying process, or a `backfill worker` on another machine) claims with FOR UPDATE SKIP LOCKED. A claim
-- is a lease: its holder renews it while it works; a claim whose lease ran out (its holder was killed or lost
-- its connection) is taken over by the next writer that asks. A user is applied at most once whatever
-- happens to a chunk: writing a user re-checks, in its transaction, that the user is still approved.
create table apply_chunks (
    plan         text        not null,
    batch_no     int         not null,
    approval_id  bigint      not null,
    chunk_no     int         not null,
    users        text[]      not null,
    state        text        not null default 'todo' check (state in ('todo', 'claimed', 'done')),
    worker       text,
    lease_until  timestamptz,
    claims       int         not null default 0,
    users_done   int         not null default 0,
    rows_done    bigint      not null default 0,
    done_at      timestamptz,
    primary key (plan, batch_no, approval_id, chunk_no)
);
create index apply_chunks_open on apply_chunks (plan, batch_no, chunk_no) where state <> 'done';

-- Every process that writes a plan's batches, with its heartbeat and rate, for the workbench's workers table.
create table workers (
    plan            text        not null,
    worker          text        not null,        -- host:pid:n, unique per process and writer set
    host            text        not null,
    pid             bigint      not null,
    role            text        not null check (role in ('apply', 'worker')),
    writers         int         not null,
    started_at      timestamptz not null default now(),
    heartbeat_at    timestamptz not null default now(),
    stopped_at      timestamptz,
    batch_no        int,
    chunks_done     int         not null default 0,
    users_done      int         not null default 0,
    rows_done       bigint      not null default 0,
    rows_per_second double precision not null default 0,
    primary key (plan, worker)
);

-- Many processes may hold a plan's lock at once while they write one batch (in shared mode); an operator's
-- dry run, approval, rollback, or the start of an apply holds it alone. Every holder is listed.
alter table lock_holders drop constraint lock_holders_pkey;
alter table lock_holders add column mode text not null default 'exclusive' check (mode in ('exclusive', 'shared'));
alter table lock_holders add primary key (plan, pid);
