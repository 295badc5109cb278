//! The key ring: the secrets a server holds outside the database, as one JSON document. Where it
//! is kept (a file readable only by the service, a KMS, an HSM) is the caller's business.

use crate::{random, CryptoError, DataKey, PublicKey, SigningKey, Suite};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

#[derive(Clone, Serialize, Deserialize)]
pub struct SigningKeyEntry {
    /// The secret scalar in hex.
    secret: Zeroizing<String>,
    /// When it became the current key (RFC 3339, written by the caller).
    pub since: String,
}

/// A signing key taken out of use: only its public half is kept, so what it signed still checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetiredKey {
    pub public: PublicKey,
    pub retired_at: String,
}

#[derive(Clone, Serialize, Deserialize)]
pub struct KeyRing {
    pub suite: Suite,
    signing: SigningKeyEntry,
    #[serde(default)]
    pub retired: Vec<RetiredKey>,
    /// Field encryption (ID numbers, phones) in hex.
    data_key: Zeroizing<String>,
    /// The blind index's MAC key in hex.
    index_key: Zeroizing<String>,
    #[serde(skip)]
    index_key_bytes: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for KeyRing {
    // Never prints a secret, whatever logs it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRing")
            .field("suite", &self.suite)
            .field("retired", &self.retired.len())
            .finish_non_exhaustive()
    }
}

fn random_hex(len: usize) -> Result<Zeroizing<String>, CryptoError> {
    let mut b = Zeroizing::new(vec![0u8; len]);
    random(&mut b)?;
    Ok(Zeroizing::new(hex::encode(&*b)))
}

fn unhex(s: &str, what: &str) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    hex::decode(s)
        .map(Zeroizing::new)
        .map_err(|_| CryptoError::BadKey(format!("{what}不是十六进制")))
}

impl KeyRing {
    /// Fresh random keys for a suite.
    pub fn generate(suite: Suite) -> Result<KeyRing, CryptoError> {
        let signing = SigningKey::generate(suite)?;
        let mut ring = KeyRing {
            suite,
            signing: SigningKeyEntry {
                secret: Zeroizing::new(hex::encode(&*signing.secret_bytes())),
                since: String::new(),
            },
            retired: vec![],
            data_key: random_hex(suite.data_key_len())?,
            index_key: random_hex(32)?,
            index_key_bytes: Zeroizing::new(vec![]),
        };
        ring.index_key_bytes = unhex(&ring.index_key, "索引密钥")?;
        Ok(ring)
    }
    /// The same keys every time, from constants: test databases are filled once and copied, and a
    /// copy must open with the keys its template was written with. Never for real data: anyone who
    /// reads this source holds these keys.
    pub fn fixed_for_tests(suite: Suite) -> KeyRing {
        let hexed = |b: u8, n: usize| Zeroizing::new(hex::encode(vec![b; n]));
        KeyRing {
            suite,
            signing: SigningKeyEntry {
                secret: hexed(0x42, 32),
                since: String::new(),
            },
            retired: vec![],
            data_key: hexed(0x17, suite.data_key_len()),
            index_key: hexed(0x29, 32),
            index_key_bytes: Zeroizing::new(vec![0x29; 32]),
        }
    }
    /// Reads a key ring from its JSON text and checks every key in it.
    pub fn from_json(text: &str) -> Result<KeyRing, CryptoError> {
        let mut ring: KeyRing = serde_json::from_str(text)
            .map_err(|e| CryptoError::BadKey(format!("密钥文件格式错误: {e}")))?;
        ring.index_key_bytes = unhex(&ring.index_key, "索引密钥")?;
        ring.current_signing_key()?;
        ring.data_key()?;
        if let Some(k) = ring.retired.iter().find(|k| k.public.suite != ring.suite) {
            return Err(CryptoError::SuiteMismatch {
                found: k.public.suite,
                configured: ring.suite,
            });
        }
        Ok(ring)
    }
    pub fn to_json(&self) -> Zeroizing<String> {
        Zeroizing::new(serde_json::to_string_pretty(self).expect("key ring serializes"))
    }
    pub fn current_signing_key(&self) -> Result<SigningKey, CryptoError> {
        SigningKey::from_secret(self.suite, &unhex(&self.signing.secret, "签名私钥")?)
    }
    pub fn data_key(&self) -> Result<DataKey, CryptoError> {
        DataKey::new(self.suite, &unhex(&self.data_key, "数据密钥")?)
    }
    pub fn index_key(&self) -> &[u8] {
        &self.index_key_bytes
    }
    pub fn signing_since(&self) -> &str {
        &self.signing.since
    }
    pub fn set_signing_since(&mut self, at: &str) {
        self.signing.since = at.to_string();
    }
    /// Every signing key's public half, current first.
    pub fn public_keys(&self) -> Vec<PublicKey> {
        let mut v = vec![self
            .current_signing_key()
            .expect("checked when the ring was made")
            .public()];
        v.extend(self.retired.iter().map(|r| r.public.clone()));
        v
    }
    /// A new signing key; the old one is retired and keeps verifying what it signed. The data and
    /// index keys stay: changing them means re-encrypting every stored field.
    pub fn rotate_signing(&mut self, at: &str) -> Result<(), CryptoError> {
        let old = self.current_signing_key()?.public();
        let new = SigningKey::generate(self.suite)?;
        self.retired.insert(
            0,
            RetiredKey {
                public: old,
                retired_at: at.to_string(),
            },
        );
        self.signing = SigningKeyEntry {
            secret: Zeroizing::new(hex::encode(&*new.secret_bytes())),
            since: at.to_string(),
        };
        Ok(())
    }
}
