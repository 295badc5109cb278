-- Evaluation figures of completed cases (绩效评估), written when a case completes, so an
-- evaluation over a period reads the period's rows (completed_on index) instead of loading every
-- completed case and its log. Cases completed before this migration get theirs from a one-off
-- backfill at start-up (the figures need the domain rules, which SQL does not have).
CREATE TABLE case_outcomes (
    case_number   text COLLATE "C" NOT NULL PRIMARY KEY REFERENCES cases (number),
    completed_on  date NOT NULL,
    place_region  text COLLATE "C" NOT NULL,
    decide_region text COLLATE "C" NOT NULL,
    department    text COLLATE "C" NOT NULL,
    accepted_by   text NOT NULL,
    decided_by    text NOT NULL,
    on_time       boolean NOT NULL,
    early         boolean NOT NULL,
    working_days  bigint NOT NULL,
    overdue       boolean NOT NULL,
    warnings      bigint NOT NULL,
    violations    bigint NOT NULL
);
CREATE INDEX case_outcomes_completed_on_idx ON case_outcomes (completed_on);
