-- Signed checkpoints of the record (issue 16): each checkpoint appends the leaves sealed since the
-- one before — every changed case as (number, last seq, last hash), every moved case-number
-- counter as (scope, value) — and signs the RFC 6962 tree hash of all leaves so far, linked to the
-- checkpoint before it (domain::record). The signing key is not in the database. Both tables are
-- append-only.
CREATE TABLE checkpoints (
    seq       INTEGER NOT NULL PRIMARY KEY,
    sealed_at TEXT NOT NULL,
    suite     TEXT NOT NULL CONSTRAINT checkpoints_suite_ck CHECK (suite IN ('intl', 'gm')),
    tree_size INTEGER NOT NULL,
    root      BLOB NOT NULL,
    prev      BLOB NOT NULL,
    key_id    TEXT NOT NULL,
    signature BLOB NOT NULL
);
CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints
BEGIN
    SELECT RAISE(ABORT, 'checkpoints is append-only');
END;
CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints
BEGIN
    SELECT RAISE(ABORT, 'checkpoints is append-only');
END;

-- The leaves, in tree order (idx from 0); `checkpoint` is the one that sealed each.
CREATE TABLE seal_leaves (
    idx        INTEGER NOT NULL PRIMARY KEY,
    checkpoint INTEGER NOT NULL REFERENCES checkpoints (seq),
    kind       TEXT NOT NULL CONSTRAINT seal_leaves_kind_ck CHECK (kind IN ('case', 'counter', 'audit')),
    subject    TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    hash       BLOB NOT NULL CONSTRAINT seal_leaves_hash_length CHECK (length(hash) = 32)
);
CREATE INDEX seal_leaves_subject_idx ON seal_leaves (kind, subject);
CREATE TRIGGER seal_leaves_no_update BEFORE UPDATE ON seal_leaves
BEGIN
    SELECT RAISE(ABORT, 'seal_leaves is append-only');
END;
CREATE TRIGGER seal_leaves_no_delete BEFORE DELETE ON seal_leaves
BEGIN
    SELECT RAISE(ABORT, 'seal_leaves is append-only');
END;
