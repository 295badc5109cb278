-- 身份鉴别 (issue 17): sign-in counters, password lifecycle, SMS reset codes, session activity.

-- One counter per key (an account tried from one source, a source over all accounts, SMS codes
-- asked): failures counted since `since`, locked until `locked_until`. Moved in one statement per
-- attempt (domain::sign_in).
CREATE TABLE sign_in_throttles (
    key          text COLLATE "C" NOT NULL PRIMARY KEY,
    failures     integer NOT NULL,
    since        timestamptz NOT NULL,
    locked_until timestamptz NULL
);

-- When the password was last set (NULL: before this was recorded; created_at stands for it), and
-- whether it must be changed at the next sign-in (set by an administrator).
ALTER TABLE users ADD COLUMN password_changed_at timestamptz NULL;
ALTER TABLE users ADD COLUMN must_change_password boolean NOT NULL DEFAULT false;

-- One live SMS reset code per user, hashed; single use, short-lived, a few tries.
CREATE TABLE password_resets (
    user_id    bigint NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    code_hash  text NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    tries      integer NOT NULL,
    used       boolean NOT NULL
);

-- Activity for the idle timeout (NULL: not seen since sign-in), where the session was opened, and
-- whether it may do nothing but change the password.
ALTER TABLE sessions ADD COLUMN last_seen_at timestamptz NULL;
ALTER TABLE sessions ADD COLUMN source text NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN password_change_due boolean NOT NULL DEFAULT false;
