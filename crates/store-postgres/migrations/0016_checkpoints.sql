-- Signed checkpoints of the record (issue 16): each checkpoint appends the leaves sealed since the
-- one before — every changed case as (number, last seq, last hash), every moved case-number
-- counter as (scope, value) — and signs the RFC 6962 tree hash of all leaves so far, linked to the
-- checkpoint before it (domain::record). The signing key is not in the database. Both tables are
-- append-only.
CREATE TABLE checkpoints (
    seq       bigint NOT NULL PRIMARY KEY,
    sealed_at timestamptz NOT NULL,
    suite     text NOT NULL CONSTRAINT checkpoints_suite_ck CHECK (suite IN ('intl', 'gm')),
    tree_size bigint NOT NULL,
    root      bytea NOT NULL,
    prev      bytea NOT NULL,
    key_id    text NOT NULL,
    signature bytea NOT NULL
);
CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION record_append_only();
CREATE TRIGGER checkpoints_no_delete BEFORE DELETE OR TRUNCATE ON checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION record_append_only();

-- The leaves, in tree order (idx from 0); `checkpoint` is the one that sealed each.
CREATE TABLE seal_leaves (
    idx        bigint NOT NULL PRIMARY KEY,
    checkpoint bigint NOT NULL REFERENCES checkpoints (seq),
    kind       text NOT NULL CONSTRAINT seal_leaves_kind_ck CHECK (kind IN ('case', 'counter', 'audit')),
    subject    text NOT NULL,
    seq        bigint NOT NULL,
    hash       bytea NOT NULL CONSTRAINT seal_leaves_hash_length CHECK (length(hash) = 32)
);
CREATE INDEX seal_leaves_subject_idx ON seal_leaves (kind, subject);
CREATE TRIGGER seal_leaves_no_update BEFORE UPDATE ON seal_leaves
    FOR EACH STATEMENT EXECUTE FUNCTION record_append_only();
CREATE TRIGGER seal_leaves_no_delete BEFORE DELETE OR TRUNCATE ON seal_leaves
    FOR EACH STATEMENT EXECUTE FUNCTION record_append_only();
