-- Accounts as servers cache them (issue 18, part 1): a signed-in request is answered from a
-- process's memory while nothing about its session, user or grants has changed. A change here
-- bumps the 'accounts' version, which other processes poll, and then forget the sessions they
-- cached. A new session or recorded activity cannot make a cached one wrong, so neither counts.

CREATE TRIGGER users_accounts_insert AFTER INSERT ON users
BEGIN
    INSERT INTO cache_versions (name, version) VALUES ('accounts', 1) ON CONFLICT (name) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER users_accounts_update AFTER UPDATE ON users
BEGIN
    INSERT INTO cache_versions (name, version) VALUES ('accounts', 1) ON CONFLICT (name) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER users_accounts_delete AFTER DELETE ON users
BEGIN
    INSERT INTO cache_versions (name, version) VALUES ('accounts', 1) ON CONFLICT (name) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER user_grants_accounts_insert AFTER INSERT ON user_grants
BEGIN
    INSERT INTO cache_versions (name, version) VALUES ('accounts', 1) ON CONFLICT (name) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER user_grants_accounts_update AFTER UPDATE ON user_grants
BEGIN
    INSERT INTO cache_versions (name, version) VALUES ('accounts', 1) ON CONFLICT (name) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER user_grants_accounts_delete AFTER DELETE ON user_grants
BEGIN
    INSERT INTO cache_versions (name, version) VALUES ('accounts', 1) ON CONFLICT (name) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER sessions_accounts_delete AFTER DELETE ON sessions
BEGIN
    INSERT INTO cache_versions (name, version) VALUES ('accounts', 1) ON CONFLICT (name) DO UPDATE SET version = version + 1;
END;
