//! Where the record's keys live (issue 16): a key ring file outside the database, readable only by
//! the service's user. Without a configured one, `serve` creates it under the data directory and
//! says at every start that a production key belongs elsewhere (another disk, a KMS, an HSM).

use crypto::{CryptoError, KeyRing, Suite};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("无法读取密钥文件 {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("无法创建密钥文件 {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("密钥文件 {path} 无效: {source}")]
    Invalid { path: PathBuf, source: CryptoError },
    #[error("密钥文件 {path} 属于 {found} 算法套件,而数据库使用 {wanted}")]
    Suite {
        path: PathBuf,
        found: Suite,
        wanted: Suite,
    },
    #[error("密钥文件 {path} 可被其他用户读取(权限 {mode:o});请执行 chmod 600")]
    Exposed { path: PathBuf, mode: u32 },
}

/// The default place: `<data_dir>/keys/record-keys.json`.
pub fn default_path(data_dir: &Path) -> PathBuf {
    data_dir.join("keys").join("record-keys.json")
}

/// Reads the key ring at `path`; creates one for `suite` when there is no file (and says so with
/// `true`). A ring of another suite, or a file others may read, is refused.
pub fn load_or_create(
    path: &Path,
    suite: Suite,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<(KeyRing, bool), KeyError> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            check_private(path)?;
            let ring = KeyRing::from_json(&text).map_err(|source| KeyError::Invalid {
                path: path.into(),
                source,
            })?;
            if ring.suite != suite {
                return Err(KeyError::Suite {
                    path: path.into(),
                    found: ring.suite,
                    wanted: suite,
                });
            }
            Ok((ring, false))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut ring = KeyRing::generate(suite).map_err(|source| KeyError::Invalid {
                path: path.into(),
                source,
            })?;
            ring.set_signing_since(&at.to_rfc3339());
            save(path, &ring)?;
            Ok((ring, true))
        }
        Err(source) => Err(KeyError::Read {
            path: path.into(),
            source,
        }),
    }
}

/// The vault a store seals personal data with, holding the ring's keys (`store::vault`).
pub fn vault(ring: KeyRing) -> Result<store::vault::Vault, crypto::CryptoError> {
    Ok(store::vault::Vault::new(std::sync::Arc::new(
        crypto::SoftProvider::new(ring)?,
    )))
}

/// Reads an existing key ring (for `verify`, which never creates one).
pub fn load(path: &Path) -> Result<KeyRing, KeyError> {
    let text = std::fs::read_to_string(path).map_err(|source| KeyError::Read {
        path: path.into(),
        source,
    })?;
    KeyRing::from_json(&text).map_err(|source| KeyError::Invalid {
        path: path.into(),
        source,
    })
}

/// Writes the ring with mode 0600, replacing the file whole (a rotation never leaves half a ring).
pub fn save(path: &Path, ring: &KeyRing) -> Result<(), KeyError> {
    let err = |source| KeyError::Write {
        path: path.into(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    let tmp = path.with_extension("tmp");
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&tmp).map_err(err)?;
    f.write_all(ring.to_json().as_bytes()).map_err(err)?;
    f.sync_all().map_err(err)?;
    std::fs::rename(&tmp, path).map_err(err)
}

fn check_private(path: &Path) -> Result<(), KeyError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(|source| KeyError::Read {
                path: path.into(),
                source,
            })?
            .permissions()
            .mode()
            & 0o777;
        if mode & 0o077 != 0 {
            return Err(KeyError::Exposed {
                path: path.into(),
                mode,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ring_is_made_once_private_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = default_path(dir.path());
        let now = chrono::Utc::now();
        let (ring, created) = load_or_create(&path, Suite::Gm, now).unwrap();
        assert!(created);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let (again, created) = load_or_create(&path, Suite::Gm, now).unwrap();
        assert!(!created);
        assert_eq!(again.public_keys(), ring.public_keys());
        assert!(matches!(
            load_or_create(&path, Suite::Intl, now),
            Err(KeyError::Suite { .. })
        ));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert!(matches!(
                load_or_create(&path, Suite::Gm, now),
                Err(KeyError::Exposed { .. })
            ));
        }
    }
}
