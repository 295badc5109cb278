-- Evaluation figures of completed cases (绩效评估), written when a case completes, so an
-- evaluation over a period reads the period's rows (completed_on index) instead of loading every
-- completed case and its log. Cases completed before this migration get theirs from a one-off
-- backfill at start-up (the figures need the domain rules, which SQL does not have).
CREATE TABLE case_outcomes (
    case_number   TEXT NOT NULL PRIMARY KEY REFERENCES cases (number),
    completed_on  TEXT NOT NULL,
    place_region  TEXT NOT NULL,
    decide_region TEXT NOT NULL,
    department    TEXT NOT NULL,
    accepted_by   TEXT NOT NULL,
    decided_by    TEXT NOT NULL,
    on_time       INTEGER NOT NULL,
    early         INTEGER NOT NULL,
    working_days  INTEGER NOT NULL,
    overdue       INTEGER NOT NULL,
    warnings      INTEGER NOT NULL,
    violations    INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX case_outcomes_completed_on_idx ON case_outcomes (completed_on);
