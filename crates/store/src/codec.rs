//! How case snapshots (`cases.case_json`) and event bodies (`case_events.event_json`) are kept on
//! disk: a zstd frame compressed with a dictionary trained on case data (`crates/store/dict/`,
//! `yizhan-bench dict` makes them). A 4 kB snapshot is mostly the item's terms and key names that
//! every case repeats; with the dictionary it keeps only what differs, so 10 M cases fit on one
//! disk. Bodies written before (plain JSON, first byte `{`) still read; frames name their
//! dictionary, so a body stays readable as long as its dictionary ships with the binary.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::OnceLock;
use zstd::bulk::{Compressor, Decompressor};
use zstd::dict::{DecoderDictionary, EncoderDictionary};

/// Which dictionary a body is compressed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// The whole domain `Case` (the fold of its events).
    Case,
    /// One stored event body (`stored::EventBody`).
    Event,
}

/// The dictionaries new bodies are written with. A replaced dictionary moves to `RETIRED` (never
/// deleted): the frames written with it name it and must stay readable.
const CASE_DICT: &[u8] = include_bytes!("../dict/case.zdict");
const EVENT_DICT: &[u8] = include_bytes!("../dict/event.zdict");
const RETIRED: &[&[u8]] = &[];

/// zstd's default level: about 15 µs for a 4 kB snapshot; higher levels cost more time than the
/// bytes they save on bodies this small.
const LEVEL: i32 = 3;
const MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];
/// No body is anywhere near this; a corrupt frame must not make us allocate gigabytes.
const MAX_BODY: usize = 64 << 20;

fn dict_for(body: Body) -> &'static [u8] {
    match body {
        Body::Case => CASE_DICT,
        Body::Event => EVENT_DICT,
    }
}

fn encoder(body: Body) -> &'static EncoderDictionary<'static> {
    static CASE: OnceLock<EncoderDictionary<'static>> = OnceLock::new();
    static EVENT: OnceLock<EncoderDictionary<'static>> = OnceLock::new();
    let cell = match body {
        Body::Case => &CASE,
        Body::Event => &EVENT,
    };
    cell.get_or_init(|| EncoderDictionary::copy(dict_for(body), LEVEL))
}

/// Every dictionary this build can read, by the id its frames carry.
fn decoders() -> &'static HashMap<u32, DecoderDictionary<'static>> {
    static ALL: OnceLock<HashMap<u32, DecoderDictionary<'static>>> = OnceLock::new();
    ALL.get_or_init(|| {
        [CASE_DICT, EVENT_DICT]
            .iter()
            .chain(RETIRED)
            .filter_map(|d| {
                let id = zstd::zstd_safe::get_dict_id_from_dict(d)?;
                Some((id.get(), DecoderDictionary::copy(d)))
            })
            .collect()
    })
}

thread_local! {
    // A compression context is ~1 MB to set up; each thread keeps one per dictionary.
    static CASE_C: RefCell<Option<Compressor<'static>>> = const { RefCell::new(None) };
    static EVENT_C: RefCell<Option<Compressor<'static>>> = const { RefCell::new(None) };
    static PLAIN_D: RefCell<Option<Decompressor<'static>>> = const { RefCell::new(None) };
    static DICT_D: RefCell<HashMap<u32, Decompressor<'static>>> = RefCell::new(HashMap::new());
}

/// The stored form of `json`.
pub fn pack(body: Body, json: &[u8]) -> Vec<u8> {
    let cell = match body {
        Body::Case => &CASE_C,
        Body::Event => &EVENT_C,
    };
    let packed = cell.with(|c| {
        let mut c = c.borrow_mut();
        if c.is_none() {
            *c = Some(if dict_for(body).is_empty() {
                Compressor::new(LEVEL).ok()?
            } else {
                Compressor::with_prepared_dictionary(encoder(body)).ok()?
            });
        }
        c.as_mut()?.compress(json).ok()
    });
    // Compression of an in-memory buffer only fails when zstd cannot allocate; the plain JSON
    // is then still a valid stored body.
    packed.unwrap_or_else(|| json.to_vec())
}

/// The JSON of a stored body (plain JSON as written before compression, or a frame).
pub fn unpack(stored: &[u8]) -> Result<Cow<'_, [u8]>, String> {
    if !stored.starts_with(&MAGIC) {
        return Ok(Cow::Borrowed(stored));
    }
    let size = match zstd::zstd_safe::get_frame_content_size(stored) {
        Ok(Some(n)) if (n as usize) <= MAX_BODY => n as usize,
        _ => return Err("stored body: zstd frame without a valid size".into()),
    };
    let out = match zstd::zstd_safe::get_dict_id_from_frame(stored) {
        None => PLAIN_D.with(|d| {
            let mut d = d.borrow_mut();
            if d.is_none() {
                *d = Some(Decompressor::new().map_err(|e| e.to_string())?);
            }
            d.as_mut()
                .map(|d| d.decompress(stored, size))
                .transpose()
                .map_err(|e| e.to_string())
        })?,
        Some(id) => DICT_D.with(|d| {
            let mut d = d.borrow_mut();
            let dec = match d.entry(id.get()) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => {
                    let dict = decoders().get(&id.get()).ok_or_else(|| {
                        format!("stored body: dictionary {id} is not in this build")
                    })?;
                    e.insert(
                        Decompressor::with_prepared_dictionary(dict).map_err(|e| e.to_string())?,
                    )
                }
            };
            dec.decompress(stored, size)
                .map(Some)
                .map_err(|e| e.to_string())
        })?,
    };
    out.map(Cow::Owned)
        .ok_or_else(|| "stored body: no decompressor".into())
}

/// Decodes a stored body as `T`.
pub fn from_stored<T: serde::de::DeserializeOwned>(stored: &[u8]) -> Result<T, String> {
    let json = unpack(stored)?;
    serde_json::from_slice(&json).map_err(|e| e.to_string())
}

/// Encodes `value` as a stored body.
pub fn to_stored<T: serde::Serialize + ?Sized>(body: Body, value: &T) -> Result<Vec<u8>, String> {
    let json = serde_json::to_vec(value).map_err(|e| e.to_string())?;
    Ok(pack(body, &json))
}

/// The dictionary ids this build writes with (0: none), for the bench's report.
pub fn dictionary_ids() -> (u32, u32) {
    let id = |d: &[u8]| zstd::zstd_safe::get_dict_id_from_dict(d).map_or(0, |i| i.get());
    (id(CASE_DICT), id(EVENT_DICT))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_shipped_dictionaries_are_real_and_distinct() {
        let (case, event) = dictionary_ids();
        assert!(case != 0 && event != 0 && case != event, "{case} {event}");
        assert!(decoders().contains_key(&case) && decoders().contains_key(&event));
    }

    #[test]
    fn plain_json_written_before_still_reads() {
        let json = br#"{"at":"2026-03-02T01:00:00Z"}"#;
        assert_eq!(unpack(json).unwrap().as_ref(), json);
    }

    #[test]
    fn bodies_round_trip_and_shrink() {
        let json = serde_json::to_vec(&serde_json::json!({
            "filing": {"number": "331122202603020001", "item": {"name": "建设工程规划许可证核发",
            "materials": ["申请表", "土地证明", "设计方案", "申请表", "土地证明", "设计方案"]}},
            "state": "InReview", "stages": [{"department": "zrzy"}, {"department": "xf"}]
        }))
        .unwrap();
        for body in [Body::Case, Body::Event] {
            let packed = pack(body, &json);
            assert!(packed.starts_with(&MAGIC));
            assert!(
                packed.len() < json.len(),
                "{} !< {}",
                packed.len(),
                json.len()
            );
            assert_eq!(unpack(&packed).unwrap().as_ref(), json.as_slice());
        }
    }

    #[test]
    fn a_damaged_frame_is_an_error_not_a_panic() {
        let packed = pack(
            Body::Case,
            br#"{"a":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"}"#,
        );
        for cut in 4..packed.len() {
            assert!(unpack(&packed[..cut]).is_err(), "cut at {cut}");
        }
        let mut unknown = packed.clone();
        // Frame header byte 4 is the descriptor; a made-up dictionary id must be refused.
        unknown.truncate(4);
        unknown.extend([0x03, 0xff, 0xff, 0xff, 0x7f, 0x00]);
        assert!(unpack(&unknown).is_err());
    }

    proptest! {
        #[test]
        fn any_json_round_trips(s in ".{0,400}", n in any::<i64>()) {
            let json = serde_json::to_vec(&serde_json::json!({"comment": s, "n": n})).unwrap();
            for body in [Body::Case, Body::Event] {
                let packed = pack(body, &json);
                let back = unpack(&packed).unwrap().into_owned();
                prop_assert_eq!(back, json.clone());
            }
        }
    }
}
