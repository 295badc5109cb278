-- yizhan schema, version 5: the PostgreSQL twin of crates/store-sqlite/migrations/0005_scan_rows.sql
-- (deadline rows carry the department; `red_from` indexed for the row-only warning scan).

ALTER TABLE case_deadlines ADD COLUMN department text COLLATE "C" NOT NULL DEFAULT '';
UPDATE case_deadlines d SET department = c.department FROM cases c WHERE c.number = d.case_number;
CREATE INDEX case_deadlines_red_from_idx ON case_deadlines (red_from);

-- Case counts split into shards (a hash of the case number), so concurrent writers of one busy
-- group do not all queue on one row lock; readers sum the shards.
ALTER TABLE case_counts ADD COLUMN shard smallint NOT NULL DEFAULT 0;
ALTER TABLE case_counts ALTER COLUMN shard DROP DEFAULT;
ALTER TABLE case_counts DROP CONSTRAINT case_counts_pkey;
ALTER TABLE case_counts ADD CONSTRAINT case_counts_pkey
    PRIMARY KEY (place_region, department, state, shard);

-- The monitor's list of open warnings, red first then by due date, stops after its first page.
CREATE INDEX warnings_open_order_idx ON warnings (colour, due, case_number, key) WHERE cleared_at IS NULL;
