-- One ID number per applicant account (issue 17, part 13): the number an applicant registered with,
-- sealed like every ID number (`store::vault`), and its blind index, unique among accounts. Staff
-- accounts have neither. An online filing's applicant must be the account holder: the filing's
-- number is compared with this one.
ALTER TABLE users ADD COLUMN id_number TEXT NULL;
ALTER TABLE users ADD COLUMN id_key TEXT NULL;
CREATE UNIQUE INDEX users_id_key_uq ON users (id_key) WHERE id_key IS NOT NULL;
