-- 双因素认证 (issue 17, part 3): a user's authenticator (TOTP), its recovery codes, and sessions
-- whose second factor is still to come.

-- The shared secret is sealed (`store::vault`, Field::TotpSecret): whoever copies the database
-- cannot make codes. Pending until a first code confirms it; `last_step` refuses a code used before.
CREATE TABLE second_factors (
    user_id      bigint NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret       text NOT NULL,
    created_at   timestamptz NOT NULL,
    confirmed_at timestamptz NULL,
    last_step    bigint NULL
);

-- Ten single-use codes for a lost phone, kept only as keyed hashes (`Vault::recovery_code_key`).
CREATE TABLE recovery_codes (
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_key   text NOT NULL,
    created_at timestamptz NOT NULL,
    used_at    timestamptz NULL,
    PRIMARY KEY (user_id, code_key)
);

ALTER TABLE sessions ADD COLUMN second_factor_due boolean NOT NULL DEFAULT false;
