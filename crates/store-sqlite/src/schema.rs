//! `describe_schema`: tables, explicitly created indexes and constraints, by name, in the form the
//! PostgreSQL backend reports too (see the header of migrations/0001_init.sql).

use crate::Db;
use rusqlite::Connection;
use store::{Result, SchemaDescription};

pub(crate) fn describe(conn: &Connection) -> Result<SchemaDescription> {
    let mut out = SchemaDescription::default();
    let tables: Vec<(String, String)> = {
        let mut st = conn
            .prepare_cached(
                "SELECT name, sql FROM sqlite_master
                 WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations'
                 ORDER BY name",
            )
            .db()?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).db()?;
        rows.collect::<rusqlite::Result<_>>().db()?
    };
    for (table, sql) in tables {
        let mut pk: Vec<(i64, String)> = Vec::new();
        let mut st = conn
            .prepare_cached("SELECT name, pk FROM pragma_table_info(?1)")
            .db()?;
        let mut rows = st.query([&table]).db()?;
        let cols = out.tables.entry(table.clone()).or_default();
        while let Some(r) = rows.next().db()? {
            let name: String = r.get(0).db()?;
            let pk_pos: i64 = r.get(1).db()?;
            if pk_pos > 0 {
                pk.push((pk_pos, name.clone()));
            }
            cols.insert(name);
        }
        if !pk.is_empty() {
            pk.sort();
            let names: Vec<String> = pk.into_iter().map(|(_, n)| n).collect();
            out.constraints
                .insert(format!("{table}.pk({})", names.join(",")));
        }

        let mut st = conn
            .prepare_cached(r#"SELECT name, "unique", origin, partial FROM pragma_index_list(?1)"#)
            .db()?;
        let indexes: Vec<(String, bool, String, bool)> = st
            .query_map([&table], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .db()?
            .collect::<rusqlite::Result<_>>()
            .db()?;
        for (name, unique, origin, partial) in indexes {
            if origin == "c" {
                out.indexes.insert(name.clone());
            }
            // The primary key is reported as `pk`, not again as `unique`; a partial unique index
            // is a rule only for the rows it covers, so it is named apart.
            if unique && origin != "pk" {
                let mut st = conn
                    .prepare_cached("SELECT name FROM pragma_index_info(?1) ORDER BY seqno")
                    .db()?;
                let cols: Vec<String> = st
                    .query_map([&name], |r| r.get(0))
                    .db()?
                    .collect::<rusqlite::Result<_>>()
                    .db()?;
                let kind = if partial { "partial_unique" } else { "unique" };
                out.constraints
                    .insert(format!("{table}.{kind}({})", cols.join(",")));
            }
        }

        let mut st = conn
            .prepare_cached(r#"SELECT "from", "table" FROM pragma_foreign_key_list(?1)"#)
            .db()?;
        let fks: Vec<(String, String)> = st
            .query_map([&table], |r| Ok((r.get(0)?, r.get(1)?)))
            .db()?
            .collect::<rusqlite::Result<_>>()
            .db()?;
        for (from, to) in fks {
            out.constraints.insert(format!("{table}.fk({from})->{to}"));
        }

        // SQLite keeps no catalog of CHECK constraints; their names are read from the DDL.
        for name in check_names(&sql) {
            out.constraints.insert(format!("{table}.check({name})"));
        }
    }

    // Triggers enforce rules too (case_events is append-only), so they are part of the contract.
    let mut st = conn
        .prepare_cached(
            "SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger' AND name NOT LIKE 'sqlite_%'",
        )
        .db()?;
    let triggers: Vec<(String, String)> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()?;
    for (table, name) in triggers {
        out.constraints.insert(format!("{table}.trigger({name})"));
    }
    Ok(out)
}

/// Names of `CONSTRAINT <name> CHECK` clauses in a CREATE TABLE statement.
fn check_names(sql: &str) -> Vec<String> {
    let tokens: Vec<&str> = sql
        .split(|c: char| c.is_whitespace() || c == '(' || c == ',')
        .filter(|t| !t.is_empty())
        .collect();
    tokens
        .windows(3)
        .filter(|w| w[0].eq_ignore_ascii_case("constraint") && w[2].eq_ignore_ascii_case("check"))
        .map(|w| w[1].trim_matches('"').to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn check_names_are_read_from_ddl() {
        let sql = "CREATE TABLE t (a INT, CONSTRAINT t_a_ck CHECK(a > 0),\n constraint \"t_b_ck\" check (a < 9))";
        assert_eq!(super::check_names(sql), vec!["t_a_ck", "t_b_ck"]);
    }
}
