-- Scenario 5, the target: the novel-writing jobs of the MongoDB collection, normalized.
create table novel_jobs (
    id                 uuid primary key,
    mongo_id           text not null unique,
    user_id            uuid not null,
    title              text not null,
    genre              text,
    status             text not null check (status in ('queued', 'in_progress', 'completed', 'failed', 'cancelled')),
    progress           int not null check (progress between 0 and 100),
    chapters_total     int not null default 0,
    chapters_completed int not null default 0,
    word_count         bigint not null default 0,
    created_at         timestamptz not null,
    updated_at         timestamptz
);

-- What happened to a job, from two legacy arrays: the AI's decisions and the enhancements applied.
create table novel_job_events (
    id          uuid primary key,
    job_id      uuid not null references novel_jobs (id),
    user_id     uuid not null,
    kind        text not null check (kind in ('ai_decision', 'enhancement')),
    name        text not null,
    occurred_at timestamptz,
    detail      jsonb not null default '{}'
);
create index novel_job_events_job on novel_job_events (job_id);

create table novel_job_metrics (
    job_id        uuid primary key references novel_jobs (id),
    user_id       uuid not null,
    total_cost    numeric(12, 4) not null default 0,
    input_tokens  bigint not null default 0,
    output_tokens bigint not null default 0,
    model_calls   int not null default 0,
    model_tokens  bigint not null default 0,
    models_used   int not null default 0
);

create table novel_job_metadata (
    job_id            uuid primary key references novel_jobs (id),
    story_bible       jsonb not null default '{}',
    continuity_alerts jsonb not null default '[]'
);
