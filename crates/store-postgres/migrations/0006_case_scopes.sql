-- The case list at any size (store::listing): one row per code prefix a case is reachable under —
-- '' (everywhere), then the city, county, township and village prefixes of its accepting place and
-- deciding place (via bit 1) and of its applicant's region (via bit 2) — with its state and due
-- date (9999-12-31 when none, so undated cases sort last in the same index order). A subtree's
-- first page is then a few ordered index ranges (one per state) merged, not a sort of the subtree.
CREATE TABLE case_scopes (
    prefix      text COLLATE "C" NOT NULL,
    case_number text COLLATE "C" NOT NULL REFERENCES cases (number),
    via         bigint NOT NULL,
    state       text NOT NULL,
    sort_due    date NOT NULL,
    PRIMARY KEY (case_number, prefix)
);

INSERT INTO case_scopes (prefix, case_number, via, state, sort_due)
WITH lens(n) AS (VALUES (0), (4), (6), (9), (12)),
codes(number, code, via, state, sort_due) AS (
    SELECT number, place_region, 1, state, COALESCE(due, DATE '9999-12-31') FROM cases
    UNION ALL
    SELECT number, decide_region, 1, state, COALESCE(due, DATE '9999-12-31') FROM cases
    UNION ALL
    SELECT number, applicant_region, 2, state, COALESCE(due, DATE '9999-12-31') FROM cases
)
SELECT substr(code, 1, n), number, bit_or(via), MIN(state), MIN(sort_due)
FROM codes, lens
WHERE n <= CASE WHEN substr(code, 10, 3) <> '000' THEN 12
                WHEN substr(code, 7, 3) <> '000' THEN 9
                WHEN substr(code, 5, 2) <> '00' THEN 6
                ELSE 4 END
GROUP BY number, substr(code, 1, n);

CREATE INDEX case_scopes_list_idx ON case_scopes (prefix, state, sort_due, case_number, via);

-- Replaced by case_scopes: subtree lists no longer read these.
DROP INDEX cases_place_region_due_idx;
DROP INDEX cases_decide_region_due_idx;
DROP INDEX cases_applicant_region_idx;
