//! `yizhan-bench dict`: trains the dictionaries `store::codec` compresses snapshots and event
//! bodies with, from the demo city's cases (every item, every state) and a batch of generated
//! lifecycles, and writes them to `crates/store/dict/`. A new dictionary gets a new id; the old
//! file must then move to the codec's retired list, because frames written with it name it.

use anyhow::{Context, Result};
use std::path::Path;

pub struct Trained {
    pub cases: usize,
    pub events: usize,
    pub case_json_bytes: f64,
    pub case_packed_bytes: f64,
    pub event_json_bytes: f64,
    pub event_packed_bytes: f64,
}

/// JSON documents, one per sample.
type Samples = Vec<Vec<u8>>;

/// Every snapshot and event body in the SQLite file at `db`, as JSON.
fn samples(db: &Path) -> Result<(Samples, Samples)> {
    let conn = rusqlite::Connection::open(db)?;
    let read = |sql: &str| -> Result<Samples> {
        let mut st = conn.prepare(sql)?;
        let rows = st.query_map([], |r| {
            r.get_ref(0)?
                .as_bytes()
                .map(<[u8]>::to_vec)
                .map_err(Into::into)
        })?;
        let mut out = vec![];
        for r in rows {
            let stored = r?;
            out.push(
                store::codec::unpack(&stored)
                    .map_err(anyhow::Error::msg)?
                    .into_owned(),
            );
        }
        Ok(out)
    };
    Ok((
        read("SELECT case_json FROM cases")?,
        read("SELECT event_json FROM case_events")?,
    ))
}

fn mean_packed(dict: &[u8], samples: &[Vec<u8>]) -> Result<f64> {
    let mut c = zstd::bulk::Compressor::with_dictionary(3, dict)?;
    let mut total = 0usize;
    for s in samples {
        total += c.compress(s)?.len();
    }
    Ok(total as f64 / samples.len().max(1) as f64)
}

fn mean(samples: &[Vec<u8>]) -> f64 {
    samples.iter().map(Vec::len).sum::<usize>() as f64 / samples.len().max(1) as f64
}

/// Trains both dictionaries on the cases in `db` and writes them into `out`.
pub fn train(db: &Path, out: &Path) -> Result<Trained> {
    let (cases, events) = samples(db)?;
    // Sizes by measurement on the bench's data: beyond these the frames barely shrink.
    let case_dict = zstd::dict::from_samples(&cases, 64 << 10).context("training (cases)")?;
    let event_dict = zstd::dict::from_samples(&events, 16 << 10).context("training (events)")?;
    std::fs::create_dir_all(out)?;
    std::fs::write(out.join("case.zdict"), &case_dict)?;
    std::fs::write(out.join("event.zdict"), &event_dict)?;
    Ok(Trained {
        cases: cases.len(),
        events: events.len(),
        case_json_bytes: mean(&cases),
        case_packed_bytes: mean_packed(&case_dict, &cases)?,
        event_json_bytes: mean(&events),
        event_packed_bytes: mean_packed(&event_dict, &events)?,
    })
}
