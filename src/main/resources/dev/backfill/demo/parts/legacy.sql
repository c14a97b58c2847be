-- Scenario 1, legacy schema: what the product stored before the v2 tables.
create table parts (
    id              uuid primary key,
    user_id         text,                 -- a uuid, stored as text by the old ORM
    name            text,
    category        text,
    status          text,
    charge          text,
    confidence      numeric(3, 2),
    evidence_count  int,
    age             text,
    role            text,
    triggers        jsonb,
    emotions        jsonb,
    beliefs         text,
    somatic_markers jsonb,
    visualization   text,
    story           text,
    first_noticed   timestamptz,
    last_active     timestamptz,
    created_at      timestamptz not null
);
create index parts_user on parts (user_id);

create table sessions (
    id            uuid primary key,
    user_id       text,
    start_time    timestamptz,
    end_time      timestamptz,
    summary       text,
    breakthroughs text[],
    type          text,
    duration      int,                    -- minutes
    created_at    timestamptz not null
);
create index sessions_user on sessions (user_id);

create table part_relationships (
    id          uuid primary key,
    user_id     text,
    parts       jsonb not null,           -- [legacy part id, legacy part id]
    type        text,                     -- polarized | protector-exile | allied
    description text,
    created_at  timestamptz not null
);
create index part_relationships_user on part_relationships (user_id);

-- Realistic data for users 1..n: 4 parts, 4 sessions and 2 relationships each (10 rows per user).
create function generate_demo(n int) returns void language sql as $$
    insert into parts
    select md5('part-' || u || '-' || p)::uuid,
           md5('user-' || u)::uuid::text,
           (array['Critic','Protector','Exile','Manager','Firefighter','Inner Child','Perfectionist','Pleaser'])[(u + p) % 8 + 1],
           (array['manager','firefighter','exile'])[(u + p) % 3 + 1],
           (array['active','integrating','unburdened'])[(u * p) % 3 + 1],
           (array['positive','negative','mixed'])[(u + 2 * p) % 3 + 1],
           round(((u * 7 + p * 13) % 100) / 100.0, 2),
           (u + p) % 12,
           (5 + (u + p) % 30)::text || ' years',
           (array['keeps me safe','pushes me to achieve','holds the hurt'])[(u + p) % 3 + 1],
           jsonb_build_array('criticism', 'deadlines'),
           jsonb_build_array('fear', 'shame'),
           'I am not enough',
           jsonb_build_array('tight chest'),
           'a small figure in a dark room',
           'Showed up after a hard year at school.',
           timestamptz '2024-01-01 09:00:00+00' + (u % 300) * interval '1 day',
           timestamptz '2025-06-01 18:30:00+00' + (u % 90) * interval '1 day',
           timestamptz '2024-01-01 09:00:00+00' + (u % 300) * interval '1 day' + p * interval '1 minute'
    from generate_series(1, n) u, generate_series(1, 4) p;

    insert into sessions
    select md5('session-' || u || '-' || s)::uuid,
           md5('user-' || u)::uuid::text,
           timestamptz '2025-01-06 10:00:00+00' + ((u % 200) * 7 + s) * interval '1 day',
           timestamptz '2025-01-06 10:50:00+00' + ((u % 200) * 7 + s) * interval '1 day',
           'Session ' || s || ': worked with the ' || (array['Critic','Protector','Exile','Manager'])[s] || '.',
           case when s % 2 = 0 then array['named the part', 'felt the fear'] else array[]::text[] end,
           case when s = 4 then null else (array['therapy','check-in','integration'])[s] end,
           45 + s * 5,
           timestamptz '2025-01-06 10:00:00+00' + ((u % 200) * 7 + s) * interval '1 day'
    from generate_series(1, n) u, generate_series(1, 4) s;

    insert into part_relationships
    select md5('relationship-' || u || '-' || r)::uuid,
           md5('user-' || u)::uuid::text,
           jsonb_build_array(md5('part-' || u || '-' || r)::uuid, md5('part-' || u || '-' || (r + 1))::uuid),
           (array['polarized','protector-exile','allied'])[(u + r) % 3 + 1],
           'noticed in session ' || r,
           timestamptz '2025-02-01 12:00:00+00' + (u % 100) * interval '1 day'
    from generate_series(1, n) u, generate_series(1, 2) r;
$$;
