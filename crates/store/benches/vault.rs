//! What sealing personal data adds to each write and read of a body (issue 16, part 6):
//! `cargo bench -p yizhan-store --bench vault`. A 4 kB case snapshot and a 300-byte event body,
//! compressed only (as before sealing) and compressed then sealed with each suite; the ratios in
//! docs/PERFORMANCE.md come from one run of this.

use criterion::Criterion;
use std::hint::black_box;
use yizhan_store::codec::{self, Body};
use yizhan_store::vault::Vault;

/// A snapshot shaped like a real one: an item's terms, materials, stages and an applicant.
fn snapshot() -> Vec<u8> {
    let materials: Vec<_> = (0..12)
        .map(|i| serde_json::json!({"name": format!("申请材料第{i}项(原件及复印件)"), "status": "Received", "mandatory": true, "note": ""}))
        .collect();
    let stages: Vec<_> = (0..4)
        .map(|i| serde_json::json!({"department": "scjg", "name": format!("第{i}环节审查"), "limit_days": 5, "due": "2026-03-16"}))
        .collect();
    serde_json::to_vec(&serde_json::json!({
        "filing": {"number": "33992100000020260302000017", "query_code": "K7F3Q9",
            "applicant": {"kind": "Person", "name": "周小燕", "id_number": "330102199001011234",
                "phone": "13905781001"},
            "item": {"code": "339900-XK-002", "name": "食品经营许可", "statutory_limit_days": 20,
                "promised_limit_days": 10, "materials": materials, "stages": stages},
            "form": {"经营场所": "清波街 1 号", "面积": 35.5}},
        "state": "InReview", "version": 7,
        "deadlines": {"accept_due": "2026-03-09", "decide_due": "2026-03-16"},
        "last_hash": "9f".repeat(32),
    }))
    .unwrap()
}

fn event() -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "at": "2026-03-02T02:00:00Z", "kind": {"MaterialMarked": {"index": 3, "status": "Received"}},
        "actor": {"user_id": 17, "name": "王窗口", "roles": [{"role": "WindowClerk", "region": "339921000000"}]},
        "prev_hash": "ab".repeat(32)
    }))
    .unwrap()
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    let intl = Vault::fixed_for_tests(crypto::Suite::Intl);
    let gm = Vault::fixed_for_tests(crypto::Suite::Gm);
    for (what, body, json) in [
        ("snapshot", Body::Case, snapshot()),
        ("event", Body::Event, event()),
    ] {
        let packed = codec::pack(body, &json);
        println!(
            "{what}: {} bytes of JSON, {} compressed, {} sealed",
            json.len(),
            packed.len(),
            intl.seal_body(body, &json).len()
        );
        c.bench_function(&format!("{what}/write/compressed"), |b| {
            b.iter(|| codec::pack(body, black_box(&json)))
        });
        for (name, v) in [("intl", &intl), ("gm", &gm)] {
            c.bench_function(&format!("{what}/write/sealed-{name}"), |b| {
                b.iter(|| v.seal_body(body, black_box(&json)))
            });
            let sealed = v.seal_body(body, &json);
            c.bench_function(&format!("{what}/read/sealed-{name}"), |b| {
                b.iter(|| v.open_body(body, black_box(&sealed)).unwrap().len())
            });
        }
        c.bench_function(&format!("{what}/read/compressed"), |b| {
            b.iter(|| codec::unpack(black_box(&packed)).unwrap().len())
        });
    }
    c.final_summary();
}
