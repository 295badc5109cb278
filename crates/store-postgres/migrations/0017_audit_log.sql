-- 安全审计 (issue 16): security-relevant actions — sign-ins and their failures, lockouts, account
-- and role changes, settings and rules, catalog publication, calendar imports, exports and reveals
-- of personal data, verify runs, checkpoints — each with time, actor, source address, object and
-- outcome, chained by hash (domain::audit) and sealed in every checkpoint. Never updated; deleted
-- only up to a recorded prune (entries sealed and older than the retention).
CREATE TABLE audit_log (
    seq      bigint NOT NULL PRIMARY KEY,
    at       timestamptz NOT NULL,
    actor_id bigint NULL,
    actor    text NOT NULL,
    source   text NOT NULL,
    action   text NOT NULL,
    object   text NOT NULL,
    outcome  text NOT NULL CONSTRAINT audit_log_outcome_ck CHECK (outcome IN ('success', 'failure')),
    detail   text NOT NULL,
    hash     bytea NOT NULL CONSTRAINT audit_log_hash_length CHECK (length(hash) = 32)
);
CREATE INDEX audit_log_at_idx ON audit_log (at);
CREATE INDEX audit_log_actor_idx ON audit_log (actor, at);

-- Each prune: entries up to `up_to` removed; `last_hash` is that entry's hash, which the first
-- kept entry links to.
CREATE TABLE audit_prunes (
    up_to     bigint NOT NULL PRIMARY KEY,
    last_hash bytea NOT NULL,
    before    timestamptz NOT NULL,
    at        timestamptz NOT NULL
);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION record_append_only();
-- Row by row: a delete is refused unless the row is at or below a recorded prune.
CREATE FUNCTION audit_log_prune_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.seq > (SELECT COALESCE(MAX(up_to), 0) FROM audit_prunes) THEN
        RAISE EXCEPTION 'audit_log is append-only: only pruned entries may go'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN OLD;
END;
$$;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_prune_only();
CREATE TRIGGER audit_prunes_no_update BEFORE UPDATE ON audit_prunes
    FOR EACH STATEMENT EXECUTE FUNCTION record_append_only();
CREATE TRIGGER audit_prunes_no_delete BEFORE DELETE OR TRUNCATE ON audit_prunes
    FOR EACH STATEMENT EXECUTE FUNCTION record_append_only();
