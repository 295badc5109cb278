-- yizhan schema, version 3: electronic supervision (电子监察). Names follow 0001's header, with one
-- addition: a partial unique index is also described as `t.partial_unique(cols)`, so the rule it
-- enforces (one open warning per case, key and colour) is compared between the backends too.

-- One row per open deadline of a case (store::SupervisionStore::replace_deadline_rows), so the
-- warning scan is an index range on yellow_from instead of a pass over every case. The case's
-- accepting and deciding places are copied from its row, for scoped scans.
CREATE TABLE case_deadlines (
    case_number   TEXT NOT NULL REFERENCES cases (number),
    key           TEXT NOT NULL,
    label         TEXT NOT NULL,
    due           TEXT NOT NULL,
    yellow_from   TEXT NOT NULL,
    red_from      TEXT NOT NULL,
    place_region  TEXT NOT NULL,
    decide_region TEXT NOT NULL,
    PRIMARY KEY (case_number, key)
);
CREATE INDEX case_deadlines_yellow_from_idx ON case_deadlines (yellow_from);
CREATE INDEX case_deadlines_place_region_yellow_from_idx ON case_deadlines (place_region, yellow_from);
CREATE INDEX case_deadlines_decide_region_yellow_from_idx ON case_deadlines (decide_region, yellow_from);

-- Warnings raised (预警); a cleared one stays as history. At most one open warning per
-- (case, key, colour): the partial unique index is what makes raising exactly-once across processes.
CREATE TABLE warnings (
    id            INTEGER NOT NULL PRIMARY KEY,
    case_number   TEXT NOT NULL REFERENCES cases (number),
    key           TEXT NOT NULL,
    colour        TEXT NOT NULL,
    label         TEXT NOT NULL,
    place_region  TEXT NOT NULL,
    decide_region TEXT NOT NULL,
    department    TEXT NOT NULL,
    due           TEXT NOT NULL,
    raised_at     TEXT NOT NULL,
    cleared_at    TEXT NULL,
    CONSTRAINT warnings_colour_ck CHECK (colour IN ('yellow', 'red'))
);
CREATE UNIQUE INDEX warnings_open_uq ON warnings (case_number, key, colour) WHERE cleared_at IS NULL;
CREATE INDEX warnings_place_region_idx ON warnings (place_region, cleared_at);
CREATE INDEX warnings_decide_region_idx ON warnings (decide_region, cleared_at);

-- Case counts per accepting place, department and state, kept by create_case and append_events in
-- their own transactions, so the dashboard sums a few rows instead of counting cases.
CREATE TABLE case_counts (
    place_region TEXT NOT NULL,
    department   TEXT NOT NULL,
    state        TEXT NOT NULL,
    n            INTEGER NOT NULL,
    PRIMARY KEY (place_region, department, state)
);
-- Databases that already hold cases start with correct counts.
INSERT INTO case_counts (place_region, department, state, n)
SELECT place_region, department, state, COUNT(*) FROM cases
GROUP BY place_region, department, state;

-- Named leases for singleton work across server processes (the warning scan).
CREATE TABLE leases (
    name   TEXT NOT NULL PRIMARY KEY,
    holder TEXT NOT NULL,
    until  TEXT NOT NULL
);

-- Supervision orders (督办单); the history is a short list read and written with the order.
-- issued_by carries no foreign key, like the user columns of cases: the record must outlive accounts.
CREATE TABLE orders (
    id           INTEGER NOT NULL PRIMARY KEY,
    case_number  TEXT NULL REFERENCES cases (number),
    unit_region  TEXT NOT NULL,
    department   TEXT NULL,
    subject      TEXT NOT NULL,
    body         TEXT NOT NULL,
    issued_in    TEXT NOT NULL,
    issued_by    INTEGER NOT NULL,
    issued_at    TEXT NOT NULL,
    reply_due    TEXT NOT NULL,
    status       TEXT NOT NULL,
    history_json TEXT NOT NULL,
    version      INTEGER NOT NULL,
    CONSTRAINT orders_status_ck CHECK (status IN ('open', 'replied', 'closed', 'escalated'))
);
CREATE INDEX orders_unit_region_idx ON orders (unit_region, issued_at);
CREATE INDEX orders_issued_in_idx ON orders (issued_in, issued_at);
CREATE INDEX orders_case_number_idx ON orders (case_number);
-- Overdue orders are warnings themselves: open orders by reply date.
CREATE INDEX orders_status_reply_due_idx ON orders (status, reply_due);
