-- yizhan schema, version 2: cases (办件), their append-only event logs, named counters, applicant
-- messages and published results. Names follow 0001's header; triggers are described too, as
-- `table.trigger(name)`, and the PostgreSQL twin uses the same trigger names.

-- One row per case: case_json is the whole domain Case (the fold of its events); the other columns
-- are copies of its fields for queues and lookups (store::CaseSummary), rewritten with every event.
-- Region and user columns carry no foreign keys: they record what was filed, and the audit record
-- must not depend on rows an administrator may later change.
CREATE TABLE cases (
    number            TEXT NOT NULL PRIMARY KEY,
    query_code        TEXT NOT NULL,
    state             TEXT NOT NULL,
    item_code         TEXT NOT NULL,
    item_name         TEXT NOT NULL,
    department        TEXT NOT NULL,
    applicant_name    TEXT NOT NULL,
    place_region      TEXT NOT NULL,
    decide_region     TEXT NOT NULL,
    applicant_region  TEXT NOT NULL,
    applicant_user_id INTEGER NULL,
    agent_user_id     INTEGER NULL,
    due               TEXT NULL,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    version           INTEGER NOT NULL,
    case_json         TEXT NOT NULL
);
CREATE UNIQUE INDEX cases_query_code_uq ON cases (query_code);
CREATE INDEX cases_place_region_due_idx ON cases (place_region, due);
CREATE INDEX cases_decide_region_due_idx ON cases (decide_region, due);
CREATE INDEX cases_applicant_region_idx ON cases (applicant_region);
CREATE INDEX cases_applicant_user_id_idx ON cases (applicant_user_id);
CREATE INDEX cases_agent_user_id_idx ON cases (agent_user_id);
CREATE INDEX cases_state_due_idx ON cases (state, due);

-- The case log (§3: never rewritten). event_json is the whole domain CaseEvent; seq, prev_hash and
-- hash are also columns, and they are what a read returns, so editing either copy breaks the chain.
CREATE TABLE case_events (
    case_number TEXT NOT NULL REFERENCES cases (number),
    seq         INTEGER NOT NULL,
    at          TEXT NOT NULL,
    event_json  TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL,
    PRIMARY KEY (case_number, seq)
);
-- Append-only, whatever connection writes.
CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events
BEGIN
    SELECT RAISE(ABORT, 'case_events is append-only: events are never updated');
END;
CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events
BEGIN
    SELECT RAISE(ABORT, 'case_events is append-only: events are never deleted');
END;

-- Named sequences per scope (case numbers per place and day, receipt and licence numbers).
CREATE TABLE counters (
    name  TEXT NOT NULL,
    scope TEXT NOT NULL,
    value INTEGER NOT NULL,
    PRIMARY KEY (name, scope)
);

CREATE TABLE messages (
    id          INTEGER NOT NULL PRIMARY KEY,
    user_id     INTEGER NULL,
    case_number TEXT NOT NULL REFERENCES cases (number),
    text        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX messages_user_id_idx ON messages (user_id);
CREATE INDEX messages_case_number_idx ON messages (case_number);

-- 结果公开: one published result per case, personal data already masked.
CREATE TABLE results (
    case_number      TEXT NOT NULL PRIMARY KEY REFERENCES cases (number),
    item_name        TEXT NOT NULL,
    applicant_masked TEXT NOT NULL,
    decided_on       TEXT NOT NULL,
    licence_no       TEXT NOT NULL,
    place_region     TEXT NOT NULL,
    published_at     TEXT NOT NULL
);
CREATE INDEX results_decided_on_idx ON results (decided_on);
CREATE INDEX results_place_region_idx ON results (place_region);
