-- Violations (纠错, issue 19, finding 16): each rule break a case's log shows, written in the
-- transaction of the event that shows it, so supervision lists them across a subtree (by rule,
-- unit and period) without reading every log.
CREATE TABLE case_violations (
    case_number   TEXT NOT NULL REFERENCES cases (number),
    seq           INTEGER NOT NULL,
    rule          TEXT NOT NULL,
    found_on      TEXT NOT NULL,
    place_region  TEXT NOT NULL,
    decide_region TEXT NOT NULL,
    department    TEXT NOT NULL,
    item_name     TEXT NOT NULL,
    detail        TEXT NOT NULL,
    PRIMARY KEY (case_number, seq, rule)
);
CREATE INDEX case_violations_found_on_idx ON case_violations (found_on);
