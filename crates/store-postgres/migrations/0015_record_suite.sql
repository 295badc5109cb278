-- The record's crypto suite (issue 16): `intl` (SHA-256 chains, Ed25519, AES-256-GCM) or `gm`
-- (SM3, SM2, SM4-GCM). Chosen when the first server starts on an empty database and never changed
-- after: a case log's hashes are only checkable with the suite that made them, and a server
-- configured for the other suite refuses to start. One row, written once.
CREATE TABLE record_suite (
    id          integer NOT NULL PRIMARY KEY CONSTRAINT record_suite_one_row CHECK (id = 1),
    suite       text NOT NULL CONSTRAINT record_suite_suite_ck CHECK (suite IN ('intl', 'gm')),
    recorded_at timestamptz NOT NULL
);
-- A database that has a log already chained it with SHA-256: suites came after it.
INSERT INTO record_suite (id, suite, recorded_at)
    SELECT 1, 'intl', now() WHERE EXISTS (SELECT 1 FROM case_events);

-- Append-only tables of the record share one refusal. Statement-level, so TRUNCATE is refused too.
CREATE FUNCTION record_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER record_suite_no_update BEFORE UPDATE ON record_suite
    FOR EACH STATEMENT EXECUTE FUNCTION record_append_only();
CREATE TRIGGER record_suite_no_delete BEFORE DELETE OR TRUNCATE ON record_suite
    FOR EACH STATEMENT EXECUTE FUNCTION record_append_only();

-- Case numbers taken from their counter whose filing then failed (void, 作废), with why, so a
-- number missing from the cases is explained rather than a sign of a deleted case. Append-only.
CREATE TABLE void_numbers (
    number text NOT NULL PRIMARY KEY,
    reason text NOT NULL,
    at     timestamptz NOT NULL
);
CREATE TRIGGER void_numbers_no_update BEFORE UPDATE ON void_numbers
    FOR EACH STATEMENT EXECUTE FUNCTION record_append_only();
CREATE TRIGGER void_numbers_no_delete BEFORE DELETE OR TRUNCATE ON void_numbers
    FOR EACH STATEMENT EXECUTE FUNCTION record_append_only();

-- Case numbers taken and not yet filed: written in the transaction that moves the counter and
-- removed in the one that creates the case, so every issued number is always a case, a claim
-- (a filing in flight) or a void number. A claim left by a stopped server is voided at the next
-- start, with that reason.
CREATE TABLE number_claims (
    number     text NOT NULL PRIMARY KEY,
    claimed_at timestamptz NOT NULL
);
