-- The date a case was received (收件), as a column: the public monthly figures count a month's
-- receipts from an index range instead of reading every case.
ALTER TABLE cases ADD COLUMN received_on TEXT NULL;
UPDATE cases SET received_on = json_extract(case_json, '$.received_on');
CREATE INDEX cases_received_on_idx ON cases (received_on, place_region, department);
