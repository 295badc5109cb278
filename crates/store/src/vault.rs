//! Personal data at rest (issue 16, part 6). Whoever copies the database file must not read an
//! applicant's ID number or phone in it: every case snapshot and event body (where the applicant
//! is) is stored compressed and then encrypted, users' and complainants' phones are encrypted
//! columns, and a case's applicant is found by a keyed blind index of the ID number. The keys are
//! the crypto provider's ([`crypto::CryptoProvider`]): in the key ring beside the signing key, never
//! in the database. Both backends call these functions, so the stored forms are one definition.
//!
//! Stored forms, told apart by their first bytes so rows written before still read:
//! - a body: `YZS1 ‖ nonce ‖ AEAD(zstd frame)`; a zstd frame alone or plain JSON (`{`) is an older
//!   body, read as it is and sealed by [`Vault`]'s migration (`seal_clear_rows` in each backend);
//! - a text column: `enc1:` and the hex of `nonce ‖ AEAD(text)`; any other text is an older clear
//!   value.
//!
//! The associated data names what the ciphertext is (a case snapshot, an event body, a user's
//! phone…), so a ciphertext moved into another kind of column does not decrypt. Moving one between
//! rows of the same kind is caught by the record's hash chains and `yizhan verify`, not here.
//! The hash chain is computed over the clear JSON, so sealing a body never changes a hash.

use crate::codec::{self, Body};
use crypto::{CryptoProvider, KeyRing, SoftProvider, Suite};
use std::borrow::Cow;
use std::sync::Arc;

const SEALED_BODY: &[u8; 4] = b"YZS1";
/// How a sealed text column begins (backends select the clear ones by it).
pub const SEALED_TEXT: &str = "enc1:";

/// A text column that holds personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// `users.phone`
    UserPhone,
    /// `complaints.complainant_phone`
    ComplainantPhone,
    /// `users.id_number`
    UserIdNumber,
    /// `second_factors.secret` (hex of the TOTP secret)
    TotpSecret,
}

impl Field {
    fn aad(self) -> &'static [u8] {
        match self {
            Field::UserPhone => b"yizhan/users.phone",
            Field::ComplainantPhone => b"yizhan/complaints.complainant_phone",
            Field::UserIdNumber => b"yizhan/users.id_number",
            Field::TotpSecret => b"yizhan/second_factors.secret",
        }
    }
}

fn body_aad(body: Body) -> &'static [u8] {
    match body {
        Body::Case => b"yizhan/cases.case_json",
        Body::Event => b"yizhan/case_events.event_json",
    }
}

/// The crypto suite test databases use: `YIZHAN_TEST_SUITE=gm` runs the storage and web suites
/// with SM3 chains and SM4 encryption (CI runs them once with each suite); `intl` otherwise.
pub fn test_suite() -> Suite {
    match std::env::var("YIZHAN_TEST_SUITE").as_deref() {
        Ok("gm") => Suite::Gm,
        Ok("intl") | Err(_) => Suite::Intl,
        Ok(other) => panic!("YIZHAN_TEST_SUITE must be intl or gm, not {other}"),
    }
}

/// Seals and opens what a store keeps of personal data. Cheap to clone.
#[derive(Clone)]
pub struct Vault {
    crypto: Arc<dyn CryptoProvider>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("suite", &self.crypto.suite())
            .finish_non_exhaustive()
    }
}

impl Vault {
    pub fn new(crypto: Arc<dyn CryptoProvider>) -> Vault {
        Vault { crypto }
    }

    /// The fixed test keys of the test suite ([`KeyRing::fixed_for_tests`]), so a database filled
    /// once and copied for each test opens with the keys it was written with.
    pub fn for_tests() -> Vault {
        Self::fixed_for_tests(test_suite())
    }

    pub fn fixed_for_tests(suite: Suite) -> Vault {
        let ring = KeyRing::fixed_for_tests(suite);
        Vault::new(Arc::new(
            SoftProvider::new(ring).expect("the fixed test keys are valid"),
        ))
    }

    /// The provider the vault uses: the server signs checkpoints with the same one.
    pub fn crypto(&self) -> &Arc<dyn CryptoProvider> {
        &self.crypto
    }

    pub fn suite(&self) -> Suite {
        self.crypto.suite()
    }

    /// The stored form of a body's JSON: compressed, then encrypted.
    pub fn seal_body(&self, body: Body, json: &[u8]) -> Vec<u8> {
        let packed = codec::pack(body, json);
        let sealed = self.crypto.encrypt(&packed, body_aad(body));
        let mut out = Vec::with_capacity(SEALED_BODY.len() + sealed.len());
        out.extend_from_slice(SEALED_BODY);
        out.extend_from_slice(&sealed);
        out
    }

    /// The JSON of a stored body, sealed or written before sealing.
    pub fn open_body<'a>(&self, body: Body, stored: &'a [u8]) -> Result<Cow<'a, [u8]>, String> {
        match stored.strip_prefix(SEALED_BODY.as_slice()) {
            Some(sealed) => {
                let packed = self
                    .crypto
                    .decrypt(sealed, body_aad(body))
                    .map_err(|e| format!("stored body: {e}"))?;
                Ok(Cow::Owned(codec::unpack(&packed)?.into_owned()))
            }
            None => codec::unpack(stored),
        }
    }

    /// Encodes `value` as a sealed body.
    pub fn to_stored<T: serde::Serialize + ?Sized>(
        &self,
        body: Body,
        value: &T,
    ) -> Result<Vec<u8>, String> {
        let json = serde_json::to_vec(value).map_err(|e| e.to_string())?;
        Ok(self.seal_body(body, &json))
    }

    /// Decodes a stored body as `T`.
    pub fn from_stored<T: serde::de::DeserializeOwned>(
        &self,
        body: Body,
        stored: &[u8],
    ) -> Result<T, String> {
        let json = self.open_body(body, stored)?;
        serde_json::from_slice(&json).map_err(|e| e.to_string())
    }

    /// Whether a stored body is sealed (the migration passes over those that are).
    pub fn is_sealed_body(stored: &[u8]) -> bool {
        stored.starts_with(SEALED_BODY)
    }

    /// A body written before sealing, sealed: the same JSON, so the same hash.
    pub fn reseal_body(&self, body: Body, stored: &[u8]) -> Result<Vec<u8>, String> {
        let json = codec::unpack(stored)?;
        Ok(self.seal_body(body, &json))
    }

    /// The stored form of a personal-data text column.
    pub fn seal_text(&self, field: Field, clear: &str) -> String {
        let sealed = self.crypto.encrypt(clear.as_bytes(), field.aad());
        format!("{SEALED_TEXT}{}", hex::encode(sealed))
    }

    /// The clear text of a personal-data column, sealed or written before sealing.
    pub fn open_text(&self, field: Field, stored: &str) -> Result<String, String> {
        let Some(sealed) = stored.strip_prefix(SEALED_TEXT) else {
            return Ok(stored.to_string());
        };
        let bytes = hex::decode(sealed).map_err(|_| format!("{field:?}: not hex"))?;
        let clear = self
            .crypto
            .decrypt(&bytes, field.aad())
            .map_err(|e| format!("{field:?}: {e}"))?;
        String::from_utf8(clear).map_err(|_| format!("{field:?}: not UTF-8"))
    }

    pub fn is_sealed_text(stored: &str) -> bool {
        stored.starts_with(SEALED_TEXT)
    }

    /// The blind index of an ID number (居民身份证号码 or 统一社会信用代码), as stored and
    /// searched: equal numbers, however typed (spaces, a lower-case x), give equal keys, and
    /// nobody without the index key can test a guess against it.
    pub fn id_key(&self, id_number: &str) -> String {
        let normal = domain::identity::normalize_id_number(id_number);
        let mut msg = b"yizhan/id-number\0".to_vec();
        msg.extend_from_slice(normal.as_bytes());
        hex::encode(self.crypto.blind_index(&msg))
    }
}

impl Vault {
    /// The stored form of a TOTP secret (sealed like a personal-data column).
    pub fn seal_totp_secret(&self, secret: &[u8]) -> String {
        self.seal_text(Field::TotpSecret, &hex::encode(secret))
    }

    /// A stored TOTP secret, opened.
    pub fn open_totp_secret(&self, stored: &str) -> Result<Vec<u8>, String> {
        let clear = self.open_text(Field::TotpSecret, stored)?;
        hex::decode(clear).map_err(|_| "TotpSecret: not hex".to_string())
    }

    /// What a recovery code is kept as: keyed, so a copy of the database does not let anyone try
    /// the 2^50 codes offline; bound to the user, so equal codes of two users differ.
    pub fn recovery_code_key(&self, user_id: i64, code: &str) -> String {
        let msg = format!("yizhan/recovery-code\0{user_id}\0{code}");
        hex::encode(self.crypto.blind_index(msg.as_bytes()))
    }
}

/// The applicant's ID number in a case snapshot's JSON (`Case.filing.applicant.id_number`): what
/// the migration indexes cases written before the index by.
pub fn snapshot_id_number(json: &[u8]) -> Result<String, String> {
    #[derive(serde::Deserialize)]
    struct Snapshot {
        filing: FilingPart,
    }
    #[derive(serde::Deserialize)]
    struct FilingPart {
        applicant: ApplicantPart,
    }
    #[derive(serde::Deserialize)]
    struct ApplicantPart {
        id_number: String,
    }
    serde_json::from_slice::<Snapshot>(json)
        .map(|s| s.filing.applicant.id_number)
        .map_err(|e| format!("case snapshot: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn vaults() -> [Vault; 2] {
        [
            Vault::fixed_for_tests(Suite::Intl),
            Vault::fixed_for_tests(Suite::Gm),
        ]
    }

    #[test]
    fn a_sealed_body_shows_nothing_and_opens_to_the_same_json() {
        let json = br#"{"applicant":{"id_number":"330102199001011234","phone":"13800138000"}}"#;
        for v in vaults() {
            let sealed = v.seal_body(Body::Event, json);
            assert!(Vault::is_sealed_body(&sealed));
            let hay = String::from_utf8_lossy(&sealed);
            assert!(!hay.contains("330102199001011234") && !hay.contains("13800138000"));
            assert_eq!(v.open_body(Body::Event, &sealed).unwrap().as_ref(), json);
            // Sealed as an event, it is not a snapshot.
            assert!(v.open_body(Body::Case, &sealed).is_err());
        }
    }

    #[test]
    fn bodies_written_before_still_read_and_reseal() {
        let json = br#"{"a":1}"#;
        let v = &vaults()[0];
        for older in [json.to_vec(), codec::pack(Body::Case, json)] {
            assert!(!Vault::is_sealed_body(&older));
            assert_eq!(v.open_body(Body::Case, &older).unwrap().as_ref(), json);
            let resealed = v.reseal_body(Body::Case, &older).unwrap();
            assert_eq!(v.open_body(Body::Case, &resealed).unwrap().as_ref(), json);
        }
    }

    #[test]
    fn another_key_or_a_flipped_bit_does_not_open() {
        let [intl, gm] = vaults();
        let sealed = intl.seal_body(Body::Case, br#"{"a":1}"#);
        assert!(gm.open_body(Body::Case, &sealed).is_err());
        let other = Vault::new(Arc::new(SoftProvider::ephemeral(Suite::Intl)));
        assert!(other.open_body(Body::Case, &sealed).is_err());
        for i in 4..sealed.len() {
            let mut bad = sealed.clone();
            bad[i] ^= 1;
            assert!(intl.open_body(Body::Case, &bad).is_err(), "bit flip at {i}");
        }
        let phone = intl.seal_text(Field::UserPhone, "13800138000");
        assert!(other.open_text(Field::UserPhone, &phone).is_err());
        assert!(intl.open_text(Field::ComplainantPhone, &phone).is_err());
    }

    #[test]
    fn id_keys_ignore_how_the_number_was_typed_and_depend_on_the_key() {
        let [intl, gm] = vaults();
        let a = intl.id_key("33010219900101123x");
        assert_eq!(a, intl.id_key(" 33010219900101123X "));
        assert_ne!(a, intl.id_key("330102199001011234"));
        assert_ne!(a, gm.id_key("33010219900101123X"));
        assert!(!a.contains("3301021990"));
    }

    proptest! {
        #[test]
        fn any_text_round_trips(s in ".{0,64}") {
            for v in vaults() {
                let sealed = v.seal_text(Field::ComplainantPhone, &s);
                prop_assert!(Vault::is_sealed_text(&sealed));
                prop_assert_eq!(v.open_text(Field::ComplainantPhone, &sealed).unwrap(), s.clone());
            }
        }
    }
}
