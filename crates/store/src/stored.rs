//! How an event is stored: its body holds only what the row's columns (case number, sequence,
//! hashes) do not, so each hash is kept once, not twice, and empty fields not at all. Bodies
//! written by earlier builds, which repeated those fields, still read: unknown keys are ignored
//! and the columns always win.
//!
//! A hash is kept as its 32 bytes, and an event's link (`prev_hash`) not at all: it is the hash of
//! the event before it, so a case's log read in order gives it back (`relink`). A row taken out
//! of the middle of a log still shows: the next event's own hash no longer matches its new link.

use chrono::{DateTime, Utc};
use domain::case::{ActorRef, CaseEvent, EventKind};
use serde::{Deserialize, Serialize};

/// The stored body of `event`.
#[derive(Debug, Serialize)]
pub struct EventBody<'a> {
    at: &'a DateTime<Utc>,
    actor: &'a ActorRef,
    kind: &'a EventKind,
    #[serde(skip_serializing_if = "str::is_empty")]
    comment: &'a str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    attachments: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    idempotency_key: &'a Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_hash: &'a Option<String>,
}

impl<'a> From<&'a CaseEvent> for EventBody<'a> {
    fn from(e: &'a CaseEvent) -> Self {
        EventBody {
            at: &e.at,
            actor: &e.actor,
            kind: &e.kind,
            comment: &e.comment,
            attachments: &e.attachments,
            idempotency_key: &e.idempotency_key,
            request_hash: &e.request_hash,
        }
    }
}

/// A stored body read back; `into_event` adds what the columns hold.
#[derive(Deserialize)]
pub struct StoredEvent {
    at: DateTime<Utc>,
    actor: ActorRef,
    kind: EventKind,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    attachments: Vec<String>,
    #[serde(default)]
    idempotency_key: Option<String>,
    #[serde(default)]
    request_hash: Option<String>,
}

impl StoredEvent {
    /// The event with what the columns hold; its link is filled in by `relink`.
    pub fn into_event(self, case_number: String, seq: u32, hash: &[u8]) -> CaseEvent {
        CaseEvent {
            case_number,
            seq,
            at: self.at,
            actor: self.actor,
            kind: self.kind,
            comment: self.comment,
            attachments: self.attachments,
            idempotency_key: self.idempotency_key,
            request_hash: self.request_hash,
            prev_hash: String::new(),
            hash: hex::encode(hash),
        }
    }
}

/// A hash as stored: the bytes its hex spells. Hashes reach the store from `check_new_events`,
/// which recomputed each one, so they are 64 lowercase hex digits; anything else is refused
/// rather than stored in a form that would not read back the same.
pub fn hash_bytes(hash: &str) -> crate::Result<Vec<u8>> {
    // Upper-case digits would decode too, and read back different.
    let lower_hex = |b: u8| b.is_ascii_digit() || (b'a'..=b'f').contains(&b);
    match hex::decode(hash) {
        Ok(b) if hash.bytes().all(lower_hex) => Ok(b),
        _ => Err(crate::StoreError::Backend(format!(
            "not a stored hash: {hash:?}"
        ))),
    }
}

/// Fills in each event's link from the event before it: `events` is a case's whole log as read,
/// in sequence order, so the first links to the genesis hash. A log that does not start at
/// sequence 1 gets no link for its first event, and `verify_chain` reports it.
pub fn relink(events: &mut [CaseEvent]) {
    let mut prev = String::new();
    for e in events.iter_mut() {
        e.prev_hash = if e.seq == 1 {
            domain::case::GENESIS_HASH.to_string()
        } else {
            std::mem::take(&mut prev)
        };
        prev.clone_from(&e.hash);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance::{filed_case, next_events, window_case, TOWN};
    use domain::case::MaterialStatus;

    #[test]
    fn bodies_round_trip_without_what_the_columns_hold() {
        let (c, log) = filed_case(&window_case("N1", TOWN, "2026-03-02T01:00:00Z"));
        let mark = EventKind::MaterialMarked {
            index: 0,
            status: MaterialStatus::Received,
            reason: String::new(),
        };
        let (_, more) = next_events(&c, &log, "2026-03-02T03:00:00Z", vec![mark]);
        for e in log.iter().chain(more.iter()) {
            let body = serde_json::to_string(&EventBody::from(e)).unwrap();
            for left_out in ["case_number", "\"seq\"", "prev_hash", "\"hash\""] {
                assert!(!body.contains(left_out), "{left_out} in {body}");
            }
            let back: StoredEvent = serde_json::from_str(&body).unwrap();
            let mut back =
                back.into_event(e.case_number.clone(), e.seq, &hash_bytes(&e.hash).unwrap());
            back.prev_hash.clone_from(&e.prev_hash);
            assert_eq!(&back, e);
            // What an earlier build wrote (the whole event) reads the same.
            let old: StoredEvent =
                serde_json::from_str(&serde_json::to_string(e).unwrap()).unwrap();
            let mut old =
                old.into_event(e.case_number.clone(), e.seq, &hash_bytes(&e.hash).unwrap());
            old.prev_hash.clone_from(&e.prev_hash);
            assert_eq!(&old, e);
        }
        assert!(
            serde_json::to_string(&EventBody::from(&more[0]))
                .unwrap()
                .contains("attachments"),
            "non-empty fields are kept"
        );
    }

    #[test]
    fn a_log_read_in_order_gets_its_links_back() {
        let (c, log) = filed_case(&window_case("N2", TOWN, "2026-03-02T01:00:00Z"));
        let mark = EventKind::MaterialMarked {
            index: 0,
            status: MaterialStatus::Received,
            reason: String::new(),
        };
        let (_, more) = next_events(&c, &log, "2026-03-02T03:00:00Z", vec![mark]);
        let whole: Vec<CaseEvent> = log.iter().chain(more.iter()).cloned().collect();
        assert!(whole.len() >= 2);
        let mut read: Vec<CaseEvent> = whole
            .iter()
            .map(|e| CaseEvent {
                prev_hash: String::new(),
                ..e.clone()
            })
            .collect();
        relink(&mut read);
        assert_eq!(read, whole);
        assert_eq!(domain::case::verify_chain(&read), Ok(()));
        // A row taken out of the middle: the next event no longer verifies.
        let mut gap: Vec<CaseEvent> = read.clone();
        gap.remove(1);
        relink(&mut gap);
        assert!(domain::case::verify_chain(&gap).is_err());
        // A log whose first row is gone: its first event has no link.
        let mut headless = read[1..].to_vec();
        relink(&mut headless);
        assert_eq!(headless[0].prev_hash, "");
        assert_eq!(domain::case::verify_chain(&headless), Err(2));
    }

    #[test]
    fn hashes_are_stored_as_their_bytes() {
        let h = "ab".repeat(32);
        let b = hash_bytes(&h).unwrap();
        assert_eq!(b.len(), 32);
        assert_eq!(hex::encode(&b), h);
        for bad in ["AB".repeat(32), "xyz".to_string(), "abc".to_string()] {
            assert!(hash_bytes(&bad).is_err(), "{bad}");
        }
    }
}
