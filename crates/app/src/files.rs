//! Uploaded files: type checked from content, stored content-addressed under the data directory.

use crate::Services;
use crate::{Error, Result};
use sha2::{Digest, Sha256};
use std::io::Write;

/// Largest uploaded material file.
pub const MAX_UPLOAD: usize = 10 * 1024 * 1024;

/// The accepted types, recognised by their first bytes (never by name or header).
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else {
        None
    }
}

/// The first check of an upload, before its body is read: a `Content-Length` over the limit is
/// refused without reading a byte.
pub fn check_declared_size(len: Option<u64>) -> Result<()> {
    match len {
        Some(n) if n > MAX_UPLOAD as u64 => Err(too_large()),
        _ => Ok(()),
    }
}

pub fn too_large() -> Error {
    Error::bad_field("file_too_large", "file", "文件不能超过10MB")
}

/// Stores the bytes at `files/ab/abcdef…` (SHA-256) and returns the hash and type. Writing to a
/// temporary name and renaming makes a crash leave either nothing or the whole file. The writing
/// and its fsync run on a blocking thread, off the async workers.
pub async fn store_upload(state: &Services, bytes: &[u8]) -> Result<(String, &'static str)> {
    if bytes.is_empty() {
        return Err(Error::bad_field("empty_file", "file", "文件为空"));
    }
    if bytes.len() > MAX_UPLOAD {
        return Err(too_large());
    }
    let ct = sniff(bytes).ok_or_else(|| {
        Error::bad_field("unsupported_type", "file", "仅支持 PDF、PNG、JPEG 文件")
    })?;
    let hash = hex::encode(Sha256::digest(bytes));
    let dir = state.config.data_dir.join("files").join(&hash[..2]);
    let path = dir.join(&hash);
    let tmp = dir.join(format!("{hash}.tmp{}", std::process::id()));
    let bytes = bytes.to_vec();
    let write = move || -> std::io::Result<()> {
        if path.exists() {
            return Ok(());
        }
        std::fs::create_dir_all(&dir)?;
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &path)
    };
    tokio::task::spawn_blocking(write)
        .await
        .map_err(|e| Error::Internal(format!("store file task: {e}")))?
        .map_err(|e| Error::Internal(format!("store file: {e}")))?;
    Ok((hash, ct))
}

/// Reads a stored file back by hash (on a blocking thread).
pub async fn read(state: &Services, hash: &str) -> Result<(Vec<u8>, &'static str)> {
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Error::NotFound("文件"));
    }
    let path = state
        .config
        .data_dir
        .join("files")
        .join(&hash[..2])
        .join(hash);
    let bytes = tokio::task::spawn_blocking(move || std::fs::read(path))
        .await
        .map_err(|e| Error::Internal(format!("read file task: {e}")))?
        .map_err(|_| Error::NotFound("文件"))?;
    let ct = sniff(&bytes).unwrap_or("application/octet-stream");
    Ok((bytes, ct))
}
