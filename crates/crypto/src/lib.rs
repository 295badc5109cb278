//! The crypto provider (issue 16, part 5): one trait for hashing, keyed hashing (MAC), signatures
//! and field encryption, with two suites chosen when a database is created:
//!
//! | suite  | hash    | MAC          | signature | cipher      |
//! |--------|---------|--------------|-----------|-------------|
//! | `intl` | SHA-256 | HMAC-SHA-256 | Ed25519   | AES-256-GCM |
//! | `gm`   | SM3     | HMAC-SM3     | SM2       | SM4-GCM     |
//!
//! The software implementation ([`SoftProvider`]) uses RustCrypto crates, which are not certified
//! products (商用密码产品认证); a certified HSM or KMS plugs in as another [`CryptoProvider`].
//! This crate does no file or network I/O: keys come in as bytes ([`KeyRing`]), so the caller
//! decides where they live (never in the database).

pub mod hex_serde;
mod keys;
pub mod merkle;
mod suite;

pub use keys::{KeyRing, RetiredKey, SigningKeyEntry};
pub use suite::{DataKey, PublicKey, SigningKey, Suite};

/// A 32-byte digest or MAC: both suites' hashes are 256 bits.
pub type Hash32 = [u8; 32];

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    #[error("签名无效 (bad signature)")]
    BadSignature,
    #[error("未知的签名密钥 {0} (unknown signing key)")]
    UnknownKey(String),
    #[error("密文无法解密:密钥不符或已被篡改 (decryption failed)")]
    Decrypt,
    #[error("密钥材料无效: {0}")]
    BadKey(String),
    #[error("算法套件不一致:数据使用 {found},配置为 {configured} (suite mismatch)")]
    SuiteMismatch { found: Suite, configured: Suite },
    #[error("系统随机数不可用: {0}")]
    Random(String),
}

/// Fills `buf` from the operating system's random source.
pub fn random(buf: &mut [u8]) -> Result<(), CryptoError> {
    getrandom::fill(buf).map_err(|e| CryptoError::Random(e.to_string()))
}

/// A signature with the id of the key that made it, so rotated keys still verify old ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    pub key_id: String,
    pub signature: Vec<u8>,
}

/// Everything the platform asks of cryptography. The suite is fixed per database; every method
/// uses it. Implementations: [`SoftProvider`] (software), and whatever fronts a certified device.
pub trait CryptoProvider: Send + Sync {
    fn suite(&self) -> Suite;
    /// The suite's hash over the parts, in order.
    fn digest(&self, parts: &[&[u8]]) -> Hash32 {
        self.suite().digest(parts)
    }
    /// The keyed blind index of a value (ID number, phone): equal values give equal indexes, and
    /// without the index key nobody can compute one to test a guess.
    fn blind_index(&self, value: &[u8]) -> Hash32;
    /// Signs with the current signing key.
    fn sign(&self, msg: &[u8]) -> Signed;
    /// Checks a signature made by the current key or a retired one.
    fn verify(&self, key_id: &str, msg: &[u8], signature: &[u8]) -> Result<(), CryptoError>;
    /// The public half of every signing key, current first.
    fn public_keys(&self) -> Vec<PublicKey>;
    /// Authenticated encryption of one field; `aad` binds it to where it belongs.
    fn encrypt(&self, plaintext: &[u8], aad: &[u8]) -> Vec<u8>;
    fn decrypt(&self, ciphertext: &[u8], aad: &[u8]) -> Result<Vec<u8>, CryptoError>;
}

/// The software provider: a key ring held in memory (secrets zeroed when dropped).
pub struct SoftProvider {
    ring: KeyRing,
    current: SigningKey,
    data: DataKey,
}

impl SoftProvider {
    pub fn new(ring: KeyRing) -> Result<SoftProvider, CryptoError> {
        let current = ring.current_signing_key()?;
        let data = ring.data_key()?;
        Ok(SoftProvider {
            ring,
            current,
            data,
        })
    }
    /// A provider with fresh random keys: tests and throwaway demo databases.
    pub fn ephemeral(suite: Suite) -> SoftProvider {
        SoftProvider::new(KeyRing::generate(suite).expect("system random source"))
            .expect("fresh keys are valid")
    }
    pub fn ring(&self) -> &KeyRing {
        &self.ring
    }
}

impl CryptoProvider for SoftProvider {
    fn suite(&self) -> Suite {
        self.ring.suite
    }
    fn blind_index(&self, value: &[u8]) -> Hash32 {
        self.ring.suite.mac(self.ring.index_key(), value)
    }
    fn sign(&self, msg: &[u8]) -> Signed {
        Signed {
            key_id: self.current.public().id(),
            signature: self.current.sign(msg),
        }
    }
    fn verify(&self, key_id: &str, msg: &[u8], signature: &[u8]) -> Result<(), CryptoError> {
        let key = self
            .public_keys()
            .into_iter()
            .find(|k| k.id() == key_id)
            .ok_or_else(|| CryptoError::UnknownKey(key_id.to_string()))?;
        key.verify(msg, signature)
    }
    fn public_keys(&self) -> Vec<PublicKey> {
        self.ring.public_keys()
    }
    fn encrypt(&self, plaintext: &[u8], aad: &[u8]) -> Vec<u8> {
        self.data.encrypt(plaintext, aad)
    }
    fn decrypt(&self, ciphertext: &[u8], aad: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.data.decrypt(ciphertext, aad)
    }
}
