-- 身份鉴别 (issue 17): sign-in counters, password lifecycle, SMS reset codes, session activity.

-- One counter per key (an account tried from one source, a source over all accounts, SMS codes
-- asked): failures counted since `since`, locked until `locked_until`. Moved in one statement per
-- attempt (domain::sign_in).
CREATE TABLE sign_in_throttles (
    key          TEXT NOT NULL PRIMARY KEY,
    failures     INTEGER NOT NULL,
    since        TEXT NOT NULL,
    locked_until TEXT NULL
);

-- When the password was last set (NULL: before this was recorded; created_at stands for it), and
-- whether it must be changed at the next sign-in (set by an administrator).
ALTER TABLE users ADD COLUMN password_changed_at TEXT NULL;
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;

-- One live SMS reset code per user, hashed; single use, short-lived, a few tries.
CREATE TABLE password_resets (
    user_id    INTEGER NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    code_hash  TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    tries      INTEGER NOT NULL,
    used       INTEGER NOT NULL
);

-- Activity for the idle timeout (NULL: not seen since sign-in), where the session was opened, and
-- whether it may do nothing but change the password.
ALTER TABLE sessions ADD COLUMN last_seen_at TEXT NULL;
ALTER TABLE sessions ADD COLUMN source TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN password_change_due INTEGER NOT NULL DEFAULT 0;
