-- Versions of the tables servers keep in memory (issue 15, part 6). A change to one of them bumps
-- its version in the same transaction (these triggers); servers poll the table. SQLite triggers are
-- per row, so an import of many rows bumps a version many times in one transaction: only a
-- changed value matters. Names: calendar, closures, catalog, departments, setting:<key>.
CREATE TABLE cache_versions (
    name    TEXT NOT NULL PRIMARY KEY,
    version INTEGER NOT NULL
);

CREATE TRIGGER calendar_days_cache_insert AFTER INSERT ON calendar_days
BEGIN
    INSERT INTO cache_versions (name, version) VALUES ('calendar', 1) ON CONFLICT (name) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER calendar_days_cache_update AFTER UPDATE ON calendar_days
BEGIN
    INSERT INTO cache_versions (name, version) VALUES ('calendar', 1) ON CONFLICT (name) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER calendar_days_cache_delete AFTER DELETE ON calendar_days
BEGIN
    INSERT INTO cache_versions (name, version) VALUES ('calendar', 1) ON CONFLICT (name) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER closures_cache_insert AFTER INSERT ON closures
BEGIN
    INSERT INTO cache_versions (name, version) VALUES ('closures', 1) ON CONFLICT (name) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER closures_cache_update AFTER UPDATE ON closures
BEGIN
    INSERT INTO cache_versions (name, version) VALUES ('closures', 1) ON CONFLICT (name) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER closures_cache_delete AFTER DELETE ON closures
BEGIN
    INSERT INTO cache_versions (name, version) VALUES ('closures', 1) ON CONFLICT (name) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER catalog_items_cache_insert AFTER INSERT ON catalog_items
BEGIN
    INSERT INTO cache_versions (name, version) VALUES ('catalog', 1) ON CONFLICT (name) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER catalog_items_cache_update AFTER UPDATE ON catalog_items
BEGIN
    INSERT INTO cache_versions (name, version) VALUES ('catalog', 1) ON CONFLICT (name) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER catalog_items_cache_delete AFTER DELETE ON catalog_items
BEGIN
    INSERT INTO cache_versions (name, version) VALUES ('catalog', 1) ON CONFLICT (name) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER departments_cache_insert AFTER INSERT ON departments
BEGIN
    INSERT INTO cache_versions (name, version) VALUES ('departments', 1) ON CONFLICT (name) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER departments_cache_update AFTER UPDATE ON departments
BEGIN
    INSERT INTO cache_versions (name, version) VALUES ('departments', 1) ON CONFLICT (name) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER departments_cache_delete AFTER DELETE ON departments
BEGIN
    INSERT INTO cache_versions (name, version) VALUES ('departments', 1) ON CONFLICT (name) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER settings_cache_insert AFTER INSERT ON settings
BEGIN
    INSERT INTO cache_versions (name, version) VALUES ('setting:' || NEW.key, 1) ON CONFLICT (name) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER settings_cache_update AFTER UPDATE ON settings
BEGIN
    INSERT INTO cache_versions (name, version) VALUES ('setting:' || NEW.key, 1) ON CONFLICT (name) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER settings_cache_delete AFTER DELETE ON settings
BEGIN
    INSERT INTO cache_versions (name, version) VALUES ('setting:' || OLD.key, 1) ON CONFLICT (name) DO UPDATE SET version = version + 1;
END;
