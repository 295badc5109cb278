-- 安全审计 (issue 16): security-relevant actions — sign-ins and their failures, lockouts, account
-- and role changes, settings and rules, catalog publication, calendar imports, exports and reveals
-- of personal data, verify runs, checkpoints — each with time, actor, source address, object and
-- outcome, chained by hash (domain::audit) and sealed in every checkpoint. Never updated; deleted
-- only up to a recorded prune (entries sealed and older than the retention).
CREATE TABLE audit_log (
    seq      INTEGER NOT NULL PRIMARY KEY,
    at       TEXT NOT NULL,
    actor_id INTEGER NULL,
    actor    TEXT NOT NULL,
    source   TEXT NOT NULL,
    action   TEXT NOT NULL,
    object   TEXT NOT NULL,
    outcome  TEXT NOT NULL CONSTRAINT audit_log_outcome_ck CHECK (outcome IN ('success', 'failure')),
    detail   TEXT NOT NULL,
    hash     BLOB NOT NULL CONSTRAINT audit_log_hash_length CHECK (length(hash) = 32)
);
CREATE INDEX audit_log_at_idx ON audit_log (at);
CREATE INDEX audit_log_actor_idx ON audit_log (actor, at);

-- Each prune: entries up to `up_to` removed; `last_hash` is that entry's hash, which the first
-- kept entry links to.
CREATE TABLE audit_prunes (
    up_to     INTEGER NOT NULL PRIMARY KEY,
    last_hash BLOB NOT NULL,
    before    TEXT NOT NULL,
    at        TEXT NOT NULL
);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    WHEN OLD.seq > (SELECT COALESCE(MAX(up_to), 0) FROM audit_prunes)
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: only pruned entries may go');
END;
CREATE TRIGGER audit_prunes_no_update BEFORE UPDATE ON audit_prunes
BEGIN
    SELECT RAISE(ABORT, 'audit_prunes is append-only');
END;
CREATE TRIGGER audit_prunes_no_delete BEFORE DELETE ON audit_prunes
BEGIN
    SELECT RAISE(ABORT, 'audit_prunes is append-only');
END;
