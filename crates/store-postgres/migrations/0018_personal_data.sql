-- Personal data at rest (issue 16, part 6): case snapshots and event bodies are stored sealed
-- (compressed, then encrypted with the key ring's data key) and phones as `enc1:` ciphertext, so a
-- copy of this file shows no ID number or phone. Rows written before are sealed by the server at
-- start (`seal_personal_data`). A case's applicant is found by a keyed blind index of the ID number
-- (HMAC with the key ring's index key): equal numbers give equal keys, and without the key nobody
-- can test a guess. No foreign key: like the case columns, it records what was filed.
CREATE TABLE applicant_index (
    id_key      text NOT NULL,
    case_number text NOT NULL,
    PRIMARY KEY (id_key, case_number)
);
