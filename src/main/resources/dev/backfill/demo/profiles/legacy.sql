-- Scenario 2, legacy schema (Prisma): the app kept one profile blob per context a user is active in.
-- Unique constraints, foreign keys and indexes are added by generate_demo after the bulk load
-- (as a restore does it): much faster than maintaining them row by row.
create table "User" (
    id          text primary key,                     -- a cuid, e.g. c1b2c3d4e5f6a7b8c9d0e1f2a
    email       text not null,
    "createdAt" timestamp(3) not null default current_timestamp,
    "updatedAt" timestamp(3) not null
);

create table "ContextProfile" (
    id            text primary key,
    "userId"      text not null,                      -- references "User"
    "contextType" text not null,                      -- romantic | friendship | professional | creative | service
    "createdAt"   timestamp(3) not null default current_timestamp,
    "updatedAt"   timestamp(3) not null
);

create table "Profile" (
    id                 text primary key,
    "contextProfileId" text not null,                 -- references "ContextProfile", at most one Profile each
    data               jsonb,                         -- everything the profile form saved, core and context fields mixed
    "createdAt"        timestamp(3) not null default current_timestamp,
    "updatedAt"        timestamp(3) not null
);

-- The blob the app saved for user u's k-th context (0-based) of type t: what is true of the person
-- (the same in every context, except where a context adds keys) and what they want from this context.
-- Keys whose value would be null are left out, as the app's form did. (stable, not immutable: the
-- jsonb builders are stable, and only then can PostgreSQL inline the function into the inserts.)
create function demo_profile_data(u int, k int, t text) returns jsonb language sql stable as $$
    select jsonb_strip_nulls(jsonb_build_object(
        'name',             case when k = 0 and u % 4 = 1 then null else 'Member ' || u end,
        'location',         (array['Berlin','Lisbon','Toronto','Austin','Nairobi','Seoul'])[u % 6 + 1],
        'ageRange',         (array['18-24','25-34','35-44','45-54'])[u % 4 + 1],
        'coreValues',       jsonb_build_array((array['honesty','curiosity','kindness','ambition','loyalty','humor','growth','freedom'])[(u + k) % 8 + 1],
                                              (array['honesty','curiosity','kindness','ambition','loyalty','humor','growth','freedom'])[(u + k + 1) % 8 + 1]),
        'beliefs',          jsonb_build_object('spirituality', (array['religious','spiritual','secular'])[u % 3 + 1])
                            || case when k = 1 then jsonb_build_object('politics', (array['progressive','moderate'])[u % 2 + 1]) else '{}' end,
        'interactionStyle', jsonb_build_object('communication', (array['direct','warm','playful'])[u % 3 + 1],
                                               'energy', (array['introvert','extrovert'])[u % 2 + 1]),
        'lifestyle',        jsonb_build_object('diet', (array['omnivore','vegetarian','vegan'])[u % 3 + 1])
                            || case t when 'romantic' then '{"smoking": "never"}'::jsonb
                                      when 'friendship' then '{"weekends": "outdoors"}'::jsonb
                                      when 'professional' then '{"workHours": "flexible"}'::jsonb
                                      when 'creative' then '{"studio": "home"}'::jsonb
                                      else '{"schedule": "evenings"}'::jsonb end,
        'constraints',      case when u % 5 = 0 and k = 0 then '["no relocation"]'::jsonb end)
    || case t
        when 'romantic' then jsonb_build_object(
            'relationshipTimeline',        (array['within a year','1-2 years','no rush'])[u % 3 + 1],
            'exclusivityExpectation',      (array['exclusive','open to discuss'])[u % 2 + 1],
            'familyIntentions',            case when u % 4 <> 0 then (array['wants children','unsure','no children'])[u % 3 + 1] end,
            'attractionImportance',        u % 10 + 1)
        when 'friendship' then jsonb_build_object(
            'friendshipDepth',             (array['close','casual'])[u % 2 + 1],
            'groupActivityPreference',     (array['one-on-one','small groups','large groups'])[u % 3 + 1],
            'emotionalSupportExpectation', case when u % 5 <> 1 then (array['high','moderate'])[u % 2 + 1] end)
        when 'professional' then jsonb_build_object(
            'partnershipType',             (array['cofounder','advisor','freelance partner'])[u % 3 + 1],
            'commitmentHorizon',           (array['6 months','1-2 years','long term'])[u % 3 + 1],
            'complementarySkills',         case when u % 7 = 0 then '[]'::jsonb      -- an empty list: counts as missing
                                                else jsonb_build_array((array['design','sales','engineering','marketing'])[u % 4 + 1], 'finance') end,
            'equityOrRevShare',            case when u % 4 <> 2 then (array['equity','revenue share'])[u % 2 + 1] end)
        when 'creative' then jsonb_build_object(
            'creativeType',                (array['music','film','writing','visual art'])[u % 4 + 1],
            'roleNeeded',                  (array['producer','editor','illustrator'])[u % 3 + 1],
            'processStyle',                (array['structured','improvised'])[u % 2 + 1],
            'egoBalance',                  case when u % 3 <> 0 then 'shared credit' end,
            'compensationExpectation',     (array['paid','revenue share','unpaid'])[u % 3 + 1])
        else jsonb_build_object(
            'serviceType',                 (array['tutoring','coaching','design','legal'])[u % 4 + 1],
            'budgetRange',                 (array['under $50','$50-150','$150+'])[u % 3 + 1],
            'timelineNeeded',              (array['this week','this month','flexible'])[u % 3 + 1],
            'credentialsRequired',         u % 2 = 0)
       end)
$$;

-- Users 1..n: 1 to 3 contexts each (1 + u % 3), each with its Profile blob.
create function generate_demo(n int) returns void language sql as $$
    insert into "User"
    select 'c' || substr(md5('user-' || u), 1, 24),
           'member' || u || '@example.com',
           timestamp '2024-01-01 09:00:00' + (u % 300) * interval '1 day',
           timestamp '2024-01-01 09:00:00' + (u % 300 + 30) * interval '1 day'
    from generate_series(1, n) u;

    insert into "ContextProfile"
    select 'c' || substr(md5('context-' || u || '-' || k), 1, 24),
           'c' || substr(md5('user-' || u), 1, 24),
           (array['romantic','friendship','professional','creative','service'])[(u + k) % 5 + 1],
           timestamp '2024-01-01 10:00:00' + (u % 300 + k) * interval '1 day',
           timestamp '2024-01-01 10:00:00' + (u % 300 + k + 2) * interval '1 day'
    from generate_series(1, n) u, generate_series(0, 2) k
    where k <= u % 3;

    insert into "Profile"
    select 'c' || substr(md5('profile-' || u || '-' || k), 1, 24),
           'c' || substr(md5('context-' || u || '-' || k), 1, 24),
           demo_profile_data(u, k, (array['romantic','friendship','professional','creative','service'])[(u + k) % 5 + 1]),
           timestamp '2024-01-01 10:05:00' + (u % 300 + k) * interval '1 day',
           timestamp '2024-01-01 10:05:00' + (u % 300 + k + (u + k) % 7 + 1) * interval '1 day' + ((u * 37 + k) % 1000) * interval '1 millisecond'
    from generate_series(1, n) u, generate_series(0, 2) k
    where k <= u % 3;

    -- the rest of the schema, now that the rows are in
    alter table "User" add constraint "User_email_key" unique (email);
    alter table "ContextProfile"
        add constraint "ContextProfile_userId_contextType_key" unique ("userId", "contextType"),
        add constraint "ContextProfile_userId_fkey" foreign key ("userId") references "User" (id) on delete cascade;
    create index "ContextProfile_userId_idx" on "ContextProfile" ("userId");
    alter table "Profile"
        add constraint "Profile_contextProfileId_key" unique ("contextProfileId"),
        add constraint "Profile_contextProfileId_fkey" foreign key ("contextProfileId") references "ContextProfile" (id) on delete cascade;
$$;
