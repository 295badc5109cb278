//! Every reply of the HTTP suites checked against the API document (issue 15, part 4): a reply
//! under `/api/v1` must come from a documented operation, carry a documented status, and — when
//! it is JSON — match that status's schema. A request the server accepted (2xx) must match the
//! documented request body too, so the document is never stricter than the server either.

use axum::http::{header, HeaderMap, Method, StatusCode};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use yizhan_web as web;

const PREFIX: &str = "/api/v1";

fn doc() -> &'static Value {
    web::api::openapi::document()
}

/// The documented path template `path` falls under; literal segments beat `{parameters}`, so
/// `/catalog/export` is not taken for `/catalog/{code}`.
pub fn template_of(path: &str) -> Option<&'static str> {
    let segs: Vec<&str> = path.split('/').collect();
    let mut best: Option<(&'static str, usize)> = None;
    for tpl in doc()["paths"].as_object()?.keys() {
        let t: Vec<&str> = tpl.split('/').collect();
        if t.len() != segs.len() {
            continue;
        }
        let mut literal = 0;
        let fits = t.iter().zip(&segs).all(|(a, b)| {
            if a.starts_with('{') && a.ends_with('}') {
                !b.is_empty()
            } else {
                literal += 1;
                a == b
            }
        });
        if fits && best.is_none_or(|(_, l)| literal > l) {
            best = Some((tpl.as_str(), literal));
        }
    }
    best.map(|(t, _)| t)
}

fn validator(schema: &Value) -> Arc<jsonschema::Validator> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<jsonschema::Validator>>>> = OnceLock::new();
    let key = schema.to_string();
    let mut cache = CACHE.get_or_init(Default::default).lock().unwrap();
    cache
        .entry(key)
        .or_insert_with(|| {
            // The schema's `$ref`s point into the document's components: give it them as its root.
            let mut root = schema.as_object().cloned().unwrap_or_default();
            root.insert("components".into(), doc()["components"].clone());
            root.insert(
                "$schema".into(),
                json!("https://json-schema.org/draft/2020-12/schema"),
            );
            Arc::new(
                jsonschema::validator_for(&Value::Object(root))
                    .unwrap_or_else(|e| panic!("the document's schema {schema} compiles: {e}")),
            )
        })
        .clone()
}

fn check(what: &str, schema: &Value, instance: &Value) {
    let v = validator(schema);
    let errors: Vec<String> = v
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} does not match the API document:\n  {}\n{}",
        errors.join("\n  "),
        serde_json::to_string_pretty(instance).unwrap_or_default()
    );
}

fn is_json(ct: Option<&str>) -> bool {
    ct.is_some_and(|c| c.starts_with("application/json"))
}

/// Panics when the exchange breaks the document.
pub fn check_exchange(
    method: &Method,
    uri: &str,
    request_ct: Option<&str>,
    request_body: &[u8],
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) {
    let Some(rest) = uri.strip_prefix(PREFIX) else {
        return;
    };
    let path = rest.split('?').next().unwrap_or_default();
    let reply_ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let reply_json = || -> Value {
        serde_json::from_slice(body).unwrap_or_else(|e| {
            panic!(
                "{method} {uri} answered {status} with invalid JSON ({e}): {}",
                String::from_utf8_lossy(body)
            )
        })
    };
    let Some(tpl) = template_of(path) else {
        // Not an operation: only the API's own "no such operation" answer is allowed.
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "{method} {uri} answered {status} but no documented path matches it"
        );
        assert_eq!(reply_json()["code"], "not_found", "{method} {uri}");
        return;
    };
    let m = method.as_str().to_ascii_lowercase();
    let Some(op) = doc()["paths"][tpl].get(&m) else {
        assert_eq!(
            status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {tpl} is routed (answered {status}) but not documented"
        );
        return;
    };
    let code = status.as_u16().to_string();
    // For the closing note's coverage figure: which operations and statuses the suites reached.
    if let Ok(log) = std::env::var("YIZHAN_CONTRACT_LOG") {
        use std::io::Write;
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
        {
            let _ = writeln!(f, "{m} {tpl} {code}");
        }
    }
    let Some(reply) = op["responses"].get(&code) else {
        panic!(
            "{method} {tpl} answered {status}, which the document does not list: {}",
            String::from_utf8_lossy(body)
        );
    };
    if is_json(reply_ct) {
        let schema = reply["content"]["application/json"]["schema"].clone();
        assert!(
            !schema.is_null(),
            "{method} {tpl} answered {status} with JSON the document gives no schema for"
        );
        check(
            &format!("the {status} reply of {method} {tpl}"),
            &schema,
            &reply_json(),
        );
    } else if status.is_success() {
        let documented = reply["content"]
            .as_object()
            .map(|c| c.keys().map(|k| k.to_string()).collect::<Vec<_>>())
            .unwrap_or_default();
        let ct = reply_ct.unwrap_or("").split(';').next().unwrap_or("");
        assert!(
            documented.iter().any(|d| d.split(';').next() == Some(ct)),
            "{method} {tpl} answered {ct}, the document lists {documented:?}"
        );
    }
    if status.is_success() && is_json(request_ct) {
        let schema = &op["requestBody"]["content"]["application/json"]["schema"];
        if !schema.is_null() {
            if let Ok(v) = serde_json::from_slice::<Value>(request_body) {
                check(
                    &format!("the accepted request of {method} {tpl}"),
                    schema,
                    &v,
                );
            }
        }
    }
}
