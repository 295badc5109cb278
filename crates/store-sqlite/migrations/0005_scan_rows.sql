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

-- Open warnings counted by accepting place and colour, kept by triggers on every raise and clear
-- (the set-based scan included), so the monitor's counts read a few rows however many warnings
-- are open. SQLite has one writer: one shard (0) per group.
CREATE TABLE warning_counts (
    place_region TEXT NOT NULL,
    colour       TEXT NOT NULL,
    shard        INTEGER NOT NULL,
    n            INTEGER NOT NULL,
    PRIMARY KEY (place_region, colour, shard)
);
INSERT INTO warning_counts (place_region, colour, shard, n)
SELECT place_region, colour, 0, COUNT(*) FROM warnings WHERE cleared_at IS NULL
GROUP BY place_region, colour;
CREATE TRIGGER warnings_counted_on_insert AFTER INSERT ON warnings WHEN NEW.cleared_at IS NULL
BEGIN
    INSERT INTO warning_counts (place_region, colour, shard, n)
    VALUES (NEW.place_region, NEW.colour, 0, 1)
    ON CONFLICT (place_region, colour, shard) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER warnings_counted_on_clear AFTER UPDATE OF cleared_at ON warnings
WHEN OLD.cleared_at IS NULL AND NEW.cleared_at IS NOT NULL
BEGIN
    UPDATE warning_counts SET n = n - 1
    WHERE place_region = OLD.place_region AND colour = OLD.colour AND shard = 0;
END;
