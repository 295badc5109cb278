-- Evaluation totals by completion day and unit (绩效评估 at any size): one row per day × accepting
-- place × deciding place × department × window clerk × decider (× shard, for PostgreSQL's
-- concurrent writers; always 0 here, one writer), added to when an outcome is written and taken
-- from when one is replaced, in the same transaction. An evaluation sums a period's rows — a few
-- per unit and day — instead of every completed case of the period (≈ 2.2 M rows for 90 days at
-- 10 M cases). Every grouping the evaluation uses is a subset of the key, and its scope test reads
-- the two place columns, so the totals are exactly those of the outcome rows.
CREATE TABLE outcome_days (
    completed_on  TEXT NOT NULL,
    place_region  TEXT NOT NULL,
    decide_region TEXT NOT NULL,
    department    TEXT NOT NULL,
    accepted_by   TEXT NOT NULL,
    decided_by    TEXT NOT NULL,
    shard         INTEGER NOT NULL,
    cases         INTEGER NOT NULL,
    on_time       INTEGER NOT NULL,
    early         INTEGER NOT NULL,
    overdue       INTEGER NOT NULL,
    warnings      INTEGER NOT NULL,
    violations    INTEGER NOT NULL,
    working_days  INTEGER NOT NULL,
    PRIMARY KEY (completed_on, place_region, decide_region, department, accepted_by, decided_by,
                 shard)
) WITHOUT ROWID;
INSERT INTO outcome_days
SELECT completed_on, place_region, decide_region, department, accepted_by, decided_by, 0,
       COUNT(*), SUM(on_time), SUM(early), SUM(overdue), SUM(warnings), SUM(violations),
       SUM(working_days)
FROM case_outcomes
GROUP BY completed_on, place_region, decide_region, department, accepted_by, decided_by;
