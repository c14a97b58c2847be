-- Recipes benchmark, target schema: every reference is a foreign key.
create table members_v2 (
    id         uuid primary key,
    name       text not null,
    created_at timestamptz not null
);

create table recipes_v2 (
    id         uuid primary key,
    author_id  uuid not null references members_v2,
    title      text not null,
    created_at timestamptz not null
);
create index recipes_v2_author on recipes_v2 (author_id);

create table favorites_v2 (
    id         uuid primary key,
    member_id  uuid not null references members_v2,
    recipe_id  uuid not null references recipes_v2,
    created_at timestamptz not null
);
create index favorites_v2_member on favorites_v2 (member_id);
create index favorites_v2_recipe on favorites_v2 (recipe_id);
