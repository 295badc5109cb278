-- The record's crypto suite (issue 16): `intl` (SHA-256 chains, Ed25519, AES-256-GCM) or `gm`
-- (SM3, SM2, SM4-GCM). Chosen when the first server starts on an empty database and never changed
-- after: a case log's hashes are only checkable with the suite that made them, and a server
-- configured for the other suite refuses to start. One row, written once.
CREATE TABLE record_suite (
    id          INTEGER NOT NULL PRIMARY KEY CONSTRAINT record_suite_one_row CHECK (id = 1),
    suite       TEXT NOT NULL CONSTRAINT record_suite_suite_ck CHECK (suite IN ('intl', 'gm')),
    recorded_at TEXT NOT NULL
);
-- A database that has a log already chained it with SHA-256: suites came after it.
INSERT INTO record_suite (id, suite, recorded_at)
    SELECT 1, 'intl', strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    WHERE EXISTS (SELECT 1 FROM case_events);
CREATE TRIGGER record_suite_no_update BEFORE UPDATE ON record_suite
BEGIN
    SELECT RAISE(ABORT, 'record_suite is written once: the suite is never changed');
END;
CREATE TRIGGER record_suite_no_delete BEFORE DELETE ON record_suite
BEGIN
    SELECT RAISE(ABORT, 'record_suite is written once: the suite is never removed');
END;

-- Case numbers taken from their counter whose filing then failed (void, 作废), with why, so a
-- number missing from the cases is explained rather than a sign of a deleted case. Append-only.
CREATE TABLE void_numbers (
    number TEXT NOT NULL PRIMARY KEY,
    reason TEXT NOT NULL,
    at     TEXT NOT NULL
);
CREATE TRIGGER void_numbers_no_update BEFORE UPDATE ON void_numbers
BEGIN
    SELECT RAISE(ABORT, 'void_numbers is append-only');
END;
CREATE TRIGGER void_numbers_no_delete BEFORE DELETE ON void_numbers
BEGIN
    SELECT RAISE(ABORT, 'void_numbers is append-only');
END;

-- Case numbers taken and not yet filed: written in the transaction that moves the counter and
-- removed in the one that creates the case, so every issued number is always a case, a claim
-- (a filing in flight) or a void number. A claim left by a stopped server is voided at the next
-- start, with that reason.
CREATE TABLE number_claims (
    number     TEXT NOT NULL PRIMARY KEY,
    claimed_at TEXT NOT NULL
);
