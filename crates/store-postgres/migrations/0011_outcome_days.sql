-- yizhan schema, version 11: the PostgreSQL twin of crates/store-sqlite/migrations/0011_outcome_days.sql
-- (evaluation totals by completion day and unit). Sharded by case number like `case_counts`, so
-- concurrent completions by one clerk on one day do not queue on one row lock; readers sum the
-- shards. Writers add a batch's rows in key order, after `case_counts`, so they cannot deadlock.
CREATE TABLE outcome_days (
    completed_on  date NOT NULL,
    place_region  text COLLATE "C" NOT NULL,
    decide_region text COLLATE "C" NOT NULL,
    department    text COLLATE "C" NOT NULL,
    accepted_by   text NOT NULL,
    decided_by    text NOT NULL,
    shard         smallint NOT NULL,
    cases         bigint NOT NULL,
    on_time       bigint NOT NULL,
    early         bigint NOT NULL,
    overdue       bigint NOT NULL,
    warnings      bigint NOT NULL,
    violations    bigint NOT NULL,
    working_days  bigint NOT NULL,
    PRIMARY KEY (completed_on, place_region, decide_region, department, accepted_by, decided_by,
                 shard)
);
INSERT INTO outcome_days
SELECT completed_on, place_region, decide_region, department, accepted_by, decided_by, 0,
       COUNT(*), SUM(on_time::int), SUM(early::int), SUM(overdue::int), SUM(warnings),
       SUM(violations), SUM(working_days)
FROM case_outcomes
GROUP BY completed_on, place_region, decide_region, department, accepted_by, decided_by;
