//! The crate diagram of docs/ARCHITECTURE.md, enforced (issue 15, part 9): every workspace crate's
//! normal dependencies on other workspace crates must be among those the diagram allows, and the
//! pure `domain` crate may use no I/O or async crate at all. A new arrow means changing the diagram
//! here and in the document together.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

/// Workspace crate → the workspace crates it may depend on (normal dependencies; tests may use
/// more). Dependencies point one way: crypto ← domain ← store ← backends; domain, store ← app ←
/// web ← yizhan.
const ALLOWED: &[(&str, &[&str])] = &[
    ("yizhan-crypto", &[]),
    ("yizhan-domain", &["yizhan-crypto"]),
    ("yizhan-search", &["yizhan-domain"]),
    ("yizhan-catalog-io", &["yizhan-domain"]),
    ("yizhan-store", &["yizhan-domain", "yizhan-crypto"]),
    (
        "yizhan-store-sqlite",
        &["yizhan-domain", "yizhan-store", "yizhan-crypto"],
    ),
    (
        "yizhan-store-postgres",
        &["yizhan-domain", "yizhan-store", "yizhan-crypto"],
    ),
    ("yizhan-demo", &["yizhan-domain", "yizhan-store"]),
    (
        "yizhan-app",
        &[
            "yizhan-domain",
            "yizhan-store",
            "yizhan-catalog-io",
            "yizhan-search",
            "yizhan-crypto",
        ],
    ),
    (
        "yizhan-web",
        &[
            "yizhan-app",
            "yizhan-domain",
            "yizhan-store",
            "yizhan-catalog-io",
            "yizhan-search",
        ],
    ),
    (
        "yizhan",
        &[
            "yizhan-app",
            "yizhan-domain",
            "yizhan-store",
            "yizhan-store-sqlite",
            "yizhan-store-postgres",
            "yizhan-catalog-io",
            "yizhan-demo",
            "yizhan-web",
            "yizhan-crypto",
        ],
    ),
    (
        "yizhan-bench",
        &[
            "yizhan-app",
            "yizhan-domain",
            "yizhan-store",
            "yizhan-store-sqlite",
            "yizhan-store-postgres",
            "yizhan-demo",
            "yizhan-web",
        ],
    ),
    ("yizhan-test-pg", &[]),
];

/// What the pure rules may use: no runtime, no database, no network, no files.
const DOMAIN_MAY_USE: &[&str] = &[
    "chrono",
    "serde",
    "serde_json",
    "thiserror",
    "hex",
    "strum",
    // The suites' hash functions for the case log's chain (SHA-256 or SM3). The crypto crate does
    // no file, network or database I/O; keys come to it as bytes.
    "yizhan-crypto",
    // Derives the JSON Schema of the value types the API embeds (no I/O: traits and a derive).
    "utoipa",
    // RFC 6238 codes from a secret and a time the caller passes (`domain::second_factor` never reads
    // the clock); HMAC arithmetic and otpauth URL text, no I/O.
    "totp-rs",
];

fn metadata() -> Value {
    let out = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo metadata");
    assert!(
        out.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("cargo metadata JSON")
}

/// Each workspace package's normal (non-dev, non-build) dependencies by package name.
fn normal_dependencies(meta: &Value) -> BTreeMap<String, BTreeSet<String>> {
    meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let deps = p["dependencies"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| d["kind"].is_null())
                .map(|d| d["name"].as_str().unwrap().to_string())
                .collect();
            (p["name"].as_str().unwrap().to_string(), deps)
        })
        .collect()
}

/// Every dependency of a workspace crate on another that the diagram does not allow.
fn violations(
    deps: &BTreeMap<String, BTreeSet<String>>,
    diagram: &[(&str, &[&str])],
) -> Vec<String> {
    let workspace: BTreeSet<&str> = deps.keys().map(String::as_str).collect();
    let allowed: BTreeMap<&str, &[&str]> = diagram.iter().copied().collect();
    let mut wrong = Vec::new();
    for (krate, uses) in deps {
        let Some(may) = allowed.get(krate.as_str()) else {
            wrong.push(format!(
                "{krate} is not in the diagram (tests/layering.rs, ARCHITECTURE.md)"
            ));
            continue;
        };
        for d in uses.iter().filter(|d| workspace.contains(d.as_str())) {
            if !may.contains(&d.as_str()) {
                wrong.push(format!("{krate} → {d} is not an arrow of the diagram"));
            }
        }
    }
    wrong
}

#[test]
fn crates_depend_only_as_the_diagram_allows() {
    let wrong = violations(&normal_dependencies(&metadata()), ALLOWED);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_domain_crate_stays_pure() {
    let deps = normal_dependencies(&metadata());
    let extra: Vec<&String> = deps["yizhan-domain"]
        .iter()
        .filter(|d| !DOMAIN_MAY_USE.contains(&d.as_str()))
        .collect();
    assert!(
        extra.is_empty(),
        "domain must stay free of I/O and async: {extra:?}"
    );
}

/// The use cases know no transport: no web framework, no HTML templates, no HTTP types.
#[test]
fn the_app_crate_knows_no_transport() {
    let deps = normal_dependencies(&metadata());
    let transport: Vec<&String> = deps["yizhan-app"]
        .iter()
        .filter(|d| ["axum", "maud", "tower", "tower-http", "hyper", "http"].contains(&d.as_str()))
        .collect();
    assert!(transport.is_empty(), "app must not use {transport:?}");
}

/// The check itself: the web layer reaching for a backend, and a crate missing from the diagram,
/// are both reported; outside crates are not the diagram's business.
#[test]
fn a_forbidden_arrow_is_caught() {
    let mut deps = normal_dependencies(&metadata());
    deps.get_mut("yizhan-web")
        .unwrap()
        .insert("yizhan-store-sqlite".into());
    deps.insert("yizhan-new".into(), BTreeSet::from(["serde".to_string()]));
    assert_eq!(
        violations(&deps, ALLOWED),
        [
            "yizhan-new is not in the diagram (tests/layering.rs, ARCHITECTURE.md)",
            "yizhan-web → yizhan-store-sqlite is not an arrow of the diagram"
        ]
    );
}
