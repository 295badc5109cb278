-- An event's hash is kept as its 32 bytes instead of 64 hex digits, and its link (prev_hash) not
-- at all: it is the hash of the event before it, given back when a case's log is read in order
-- (store::stored::relink). Two hex hashes were 130 of about 250 bytes per event row. Changing
-- the column's type rewrites the table once, which also frees the dropped column's space.
-- ALTER TABLE fires no row or statement triggers, so the append-only triggers stay as they are.
ALTER TABLE case_events
    DROP COLUMN prev_hash,
    ALTER COLUMN hash TYPE bytea USING decode(hash, 'hex'),
    ADD CONSTRAINT case_events_hash_length CHECK (length(hash) = 32);
