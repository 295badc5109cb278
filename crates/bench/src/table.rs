//! `yizhan-bench table REPORT…`: the "targets at a glance" table of docs/PERFORMANCE.md, in
//! Markdown, from the JSON reports of one `bench/run-all.sh` run (one column per report), so the
//! document's figures are the run's and not copied by hand.

use anyhow::{Context, Result};
use serde_json::Value;
use std::path::PathBuf;

/// Whether a larger figure is better, and the bound it must reach.
type Bound = Option<(bool, f64)>;

/// (report key, what it is, the target, its bound).
const ROWS: &[(&str, &str, &str, Bound)] = &[
    ("history_cases", "cases in the database", "", None),
    ("history_open_cases", "  of which open", "", None),
    (
        "transitions_per_s",
        "durable transitions/s over HTTP",
        "≥ 20,000 (SQLite)",
        Some((true, 20_000.0)),
    ),
    (
        "raw_sqlite_full_txn_per_s",
        "raw SQLite FULL single-row txn/s",
        "",
        None,
    ),
    (
        "ratio_transitions_to_raw_sqlite",
        "  ratio to raw SQLite",
        "≥ 2.5",
        Some((true, 2.5)),
    ),
    ("pgbench_tps", "pgbench, same shape, tps", "", None),
    (
        "ratio_transitions_to_pgbench",
        "  ratio to pgbench",
        "≥ 0.8 (PostgreSQL)",
        Some((true, 0.8)),
    ),
    ("p99_ms", "p99 ms, full load", "", None),
    (
        "paced_p99_ms",
        "p99 ms at 70 % of the peak",
        "< 10",
        Some((false, 10.0)),
    ),
    ("cases_per_s", "complete joint cases/s", "", None),
    (
        "spiff_processes_per_s",
        "SpiffWorkflow processes/s (in memory)",
        "",
        None,
    ),
    (
        "ratio_cases_to_spiff",
        "  ratio to SpiffWorkflow",
        "≥ 1.5",
        Some((true, 1.5)),
    ),
    (
        "hello_req_per_s",
        "axum hello-world req/s, harness client",
        "",
        None,
    ),
    (
        "hello_wrk_req_per_s",
        "axum hello-world req/s, wrk",
        "",
        None,
    ),
    (
        "ratio_client_to_wrk",
        "  harness client / wrk",
        "≥ 0.9",
        Some((true, 0.9)),
    ),
    (
        "ratio_transitions_to_hello",
        "  transitions / hello-world",
        "",
        None,
    ),
    ("supervision_scan_s", "first full warning scan s", "", None),
    (
        "supervision_next_day_scan_s",
        "daily warning scan s",
        "< 1 at 1 M open",
        Some((false, 1.0)),
    ),
    (
        "supervision_scan_raised",
        "  warnings raised by the first scan",
        "",
        None,
    ),
    (
        "case_list_p99_ms",
        "case list p99 ms",
        "< 50",
        Some((false, 50.0)),
    ),
    (
        "dashboard_p99_ms",
        "dashboard p99 ms",
        "< 50",
        Some((false, 50.0)),
    ),
    ("search_p99_ms", "search p99 ms", "< 5", Some((false, 5.0))),
    ("statistics_p99_ms", "statistics p99 ms", "", None),
    (
        "peak_rss_mb",
        "server peak RSS MiB",
        "< 200 MB",
        Some((false, 190.7)),
    ),
    (
        "history_cases_per_s",
        "history generation cases/s",
        "",
        None,
    ),
];

pub fn print(reports: &[PathBuf]) -> Result<()> {
    let mut cols = vec![];
    for p in reports {
        let text = std::fs::read_to_string(p).with_context(|| format!("{}", p.display()))?;
        let v: Value = serde_json::from_str(&text).with_context(|| format!("{}", p.display()))?;
        let name = p
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        cols.push((name, v));
    }
    let mut head = "| figure | target |".to_string();
    let mut rule = "|---|---|".to_string();
    for (name, _) in &cols {
        head.push_str(&format!(" {name} |"));
        rule.push_str("---|");
    }
    println!("{head}\n{rule}");
    for (key, label, target, bound) in ROWS {
        if cols
            .iter()
            .all(|(_, v)| v.get(*key).is_none_or(Value::is_null))
        {
            continue;
        }
        let mut line = format!("| {label} | {target} |");
        for (_, v) in &cols {
            let cell = match v.get(*key).and_then(Value::as_f64) {
                None => "—".to_string(),
                Some(x) => {
                    let shown = figure(x);
                    match bound {
                        Some((true, b)) if x >= *b => format!("**{shown}** ✓"),
                        Some((false, b)) if x < *b => format!("**{shown}** ✓"),
                        Some(_) => format!("{shown} ✗"),
                        None => shown,
                    }
                }
            };
            line.push_str(&format!(" {cell} |"));
        }
        println!("{line}");
    }
    Ok(())
}

/// Thousands separated, ratios and small figures with their decimals.
fn figure(x: f64) -> String {
    if x.abs() >= 1000.0 {
        let n = x.round() as i64;
        let s = n.abs().to_string();
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        if n < 0 {
            format!("-{out}")
        } else {
            out
        }
    } else if x.fract() == 0.0 {
        format!("{x}")
    } else {
        format!("{x:.3}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn figures_read_like_the_document() {
        assert_eq!(super::figure(20_000.4), "20,000");
        assert_eq!(super::figure(1_234_567.0), "1,234,567");
        assert_eq!(super::figure(0.42), "0.42");
        assert_eq!(super::figure(9.78), "9.78");
        assert_eq!(super::figure(64.0), "64");
    }
}
