-- Scenario 3, the legacy side: the app's Cloudflare D1 database (SQLite), as 'wrangler d1 export'
-- gives it back once loaded into a file. Auth.js tables (users, accounts, sessions) in camelCase,
-- the app's own tables in snake_case. SQLite has no boolean or timestamp type: flags are INTEGER
-- 0/1 and timestamps are TEXT in whatever format the code that wrote them used.
CREATE TABLE users (
    id               TEXT PRIMARY KEY,
    name             TEXT,
    email            TEXT,
    emailVerified    INTEGER,
    image            TEXT,
    role             TEXT DEFAULT 'user',
    approved         INTEGER DEFAULT 0,
    age_verified     INTEGER DEFAULT 0,
    tos_accepted     INTEGER DEFAULT 0,
    tos_accepted_at  TEXT,
    last_activity_at TEXT,
    created_at       TEXT,
    updated_at       TEXT
);
CREATE TABLE accounts (
    id                TEXT PRIMARY KEY,
    userId            TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    type              TEXT NOT NULL,
    provider          TEXT NOT NULL,
    providerAccountId TEXT NOT NULL,
    access_token      TEXT,
    token_type        TEXT,
    scope             TEXT,
    expires_at        INTEGER
);
CREATE INDEX accounts_user ON accounts (userId);
CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    sessionToken TEXT NOT NULL UNIQUE,
    userId       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires      TEXT NOT NULL
);
CREATE TABLE skill_definitions (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    category   TEXT,
    max_stars  INTEGER NOT NULL,
    metadata   TEXT,
    created_at TEXT
);
CREATE TABLE achievement_definitions (
    id          TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    description TEXT,
    xp_reward   INTEGER,
    secret      INTEGER DEFAULT 0,
    criteria    TEXT
);
CREATE TABLE user_skills (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL,
    skill_id    TEXT NOT NULL,
    stars       INTEGER,
    xp          INTEGER,
    unlocked_at TEXT
);
CREATE INDEX user_skills_user ON user_skills (user_id);
CREATE TABLE user_achievements (
    id             TEXT PRIMARY KEY,
    user_id        TEXT NOT NULL,
    achievement_id TEXT NOT NULL,
    earned_at      TEXT
);
CREATE INDEX user_achievements_user ON user_achievements (user_id);
CREATE TABLE user_wallet (
    user_id           TEXT PRIMARY KEY,
    xp                INTEGER,
    level             INTEGER,
    coins             INTEGER,
    total_skill_stars INTEGER,
    updated_at        TEXT
);
CREATE TABLE habits (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL,
    title      TEXT NOT NULL,
    frequency  TEXT,
    schedule   TEXT,
    archived   INTEGER DEFAULT 0,
    created_at TEXT
);
CREATE INDEX habits_user ON habits (user_id);
CREATE TABLE habit_logs (
    id         TEXT PRIMARY KEY,
    habit_id   TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    logged_on  TEXT NOT NULL,
    completed  INTEGER DEFAULT 0,
    note       TEXT,
    created_at TEXT
);
CREATE INDEX habit_logs_user ON habit_logs (user_id);
CREATE TABLE goals (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL,
    title       TEXT NOT NULL,
    target_date TEXT,
    status      TEXT,
    created_at  TEXT
);
CREATE INDEX goals_user ON goals (user_id);
CREATE TABLE goal_milestones (
    id       TEXT PRIMARY KEY,
    goal_id  TEXT NOT NULL,
    user_id  TEXT NOT NULL,
    title    TEXT NOT NULL,
    position INTEGER,
    done     INTEGER DEFAULT 0,
    done_at  TEXT
);
CREATE INDEX goal_milestones_user ON goal_milestones (user_id);
