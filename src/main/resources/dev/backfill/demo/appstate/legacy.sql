-- Scenario 4, legacy schema (Supabase-like): the web app saved its whole client state as one JSON
-- document per save, so a user can have several rows; the newest one is the truth.
create table user_app_state (
    id         uuid primary key,
    user_id    text,                          -- the auth user's id; '' for a state saved before sign-in
    updated_at timestamptz not null,
    state      jsonb not null                 -- { orgs, personas, contents, accounts, leads, references, inboxItems, ui, version }
);
create index user_app_state_user on user_app_state (user_id);

-- Timestamps the way the browser wrote them: ISO-8601 text (Date.toISOString) ...
create function demo_iso(t timestamptz) returns text language sql stable as $$
    select to_char(t at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;

-- ... or epoch milliseconds (Date.now()).
create function demo_epoch_ms(t timestamptz) returns bigint language sql stable as $$
    select (extract(epoch from t) * 1000)::bigint
$$;

-- The elements of user u's state. Ids inside the document ("org_1", "persona_2") are only unique
-- within one user. draft > 0 marks an older autosave of the same user.
create function demo_org(u int, o int, draft int) returns jsonb language sql stable as $$
    select jsonb_strip_nulls(jsonb_build_object(
        'id', 'org_' || o,
        'name', (array['Studio','Agency','Collective','Lab'])[(u + o) % 4 + 1] || ' ' || u || '-' || o
                || case when draft > 0 then ' (draft ' || draft || ')' else '' end,
        'plan', case when o = 1 then (array['free','pro','team'])[u % 3 + 1] end,     -- org_2 has no plan: the default applies
        'createdAt', demo_iso(timestamptz '2025-01-05 10:00:00+00' + (u % 200) * interval '1 day' + o * interval '1 hour')))
$$;

create function demo_persona(u int, p int) returns jsonb language sql stable as $$
    select jsonb_build_object(
        'id', 'persona_' || p,
        'orgId', 'org_' || case when p = 1 then 1 else 1 + u % 2 end,
        'name', (array['Founder voice','Support voice','Teacher','Storyteller'])[(u + p) % 4 + 1],
        'tone', (array['friendly','formal','playful'])[(u + p) % 3 + 1],
        'createdAt', demo_iso(timestamptz '2025-01-06 09:00:00+00' + (u % 200) * interval '1 day' + p * interval '1 hour'))
$$;

create function demo_content(u int, c int, draft int) returns jsonb language sql stable as $$
    select jsonb_build_object(
        'id', 'content_' || c,
        'personaId', 'persona_' || case when c = 2 then 2 else 1 end,
        'kind', (array['post','thread','newsletter'])[(u + c) % 3 + 1],
        'title', 'Post ' || c || ' of member ' || u,
        'body', 'Body of post ' || c || case when draft > 0 then ' (draft)' else '' end,
        'status', case when c = 1 then 'published' else 'draft' end,
        'updatedAt', demo_epoch_ms(timestamptz '2025-02-01 08:00:00+00' + (u % 200) * interval '1 day' + c * interval '1 minute'))
$$;

create function demo_lead(u int, l int) returns jsonb language sql stable as $$
    select jsonb_build_object(
        'id', 'lead_' || l,
        'accountId', 'acct_1',
        'name', 'Lead ' || l || ' of member ' || u,
        'email', 'lead' || l || '.' || u || '@example.org',
        'stage', (array['new','contacted','qualified'])[(u + l) % 3 + 1],
        'score', (u * 7 + l * 13) % 100)
$$;

create function demo_reference(u int, r int) returns jsonb language sql stable as $$
    select jsonb_strip_nulls(jsonb_build_object(
        'id', 'ref_' || r,
        'url', 'https://example.com/member/' || u || '/source-' || r,
        'title', 'Source ' || r,
        'note', case when r = 1 then 'quoted in post 1' end))
$$;

create function demo_inbox(u int, i int) returns jsonb language sql stable as $$
    select jsonb_strip_nulls(jsonb_build_object(
        'id', 'inbox_' || i,
        'leadId', 'lead_' || i,
        'subject', 'Re: post ' || i,
        'body', 'Thanks for reaching out, member ' || u,
        'read', case when i = 1 then true end,                 -- never-opened items have no 'read' key
        'receivedAt', demo_iso(timestamptz '2025-02-10 15:00:00+00' + (u % 200) * interval '1 day' + i * interval '1 hour')))
$$;

-- User u's whole state: 1-2 orgs, 2 personas, 3 contents, 1 account, 2 leads, 1-2 references,
-- 2 inbox items, and client settings. An older autosave (draft > 0) has 1 persona and 1 content.
-- Arrays are spelled out rather than aggregated: no subquery per user, so 100,000 users stay fast.
create function demo_app_state(u int, draft int) returns jsonb language sql stable as $$
    select jsonb_build_object(
        'version', 3,
        'ui', jsonb_build_object('sidebar', case when u % 2 = 0 then 'collapsed' else 'open' end, 'theme', 'dark'),
        'orgs', case when u % 2 = 1 then jsonb_build_array(demo_org(u, 1, draft), demo_org(u, 2, draft))
                     else jsonb_build_array(demo_org(u, 1, draft)) end,
        'personas', case when draft > 0 then jsonb_build_array(demo_persona(u, 1))
                         else jsonb_build_array(demo_persona(u, 1), demo_persona(u, 2)) end,
        'contents', case when draft > 0 then jsonb_build_array(demo_content(u, 1, draft))
                         else jsonb_build_array(demo_content(u, 1, 0), demo_content(u, 2, 0), demo_content(u, 3, 0)) end,
        'accounts', jsonb_build_array(jsonb_build_object(
                        'id', 'acct_1',
                        'provider', (array['linkedin','x','instagram'])[u % 3 + 1],
                        'handle', '@member' || u,
                        'connectedAt', demo_iso(timestamptz '2025-01-10 12:00:00+00' + (u % 200) * interval '1 day'))),
        'leads', jsonb_build_array(demo_lead(u, 1), demo_lead(u, 2)),
        'references', case when u % 2 = 1 then jsonb_build_array(demo_reference(u, 1), demo_reference(u, 2))
                           else jsonb_build_array(demo_reference(u, 1)) end,
        'inboxItems', jsonb_build_array(demo_inbox(u, 1), demo_inbox(u, 2)))
$$;

-- Users 1..n: one state row each (the messy cases add older rows).
create function generate_demo(n int) returns void language sql as $$
    insert into user_app_state
    select md5('state-' || u)::uuid,
           md5('appuser-' || u)::uuid::text,
           timestamptz '2025-03-01 12:00:00+00' + (u % 200) * interval '1 day',
           demo_app_state(u, 0)
    from generate_series(1, n) u;
$$;
