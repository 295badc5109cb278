-- Accounts as servers cache them (issue 18, part 1): a signed-in request is answered from a
-- process's memory while nothing about its session, user or grants has changed. A change here
-- bumps the 'accounts' version and NOTIFYs every server, which then forgets the sessions it
-- cached. A new session or recorded activity cannot make a cached one wrong, so neither counts.

CREATE TRIGGER users_accounts_insert AFTER INSERT ON users
    FOR EACH STATEMENT EXECUTE FUNCTION yz_table_changed('accounts');
CREATE TRIGGER users_accounts_update AFTER UPDATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION yz_table_changed('accounts');
CREATE TRIGGER users_accounts_delete AFTER DELETE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION yz_table_changed('accounts');
CREATE TRIGGER user_grants_accounts_insert AFTER INSERT ON user_grants
    FOR EACH STATEMENT EXECUTE FUNCTION yz_table_changed('accounts');
CREATE TRIGGER user_grants_accounts_update AFTER UPDATE ON user_grants
    FOR EACH STATEMENT EXECUTE FUNCTION yz_table_changed('accounts');
CREATE TRIGGER user_grants_accounts_delete AFTER DELETE ON user_grants
    FOR EACH STATEMENT EXECUTE FUNCTION yz_table_changed('accounts');
CREATE TRIGGER sessions_accounts_delete AFTER DELETE ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION yz_table_changed('accounts');
