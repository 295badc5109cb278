//! Helpers of the case suites (`cases*.rs`): the 云溪县 市场监管 staff, the food licence item,
//! applicants, and a window filing with every material received.

use super::{ok, Session, TestApp};
use axum::http::StatusCode;
use demo::*;
use serde_json::{json, Value};

pub const FOOD: &str = ITEM_FOOD_LICENSE;
pub const CLERK: &str = "clerk.yunxi.scjg";
pub const REVIEWER: &str = "rev.yunxi.scjg";
pub const HEAD: &str = "head.yunxi.scjg";

pub fn credit_code() -> String {
    domain::identity::complete_credit_code("91339921MA2C0TP7K").unwrap()
}
pub fn person_id() -> String {
    domain::identity::complete_resident_id("33992119850312262").unwrap()
}

pub fn person(name: &str) -> Value {
    json!({ "kind": "person", "name": name, "id_number": person_id(), "phone": "13905781001" })
}

/// Files at the 云溪县 市场监管 window and marks every material received.
pub async fn window_case(app: &TestApp, item: &str, clerk: &Session) -> String {
    let r = app
        .post_json(
            "/api/v1/cases",
            clerk,
            &json!({ "item_code": item, "applicant": person("周小燕") }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let c = r.json();
    let n = c["filing"]["number"].as_str().unwrap().to_string();
    for i in 0..c["materials"].as_array().unwrap().len() {
        ok(
            app,
            clerk,
            &n,
            json!({ "action": "mark_material", "index": i, "status": "received" }),
        )
        .await;
    }
    n
}
