-- Recipes benchmark, legacy schema: members, their recipes, and their favorites of recipes. Used by
-- 'backfill bench --scenario recipes' (each favorite is another member's recipe: half of all rows
-- reference another user's row) and 'recipes-own' (the same rows, each favorite the member's own recipe).
create table members (
    id         uuid primary key,
    name       text not null,
    created_at timestamptz not null
);

create table recipes (
    id         uuid primary key,
    author_id  uuid not null,
    title      text not null,
    created_at timestamptz not null
);
create index recipes_author on recipes (author_id);

create table favorites (
    id         uuid primary key,
    member_id  uuid not null,
    recipe_id  uuid not null,
    created_at timestamptz not null
);
create index favorites_member on favorites (member_id);

-- Member i has 2 recipes and 3 favorites: favorite f is a recipe of member i + f (wrapping around).
create or replace function generate_demo(users int) returns void language sql as $$
    insert into members
    select md5('member-' || i)::uuid, 'member ' || i, timestamptz '2023-01-01 00:00:00+00' + i * interval '1 minute'
    from generate_series(1, users) i;
    insert into recipes
    select md5('recipe-' || i || '-' || r)::uuid, md5('member-' || i)::uuid, 'recipe ' || r || ' of member ' || i,
           timestamptz '2023-06-01 00:00:00+00' + i * interval '1 minute' + r * interval '1 second'
    from generate_series(1, users) i, generate_series(1, 2) r;
    insert into favorites
    select md5('favorite-' || i || '-' || f)::uuid, md5('member-' || i)::uuid,
           md5('recipe-' || ((i + f - 1) % users + 1) || '-' || (f % 2 + 1))::uuid,
           timestamptz '2024-01-01 00:00:00+00' + i * interval '1 minute' + f * interval '1 second'
    from generate_series(1, users) i, generate_series(1, 3) f;
$$;

-- The same favorites, each of the member's own recipes: no row references another user's row.
create or replace function own_favorites(users int) returns void language sql as $$
    truncate favorites;
    insert into favorites
    select md5('favorite-' || i || '-' || f)::uuid, md5('member-' || i)::uuid, md5('recipe-' || i || '-' || (f % 2 + 1))::uuid,
           timestamptz '2024-01-01 00:00:00+00' + i * interval '1 minute' + f * interval '1 second'
    from generate_series(1, users) i, generate_series(1, 3) f;
$$;
