-- Versions of the tables servers keep in memory (issue 15, part 6). A change to one of them bumps
-- its version in the same transaction (these triggers), and NOTIFY tells every server listening on
-- 'yizhan_cache' at commit; a server that missed it sees the new version when it next polls.
-- Names: calendar, closures, catalog, departments, and setting:<key> for each setting.
CREATE TABLE cache_versions (
    name    text NOT NULL PRIMARY KEY,
    version bigint NOT NULL
);

-- The schema the migration ran in, whatever the search_path of the session that fires them.
CREATE FUNCTION yz_bump_cache_version(what text) RETURNS void LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO cache_versions (name, version) VALUES (what, 1)
    ON CONFLICT (name) DO UPDATE SET version = cache_versions.version + 1;
    PERFORM pg_notify('yizhan_cache', what);
END $$;

CREATE FUNCTION yz_table_changed() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM yz_bump_cache_version(TG_ARGV[0]);
    RETURN NULL;
END $$;

CREATE FUNCTION yz_setting_changed() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM yz_bump_cache_version('setting:' || OLD.key);
    ELSE
        PERFORM yz_bump_cache_version('setting:' || NEW.key);
    END IF;
    RETURN NULL;
END $$;

-- One trigger per operation, named as SQLite's (whose triggers cannot name several), so the
-- schema comparison holds. Statement-level: a calendar import of a year's days is one bump.
CREATE TRIGGER calendar_days_cache_insert AFTER INSERT ON calendar_days
    FOR EACH STATEMENT EXECUTE FUNCTION yz_table_changed('calendar');
CREATE TRIGGER calendar_days_cache_update AFTER UPDATE ON calendar_days
    FOR EACH STATEMENT EXECUTE FUNCTION yz_table_changed('calendar');
CREATE TRIGGER calendar_days_cache_delete AFTER DELETE ON calendar_days
    FOR EACH STATEMENT EXECUTE FUNCTION yz_table_changed('calendar');
CREATE TRIGGER closures_cache_insert AFTER INSERT ON closures
    FOR EACH STATEMENT EXECUTE FUNCTION yz_table_changed('closures');
CREATE TRIGGER closures_cache_update AFTER UPDATE ON closures
    FOR EACH STATEMENT EXECUTE FUNCTION yz_table_changed('closures');
CREATE TRIGGER closures_cache_delete AFTER DELETE ON closures
    FOR EACH STATEMENT EXECUTE FUNCTION yz_table_changed('closures');
CREATE TRIGGER catalog_items_cache_insert AFTER INSERT ON catalog_items
    FOR EACH STATEMENT EXECUTE FUNCTION yz_table_changed('catalog');
CREATE TRIGGER catalog_items_cache_update AFTER UPDATE ON catalog_items
    FOR EACH STATEMENT EXECUTE FUNCTION yz_table_changed('catalog');
CREATE TRIGGER catalog_items_cache_delete AFTER DELETE ON catalog_items
    FOR EACH STATEMENT EXECUTE FUNCTION yz_table_changed('catalog');
CREATE TRIGGER departments_cache_insert AFTER INSERT ON departments
    FOR EACH STATEMENT EXECUTE FUNCTION yz_table_changed('departments');
CREATE TRIGGER departments_cache_update AFTER UPDATE ON departments
    FOR EACH STATEMENT EXECUTE FUNCTION yz_table_changed('departments');
CREATE TRIGGER departments_cache_delete AFTER DELETE ON departments
    FOR EACH STATEMENT EXECUTE FUNCTION yz_table_changed('departments');
CREATE TRIGGER settings_cache_insert AFTER INSERT ON settings
    FOR EACH ROW EXECUTE FUNCTION yz_setting_changed();
CREATE TRIGGER settings_cache_update AFTER UPDATE ON settings
    FOR EACH ROW EXECUTE FUNCTION yz_setting_changed();
CREATE TRIGGER settings_cache_delete AFTER DELETE ON settings
    FOR EACH ROW EXECUTE FUNCTION yz_setting_changed();
