-- Violations (纠错, issue 19, finding 16): each rule break a case's log shows, written in the
-- transaction of the event that shows it, so supervision lists them across a subtree (by rule,
-- unit and period) without reading every log.
CREATE TABLE case_violations (
    case_number   text NOT NULL REFERENCES cases (number),
    seq           integer NOT NULL,
    rule          text NOT NULL,
    found_on      date NOT NULL,
    place_region  text NOT NULL,
    decide_region text NOT NULL,
    department    text NOT NULL,
    item_name     text NOT NULL,
    detail        text NOT NULL,
    PRIMARY KEY (case_number, seq, rule)
);
CREATE INDEX case_violations_found_on_idx ON case_violations (found_on);
