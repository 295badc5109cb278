-- Receipts (收件) by day, accepting place and department, kept by the write path beside
-- `case_counts` in the case row's own transaction: the public monthly figures add up a month's
-- rows (a few per place and day) instead of counting its cases from an index range (≈ 820 k
-- entries for a month at 10 M cases, 3.5–4.4 s on a month's first visit). Completions come from
-- `outcome_days`. The index those counts used is no longer read.
CREATE TABLE receipt_days (
    received_on  TEXT NOT NULL,
    place_region TEXT NOT NULL,
    department   TEXT NOT NULL,
    shard        INTEGER NOT NULL,
    n            INTEGER NOT NULL,
    PRIMARY KEY (received_on, place_region, department, shard)
) WITHOUT ROWID;
INSERT INTO receipt_days
SELECT received_on, place_region, department, 0, COUNT(*)
FROM cases WHERE received_on IS NOT NULL
GROUP BY received_on, place_region, department;
DROP INDEX IF EXISTS cases_received_on_idx;
