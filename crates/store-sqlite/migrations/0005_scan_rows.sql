-- yizhan schema, version 5: the warning scan works from deadline rows alone. Each row carries the
-- case's department (the warning records it), and `red_from` is indexed like `yellow_from`, so the
-- daily scan reads only the rows whose colour changes on the days since the last scan.

ALTER TABLE case_deadlines ADD COLUMN department TEXT NOT NULL DEFAULT '';
UPDATE case_deadlines
SET department = (SELECT department FROM cases WHERE cases.number = case_deadlines.case_number);
CREATE INDEX case_deadlines_red_from_idx ON case_deadlines (red_from);

-- Case counts split into shards (a hash of the case number): on PostgreSQL concurrent writers of one
-- busy group (one place, one department, one state) otherwise queue on a single row lock. SQLite
-- has one writer and always uses shard 0; the schemas stay twins. Readers sum the shards.
CREATE TABLE case_counts_sharded (
    place_region TEXT NOT NULL,
    department   TEXT NOT NULL,
    state        TEXT NOT NULL,
    shard        INTEGER NOT NULL,
    n            INTEGER NOT NULL,
    PRIMARY KEY (place_region, department, state, shard)
);
INSERT INTO case_counts_sharded (place_region, department, state, shard, n)
SELECT place_region, department, state, 0, n FROM case_counts;
DROP TABLE case_counts;
ALTER TABLE case_counts_sharded RENAME TO case_counts;

-- The monitor lists open warnings red first then by due date, and counts them by colour: an index
-- of open warnings in that order lets the list stop after its first page.
CREATE INDEX warnings_open_order_idx ON warnings (colour, due, case_number, key) WHERE cleared_at IS NULL;
