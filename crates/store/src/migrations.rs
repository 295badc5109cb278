//! Schema migrations: the list each backend embeds and the rule that decides, from what a database
//! says it has applied, what to apply and what to refuse (issue 15, part 3).
//!
//! Each backend keeps its migrations as numbered files in its own `migrations/` folder
//! (`0001_init.sql`, …); its build script (`build_migrations.rs` beside this crate's manifest) turns
//! the folder into one embedded list, so adding a file is all it takes and no list is kept by hand.
//! An applied migration is recorded with the SHA-256 of its text. Migrations are append-only: one
//! whose text changed after it was applied, or a version this binary does not know (a newer build
//! migrated the database), is refused at start with a clear error rather than run on a schema it
//! does not describe. Rows written before checksums were kept have none; they take the current
//! text's checksum once.

use sha2::{Digest, Sha256};

/// One embedded migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

impl Migration {
    /// Lower-case hex SHA-256 of the migration's text, as recorded when it is applied.
    pub fn checksum(&self) -> String {
        hex::encode(Sha256::digest(self.sql.as_bytes()))
    }
}

/// What a database has recorded of one applied migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub version: i64,
    /// `None` for rows written before checksums were recorded.
    pub checksum: Option<String>,
}

/// What to do with a database.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    /// Applied rows without a checksum, to be given the current one.
    pub record_checksums: Vec<(i64, String)>,
    /// Migrations to apply, in order.
    pub pending: Vec<Migration>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MigrationError {
    #[error(
        "migration {version:04} ({name}) was changed after it was applied to this database \
         (recorded checksum {recorded}, this build's {current}); migrations are append-only: \
         restore the file as it was and put the change in a new migration"
    )]
    Changed {
        version: i64,
        name: &'static str,
        recorded: String,
        current: String,
    },
    #[error(
        "this database has migration {version:04}, which this build does not know: it was \
         migrated by a newer yizhan; run that version (or newer) instead"
    )]
    Unknown { version: i64 },
}

/// Compares what a database recorded with the embedded list. `known` must be in version order.
pub fn plan(known: &[Migration], applied: &[Applied]) -> Result<Plan, MigrationError> {
    let mut out = Plan::default();
    for a in applied {
        let Some(m) = known.iter().find(|m| m.version == a.version) else {
            return Err(MigrationError::Unknown { version: a.version });
        };
        let current = m.checksum();
        match &a.checksum {
            None => out.record_checksums.push((m.version, current)),
            Some(recorded) if *recorded != current => {
                return Err(MigrationError::Changed {
                    version: m.version,
                    name: m.name,
                    recorded: recorded.clone(),
                    current,
                })
            }
            Some(_) => {}
        }
    }
    out.pending = known
        .iter()
        .filter(|m| !applied.iter().any(|a| a.version == m.version))
        .copied()
        .collect();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KNOWN: &[Migration] = &[
        Migration {
            version: 1,
            name: "init",
            sql: "CREATE TABLE a (x int);",
        },
        Migration {
            version: 2,
            name: "more",
            sql: "CREATE TABLE b (x int);",
        },
    ];

    fn applied(version: i64, checksum: Option<String>) -> Applied {
        Applied { version, checksum }
    }

    #[test]
    fn a_new_database_applies_everything_in_order() {
        let p = plan(KNOWN, &[]).unwrap();
        assert_eq!(p.pending, KNOWN.to_vec());
        assert!(p.record_checksums.is_empty());
    }

    #[test]
    fn an_applied_migration_with_its_checksum_is_left_alone() {
        let p = plan(KNOWN, &[applied(1, Some(KNOWN[0].checksum()))]).unwrap();
        assert_eq!(p.pending, vec![KNOWN[1]]);
        assert!(p.record_checksums.is_empty());
    }

    #[test]
    fn rows_from_before_checksums_get_theirs() {
        let p = plan(KNOWN, &[applied(1, None), applied(2, None)]).unwrap();
        assert!(p.pending.is_empty());
        assert_eq!(
            p.record_checksums,
            vec![(1, KNOWN[0].checksum()), (2, KNOWN[1].checksum())]
        );
    }

    #[test]
    fn a_changed_migration_is_refused_naming_it() {
        let e = plan(KNOWN, &[applied(1, Some("00".repeat(32)))]).unwrap_err();
        assert!(matches!(
            e,
            MigrationError::Changed {
                version: 1,
                name: "init",
                ..
            }
        ));
        assert!(
            e.to_string().contains("migration 0001 (init) was changed"),
            "{e}"
        );
    }

    #[test]
    fn a_version_from_a_newer_build_is_refused() {
        let e = plan(KNOWN, &[applied(1, None), applied(3, Some("x".into()))]).unwrap_err();
        assert_eq!(e, MigrationError::Unknown { version: 3 });
    }

    #[test]
    fn checksums_are_sha256_of_the_text() {
        assert_eq!(
            Migration {
                version: 9,
                name: "x",
                sql: ""
            }
            .checksum(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
