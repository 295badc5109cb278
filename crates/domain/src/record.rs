//! The sealed record (issue 16, parts 1–2): what a checkpoint commits to and what it signs.
//!
//! Every checkpoint appends leaves to one log — for each case changed since the last checkpoint,
//! its (number, last seq, last hash); for each case-number counter moved, its (scope, value) — and
//! signs the RFC 6962 tree hash of all leaves so far, linked to the checkpoint before it. A case
//! sealed once cannot then lose or change an event without its leaf disagreeing with its log, and
//! the leaves cannot change without the signed roots disagreeing — nor the roots, once copies of
//! them are kept outside the database.

use chrono::{DateTime, SecondsFormat, Utc};
use crypto::{merkle, Hash32, Suite};
use serde::{Deserialize, Serialize};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum LeafKind {
    /// A case's log up to `seq`, ending in `hash`.
    Case,
    /// The case-number counter of a scope (place and day) at `seq`: numbers 1..=seq are issued.
    Counter,
    /// The audit log up to entry `seq`, ending in `hash` (subject `audit`).
    Audit,
}

impl LeafKind {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// One sealed fact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Leaf {
    pub kind: LeafKind,
    pub subject: String,
    pub seq: u64,
    /// The last event's hash for a case; zeros for a counter.
    #[serde(with = "crypto::hex_serde::hash32")]
    #[schema(value_type = String)]
    pub hash: Hash32,
}

impl Leaf {
    /// The leaf's bytes in the tree: kind, subject, a zero byte, seq (8 bytes, big-endian), hash.
    /// Unambiguous, since a subject never holds a zero byte.
    pub fn bytes(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(self.subject.len() + 48);
        b.extend_from_slice(self.kind.as_str().as_bytes());
        b.push(b':');
        b.extend_from_slice(self.subject.as_bytes());
        b.push(0);
        b.extend_from_slice(&self.seq.to_be_bytes());
        b.extend_from_slice(&self.hash);
        b
    }
    pub fn leaf_hash(&self, suite: Suite) -> Hash32 {
        merkle::leaf_hash(suite, &self.bytes())
    }
}

/// A signed tree head: the root over the first `tree_size` leaves, numbered, linked to the one
/// before by `prev`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Checkpoint {
    pub seq: u64,
    pub sealed_at: DateTime<Utc>,
    pub suite: Suite,
    pub tree_size: u64,
    #[serde(with = "crypto::hex_serde::hash32")]
    #[schema(value_type = String)]
    pub root: Hash32,
    /// [`Checkpoint::link`] of the checkpoint before; zeros for the first.
    #[serde(with = "crypto::hex_serde::hash32")]
    #[schema(value_type = String)]
    pub prev: Hash32,
    /// Which signing key made `signature` (see the key ring's public keys).
    pub key_id: String,
    #[serde(with = "crypto::hex_serde::bytes")]
    #[schema(value_type = String)]
    pub signature: Vec<u8>,
}

/// The first checkpoint's `prev`.
pub const NO_PREVIOUS: Hash32 = [0; 32];

impl Checkpoint {
    /// The text that is signed: everything but the signature, one field a line.
    pub fn statement(&self) -> Vec<u8> {
        format!(
            "yizhan-checkpoint/1\nseq: {}\nsealed_at: {}\nsuite: {}\ntree_size: {}\nroot: {}\nprev: {}\n",
            self.seq,
            self.sealed_at.to_rfc3339_opts(SecondsFormat::Micros, true),
            self.suite.as_str(),
            self.tree_size,
            hex::encode(self.root),
            hex::encode(self.prev),
        )
        .into_bytes()
    }
    /// What the next checkpoint's `prev` must be: the hash of this statement and its signature.
    pub fn link(&self) -> Hash32 {
        self.suite.digest(&[&self.statement(), &self.signature])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(subject: &str, seq: u64) -> Leaf {
        Leaf {
            kind: LeafKind::Case,
            subject: subject.into(),
            seq,
            hash: [7; 32],
        }
    }

    #[test]
    fn leaves_differ_in_every_field() {
        let a = leaf("1", 12);
        let mut all = vec![a.bytes()];
        all.push(leaf("11", 2).bytes());
        all.push(leaf("1", 13).bytes());
        all.push(
            Leaf {
                hash: [8; 32],
                ..a.clone()
            }
            .bytes(),
        );
        all.push(
            Leaf {
                kind: LeafKind::Counter,
                ..a.clone()
            }
            .bytes(),
        );
        let n = all.len();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), n);
    }

    #[test]
    fn the_statement_covers_every_field_but_the_signature_and_the_link_covers_that() {
        let c = Checkpoint {
            seq: 3,
            sealed_at: "2026-12-07T01:00:00Z".parse().unwrap(),
            suite: Suite::Gm,
            tree_size: 10,
            root: [1; 32],
            prev: [2; 32],
            key_id: "k".into(),
            signature: vec![9; 64],
        };
        let s = c.statement();
        for changed in [
            Checkpoint {
                seq: 4,
                ..c.clone()
            },
            Checkpoint {
                tree_size: 11,
                ..c.clone()
            },
            Checkpoint {
                root: [3; 32],
                ..c.clone()
            },
            Checkpoint {
                prev: [3; 32],
                ..c.clone()
            },
            Checkpoint {
                suite: Suite::Intl,
                ..c.clone()
            },
            Checkpoint {
                sealed_at: "2026-12-07T01:00:01Z".parse().unwrap(),
                ..c.clone()
            },
        ] {
            assert_ne!(changed.statement(), s);
        }
        assert_eq!(
            Checkpoint {
                signature: vec![],
                ..c.clone()
            }
            .statement(),
            s
        );
        assert_ne!(
            Checkpoint {
                signature: vec![],
                ..c.clone()
            }
            .link(),
            c.link()
        );
        let back: Checkpoint = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
        assert_eq!(back, c);
    }
}
