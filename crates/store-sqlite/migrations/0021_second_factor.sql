-- 双因素认证 (issue 17, part 3): a user's authenticator (TOTP), its recovery codes, and sessions
-- whose second factor is still to come.

-- The shared secret is sealed (`store::vault`, Field::TotpSecret): whoever copies the database
-- cannot make codes. Pending until a first code confirms it; `last_step` refuses a code used before.
CREATE TABLE second_factors (
    user_id      INTEGER NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    confirmed_at TEXT NULL,
    last_step    INTEGER NULL
);

-- Ten single-use codes for a lost phone, kept only as keyed hashes (`Vault::recovery_code_key`).
CREATE TABLE recovery_codes (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_key   TEXT NOT NULL,
    created_at TEXT NOT NULL,
    used_at    TEXT NULL,
    PRIMARY KEY (user_id, code_key)
);

ALTER TABLE sessions ADD COLUMN second_factor_due INTEGER NOT NULL DEFAULT 0;
