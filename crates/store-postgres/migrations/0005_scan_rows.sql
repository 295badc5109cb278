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

-- Open warnings counted by accepting place and colour, kept by statement-level triggers (one
-- grouped upsert per statement, however many rows the scan inserts), sharded by case so concurrent
-- writers of one place do not queue on one row.
CREATE TABLE warning_counts (
    place_region text COLLATE "C" NOT NULL,
    colour       text COLLATE "C" NOT NULL,
    shard        smallint NOT NULL,
    n            bigint NOT NULL,
    PRIMARY KEY (place_region, colour, shard)
);
INSERT INTO warning_counts (place_region, colour, shard, n)
SELECT place_region, colour, 0, COUNT(*) FROM warnings WHERE cleared_at IS NULL
GROUP BY place_region, colour;

CREATE FUNCTION warnings_count_raised() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Keys in order, so two transactions cannot deadlock on the counts.
    INSERT INTO warning_counts (place_region, colour, shard, n)
    SELECT place_region, colour, (hashtext(case_number) & 15)::smallint, COUNT(*)
    FROM new_rows WHERE cleared_at IS NULL
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (place_region, colour, shard) DO UPDATE SET n = warning_counts.n + EXCLUDED.n;
    RETURN NULL;
END $$;
CREATE TRIGGER warnings_counted_on_insert AFTER INSERT ON warnings
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION warnings_count_raised();

CREATE FUNCTION warnings_count_cleared() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO warning_counts (place_region, colour, shard, n)
    SELECT o.place_region, o.colour, (hashtext(o.case_number) & 15)::smallint, -COUNT(*)
    FROM old_rows o JOIN new_rows w ON w.id = o.id
    WHERE o.cleared_at IS NULL AND w.cleared_at IS NOT NULL
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (place_region, colour, shard) DO UPDATE SET n = warning_counts.n + EXCLUDED.n;
    RETURN NULL;
END $$;
CREATE TRIGGER warnings_counted_on_clear AFTER UPDATE ON warnings
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION warnings_count_cleared();
