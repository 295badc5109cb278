-- The date a case was received (收件), as a column: the public monthly figures count a month's
-- receipts from an index range instead of reading every case.
ALTER TABLE cases ADD COLUMN received_on date NULL;
UPDATE cases SET received_on = (case_json ->> 'received_on')::date;
CREATE INDEX cases_received_on_idx ON cases (received_on, place_region, department);
