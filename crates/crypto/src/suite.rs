//! The two suites' algorithms behind one set of types.

use crate::{random, CryptoError, Hash32};
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, AesGcm};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Digest as _;
use zeroize::Zeroizing;

/// Which algorithms a database's record uses. Recorded when the database is created; a server
/// configured for the other suite refuses to open it (mixing is never silent).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Default,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::Display,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Suite {
    /// SHA-256, HMAC-SHA-256, Ed25519, AES-256-GCM. The default: what databases made before
    /// suites existed use.
    #[default]
    Intl,
    /// 国密: SM3, HMAC-SM3, SM2, SM4-GCM.
    Gm,
}

/// SM4 in GCM mode with the usual 96-bit nonce (RFC 8998).
type Sm4Gcm = AesGcm<sm4::Sm4, aes_gcm::aead::consts::U12>;

/// The distinguishing identifier for SM2 signatures: GM/T 0009's default, which other SM2
/// implementations (GmSSL, Tongsuo, BouncyCastle) use when none is agreed.
pub const SM2_DEFAULT_ID: &str = "1234567812345678";

const NONCE_LEN: usize = 12;

impl Suite {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    /// How the suite is named to people.
    pub fn label(self) -> &'static str {
        match self {
            Suite::Intl => "国际算法 (SHA-256 / Ed25519 / AES-256-GCM)",
            Suite::Gm => "国密算法 (SM3 / SM2 / SM4)",
        }
    }
    pub fn hash_name(self) -> &'static str {
        match self {
            Suite::Intl => "SHA-256",
            Suite::Gm => "SM3",
        }
    }
    /// The suite's hash over the parts, in order (the same as hashing their concatenation).
    pub fn digest(self, parts: &[&[u8]]) -> Hash32 {
        match self {
            Suite::Intl => {
                let mut h = sha2::Sha256::new();
                for p in parts {
                    h.update(p);
                }
                h.finalize().into()
            }
            Suite::Gm => {
                let mut h = sm3::Sm3::new();
                for p in parts {
                    h.update(p);
                }
                h.finalize().into()
            }
        }
    }
    /// HMAC with the suite's hash.
    pub fn mac(self, key: &[u8], data: &[u8]) -> Hash32 {
        match self {
            Suite::Intl => {
                let mut m = Hmac::<sha2::Sha256>::new_from_slice(key)
                    .expect("HMAC takes a key of any length");
                m.update(data);
                m.finalize().into_bytes().into()
            }
            Suite::Gm => {
                let mut m =
                    Hmac::<sm3::Sm3>::new_from_slice(key).expect("HMAC takes a key of any length");
                m.update(data);
                m.finalize().into_bytes().into()
            }
        }
    }
    /// Bytes of a data (field encryption) key: AES-256 or SM4-128.
    pub fn data_key_len(self) -> usize {
        match self {
            Suite::Intl => 32,
            Suite::Gm => 16,
        }
    }
}

/// A signing key of either suite.
pub enum SigningKey {
    Ed25519(Box<ed25519_dalek::SigningKey>),
    Sm2(Box<sm2::dsa::SigningKey>),
}

impl SigningKey {
    pub fn generate(suite: Suite) -> Result<SigningKey, CryptoError> {
        loop {
            let mut secret = Zeroizing::new([0u8; 32]);
            random(secret.as_mut())?;
            // An SM2 secret must be a non-zero scalar below the group order; retry otherwise.
            if let Ok(k) = SigningKey::from_secret(suite, secret.as_ref()) {
                return Ok(k);
            }
        }
    }
    pub fn from_secret(suite: Suite, secret: &[u8]) -> Result<SigningKey, CryptoError> {
        match suite {
            Suite::Intl => {
                let bytes: [u8; 32] = secret
                    .try_into()
                    .map_err(|_| CryptoError::BadKey("Ed25519 私钥应为 32 字节".into()))?;
                Ok(SigningKey::Ed25519(Box::new(
                    ed25519_dalek::SigningKey::from_bytes(&bytes),
                )))
            }
            Suite::Gm => sm2::dsa::SigningKey::from_slice(SM2_DEFAULT_ID, secret)
                .map(|k| SigningKey::Sm2(Box::new(k)))
                .map_err(|_| CryptoError::BadKey("SM2 私钥不在有效范围内".into())),
        }
    }
    pub fn suite(&self) -> Suite {
        match self {
            SigningKey::Ed25519(_) => Suite::Intl,
            SigningKey::Sm2(_) => Suite::Gm,
        }
    }
    pub fn secret_bytes(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(match self {
            SigningKey::Ed25519(k) => k.to_bytes().to_vec(),
            SigningKey::Sm2(k) => k.to_bytes().to_vec(),
        })
    }
    pub fn public(&self) -> PublicKey {
        match self {
            SigningKey::Ed25519(k) => PublicKey {
                suite: Suite::Intl,
                bytes: k.verifying_key().to_bytes().to_vec(),
            },
            SigningKey::Sm2(k) => PublicKey {
                suite: Suite::Gm,
                bytes: k.verifying_key().to_sec1_bytes().to_vec(),
            },
        }
    }
    pub fn sign(&self, msg: &[u8]) -> Vec<u8> {
        use ed25519_dalek::Signer as _;
        match self {
            SigningKey::Ed25519(k) => k.sign(msg).to_bytes().to_vec(),
            SigningKey::Sm2(k) => {
                let s: sm2::dsa::Signature = sm2::dsa::signature::Signer::sign(k.as_ref(), msg);
                s.to_bytes().to_vec()
            }
        }
    }
}

/// The public half of a signing key: Ed25519's 32 bytes, or SM2's uncompressed SEC1 point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicKey {
    pub suite: Suite,
    #[serde(with = "crate::hex_serde::bytes")]
    pub bytes: Vec<u8>,
}

impl PublicKey {
    /// A short stable name: the suite's hash of the key, first 8 bytes in hex.
    pub fn id(&self) -> String {
        hex::encode(&self.suite.digest(&[&self.bytes])[..8])
    }
    pub fn verify(&self, msg: &[u8], signature: &[u8]) -> Result<(), CryptoError> {
        match self.suite {
            Suite::Intl => {
                let key: [u8; 32] = self
                    .bytes
                    .as_slice()
                    .try_into()
                    .map_err(|_| CryptoError::BadKey("Ed25519 公钥应为 32 字节".into()))?;
                let key = ed25519_dalek::VerifyingKey::from_bytes(&key)
                    .map_err(|_| CryptoError::BadKey("Ed25519 公钥无效".into()))?;
                let sig = ed25519_dalek::Signature::from_slice(signature)
                    .map_err(|_| CryptoError::BadSignature)?;
                key.verify_strict(msg, &sig)
                    .map_err(|_| CryptoError::BadSignature)
            }
            Suite::Gm => {
                let key = sm2::dsa::VerifyingKey::from_sec1_bytes(SM2_DEFAULT_ID, &self.bytes)
                    .map_err(|_| CryptoError::BadKey("SM2 公钥无效".into()))?;
                let sig = sm2::dsa::Signature::from_slice(signature)
                    .map_err(|_| CryptoError::BadSignature)?;
                sm2::dsa::signature::Verifier::verify(&key, msg, &sig)
                    .map_err(|_| CryptoError::BadSignature)
            }
        }
    }
}

/// A field-encryption key. Ciphertext is `nonce (12 bytes) ‖ ciphertext ‖ tag (16 bytes)`. The
/// cipher is keyed once (its key schedule kept), not on every field: every case write seals its
/// snapshot and events (issue 18).
pub struct DataKey {
    cipher: Cipher,
}

enum Cipher {
    Intl(Box<Aes256Gcm>),
    Gm(Box<Sm4Gcm>),
}

impl DataKey {
    pub fn new(suite: Suite, key: &[u8]) -> Result<DataKey, CryptoError> {
        if key.len() != suite.data_key_len() {
            return Err(CryptoError::BadKey(format!(
                "数据密钥应为 {} 字节",
                suite.data_key_len()
            )));
        }
        let cipher = match suite {
            Suite::Intl => Cipher::Intl(Box::new(
                Aes256Gcm::new_from_slice(key).expect("key length checked"),
            )),
            Suite::Gm => Cipher::Gm(Box::new(
                Sm4Gcm::new_from_slice(key).expect("key length checked"),
            )),
        };
        Ok(DataKey { cipher })
    }
    pub fn encrypt(&self, plaintext: &[u8], aad: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        random(&mut nonce).expect("system random source");
        self.encrypt_with_nonce(&nonce, plaintext, aad)
    }
    /// With a given nonce: the standards' test vectors. A nonce must never repeat under one key.
    pub fn encrypt_with_nonce(
        &self,
        nonce: &[u8; NONCE_LEN],
        plaintext: &[u8],
        aad: &[u8],
    ) -> Vec<u8> {
        let payload = Payload {
            msg: plaintext,
            aad,
        };
        let n = nonce.into();
        let ct = match &self.cipher {
            Cipher::Intl(c) => c.encrypt(n, payload),
            Cipher::Gm(c) => c.encrypt(n, payload),
        }
        .expect("GCM encrypts any length the platform stores");
        let mut out = Vec::with_capacity(NONCE_LEN + ct.len());
        out.extend_from_slice(nonce);
        out.extend_from_slice(&ct);
        out
    }
    pub fn decrypt(&self, data: &[u8], aad: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if data.len() < NONCE_LEN + 16 {
            return Err(CryptoError::Decrypt);
        }
        let (nonce, ct) = data.split_at(NONCE_LEN);
        let nonce: &[u8; NONCE_LEN] = nonce.try_into().expect("split at the nonce length");
        let payload = Payload { msg: ct, aad };
        match &self.cipher {
            Cipher::Intl(c) => c.decrypt(nonce.into(), payload),
            Cipher::Gm(c) => c.decrypt(nonce.into(), payload),
        }
        .map_err(|_| CryptoError::Decrypt)
    }
}
