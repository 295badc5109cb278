-- yizhan schema, version 1. The PostgreSQL backend mirrors these names exactly; a test compares
-- both through `describe_schema`, which reports:
--   tables       table -> column names (the bookkeeping table schema_migrations is excluded);
--   indexes      names of indexes made by CREATE [UNIQUE] INDEX (not those backing a PK/UNIQUE);
--   constraints  `t.pk(a,b)`, `t.unique(a,b)` for every non-partial unique index or constraint,
--                `t.fk(col)->reftable`, `t.check(name)` for named CHECK constraints.
-- Instants are RFC 3339 UTC text with microseconds (`2026-01-05T08:30:00.000000Z`), so text order is
-- time order; dates are `YYYY-MM-DD`. Region codes are 12-digit text; scopes are code ranges.

CREATE TABLE regions (
    code        TEXT NOT NULL PRIMARY KEY,
    name        TEXT NOT NULL,
    level       INTEGER NOT NULL,
    parent_code TEXT NULL REFERENCES regions (code),
    CONSTRAINT regions_level_ck CHECK (level BETWEEN 1 AND 4)
);
CREATE INDEX regions_parent_code_idx ON regions (parent_code);

-- One service place per region; windows, stationed departments and the construction checklist
-- are small lists read and written with the place, so they are JSON.
CREATE TABLE places (
    region_code       TEXT NOT NULL PRIMARY KEY REFERENCES regions (code),
    name              TEXT NOT NULL,
    kind              TEXT NOT NULL,
    address           TEXT NOT NULL,
    hours             TEXT NOT NULL,
    phone             TEXT NOT NULL,
    windows_json      TEXT NOT NULL,
    departments_json  TEXT NOT NULL,
    construction_json TEXT NOT NULL,
    CONSTRAINT places_kind_ck CHECK (kind IN ('center', 'room'))
);

CREATE TABLE departments (
    id          INTEGER NOT NULL PRIMARY KEY,
    region_code TEXT NOT NULL REFERENCES regions (code),
    code        TEXT NOT NULL,
    name        TEXT NOT NULL
);
CREATE UNIQUE INDEX departments_region_code_uq ON departments (region_code, code);

CREATE TABLE users (
    id            INTEGER NOT NULL PRIMARY KEY,
    username      TEXT NOT NULL,
    display_name  TEXT NOT NULL,
    phone         TEXT NOT NULL,
    home_region   TEXT NOT NULL REFERENCES regions (code),
    password_hash TEXT NOT NULL,
    active        INTEGER NOT NULL,
    failed_logins INTEGER NOT NULL,
    locked_until  TEXT NULL,
    created_at    TEXT NOT NULL
);
CREATE UNIQUE INDEX users_username_uq ON users (username);
CREATE INDEX users_home_region_idx ON users (home_region);

-- A user's grants are listed in the order they were set (by id).
CREATE TABLE user_grants (
    id            INTEGER NOT NULL PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role          TEXT NOT NULL,
    region_code   TEXT NOT NULL REFERENCES regions (code),
    region_level  INTEGER NOT NULL,
    department_id INTEGER NULL REFERENCES departments (id),
    CONSTRAINT user_grants_level_ck CHECK (region_level BETWEEN 1 AND 4)
);
CREATE INDEX user_grants_user_id_idx ON user_grants (user_id);

CREATE TABLE sessions (
    token_hash TEXT NOT NULL PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);

-- One row per version. body_json is the whole CatalogItem; status is authoritative over the
-- status inside body_json (publishing and superseding change only the column). The other columns
-- are copies of body fields for filtering.
CREATE TABLE catalog_items (
    code         TEXT NOT NULL,
    version      INTEGER NOT NULL,
    status       TEXT NOT NULL,
    name         TEXT NOT NULL,
    department   TEXT NOT NULL,
    region_code  TEXT NOT NULL,
    item_type    TEXT NOT NULL,
    kind         TEXT NOT NULL,
    published_at TEXT NULL,
    body_json    TEXT NOT NULL,
    PRIMARY KEY (code, version),
    CONSTRAINT catalog_items_status_ck CHECK (status IN ('draft', 'published', 'superseded'))
);
CREATE INDEX catalog_items_status_code_idx ON catalog_items (status, code);
CREATE INDEX catalog_items_region_code_idx ON catalog_items (region_code);
-- At most one published version per item code.
CREATE UNIQUE INDEX catalog_items_one_published_uq ON catalog_items (code) WHERE status = 'published';

CREATE TABLE calendar_days (
    date TEXT NOT NULL PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    CONSTRAINT calendar_days_kind_ck CHECK (kind IN ('holiday', 'workday'))
);

CREATE TABLE closures (
    region_code TEXT NOT NULL REFERENCES regions (code),
    date        TEXT NOT NULL,
    reason      TEXT NOT NULL,
    PRIMARY KEY (region_code, date)
);
CREATE INDEX closures_date_idx ON closures (date);

CREATE TABLE settings (
    key   TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
);
