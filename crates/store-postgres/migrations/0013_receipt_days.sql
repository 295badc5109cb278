-- yizhan schema, version 13: the PostgreSQL twin of crates/store-sqlite/migrations/0013_receipt_days.sql
-- (receipts by day, place and department for the public monthly figures). Sharded by case number
-- like `case_counts`; writers change it after `case_counts` and before `outcome_days`, rows in
-- key order, so concurrent writers cannot deadlock.
CREATE TABLE receipt_days (
    received_on  date NOT NULL,
    place_region text COLLATE "C" NOT NULL,
    department   text COLLATE "C" NOT NULL,
    shard        smallint NOT NULL,
    n            bigint NOT NULL,
    PRIMARY KEY (received_on, place_region, department, shard)
);
INSERT INTO receipt_days
SELECT received_on, place_region, department, 0, COUNT(*)
FROM cases WHERE received_on IS NOT NULL
GROUP BY received_on, place_region, department;
DROP INDEX IF EXISTS cases_received_on_idx;
