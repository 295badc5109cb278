-- Case snapshots and event bodies are stored compressed (store::codec: a zstd frame with a
-- dictionary trained on case data), so their columns hold bytes. Rows already there keep their
-- JSON, as UTF-8 text, which the codec still reads. TOAST would compress the frames again for
-- nothing: EXTERNAL keeps large ones out of line without a second compression.
ALTER TABLE cases ALTER COLUMN case_json TYPE bytea USING convert_to(case_json::text, 'UTF8');
ALTER TABLE cases ALTER COLUMN case_json SET STORAGE EXTERNAL;
ALTER TABLE case_events ALTER COLUMN event_json TYPE bytea USING convert_to(event_json::text, 'UTF8');
ALTER TABLE case_events ALTER COLUMN event_json SET STORAGE EXTERNAL;
