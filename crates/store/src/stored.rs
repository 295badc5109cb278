//! How an event is stored: its body holds only what the row's columns (case number, sequence,
//! hashes) do not, so each hash is kept once, not twice, and empty fields not at all. Bodies
//! written by earlier builds, which repeated those fields, still read: unknown keys are ignored
//! and the columns always win.

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
}

impl StoredEvent {
    pub fn into_event(
        self,
        case_number: String,
        seq: u32,
        prev_hash: String,
        hash: String,
    ) -> CaseEvent {
        CaseEvent {
            case_number,
            seq,
            at: self.at,
            actor: self.actor,
            kind: self.kind,
            comment: self.comment,
            attachments: self.attachments,
            idempotency_key: self.idempotency_key,
            prev_hash,
            hash,
        }
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
            let back = back.into_event(
                e.case_number.clone(),
                e.seq,
                e.prev_hash.clone(),
                e.hash.clone(),
            );
            assert_eq!(&back, e);
            // What an earlier build wrote (the whole event) reads the same.
            let old: StoredEvent =
                serde_json::from_str(&serde_json::to_string(e).unwrap()).unwrap();
            let old = old.into_event(
                e.case_number.clone(),
                e.seq,
                e.prev_hash.clone(),
                e.hash.clone(),
            );
            assert_eq!(&old, e);
        }
        assert!(
            serde_json::to_string(&EventBody::from(&more[0]))
                .unwrap()
                .contains("attachments"),
            "non-empty fields are kept"
        );
    }
}
