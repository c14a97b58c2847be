-- Scenario 2, the new schema: what is true of the person once, what they want per context.
create table "ProfileNew" (
    id                 text primary key,
    "userId"           text not null unique,
    "coreValues"       jsonb not null default '[]',   -- array, union of every context's values
    beliefs            jsonb not null default '{}',   -- object, contexts deep-merged
    "interactionStyle" jsonb not null default '{}',
    lifestyle          jsonb not null default '{}',
    constraints        jsonb not null default '[]',
    location           text,
    "ageRange"         text,
    name               text,
    completeness       int not null default 0 check (completeness between 0 and 100),
    missing            text[] not null default '{}',
    "createdAt"        timestamp(3) not null default current_timestamp,
    "updatedAt"        timestamp(3) not null
);

create table "ContextIntent" (
    id                            text primary key,
    "userId"                      text not null references "ProfileNew" ("userId"),
    "contextType"                 text not null check ("contextType" in ('romantic', 'friendship', 'professional', 'creative', 'service')),
    -- romantic
    "relationshipTimeline"        text,
    "exclusivityExpectation"      text,
    "familyIntentions"            text,
    "attractionImportance"        int,
    -- friendship
    "friendshipDepth"             text,
    "groupActivityPreference"     text,
    "emotionalSupportExpectation" text,
    -- professional
    "partnershipType"             text,
    "commitmentHorizon"           text,
    "complementarySkills"         jsonb,
    "equityOrRevShare"            text,
    -- creative
    "creativeType"                text,
    "roleNeeded"                  text,
    "processStyle"                text,
    "egoBalance"                  text,
    "compensationExpectation"     text,
    -- service
    "serviceType"                 text,
    "budgetRange"                 text,
    "timelineNeeded"              text,
    "credentialsRequired"         boolean,
    completeness                  int not null default 0 check (completeness between 0 and 100),
    missing                       text[] not null default '{}',
    "createdAt"                   timestamp(3) not null default current_timestamp,
    "updatedAt"                   timestamp(3) not null,
    unique ("userId", "contextType")
);
