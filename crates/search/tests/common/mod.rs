//! A catalog item with only what search reads filled in meaningfully; shared by tests and bench.

#![allow(dead_code)]

use domain::catalog::{
    CatalogItem, ItemKind, ItemStatus, ItemType, Material, MaterialForm, OnlineLevel, ServiceObject,
};
use domain::{Level, RegionCode};

pub fn item(
    code: &str,
    name: &str,
    themes: &[&str],
    unit: &str,
    result: &str,
    conditions: &str,
) -> CatalogItem {
    CatalogItem {
        code: code.into(),
        version: 1,
        status: ItemStatus::Published,
        implementation_code: String::new(),
        name: name.into(),
        item_type: ItemType::Licensing,
        kind: ItemKind::Promised,
        region_code: RegionCode::parse("330100").unwrap(),
        department: "dept".into(),
        accept_levels: vec![Level::County],
        decide_level: Level::County,
        legal_basis: "《中华人民共和国行政许可法》".into(),
        conditions: conditions.into(),
        materials: vec![Material {
            name: "申请表".into(),
            form: MaterialForm::Original,
            count: 1,
            mandatory: true,
            condition: String::new(),
            issuer: String::new(),
            template: String::new(),
            note: String::new(),
            agent_authorization: false,
        }],
        stages: Vec::new(),
        statutory_limit_days: 20,
        promised_limit_days: 10,
        fees: Vec::new(),
        place: String::new(),
        hours: String::new(),
        responsible_unit: unit.into(),
        responsible_person: String::new(),
        consult_phone: String::new(),
        complaint_phone: String::new(),
        online: OnlineLevel::OnlinePrereview,
        visits: 1,
        service_objects: vec![ServiceObject::Person],
        themes: themes.iter().map(|t| t.to_string()).collect(),
        proxy_allowed: false,
        result_name: result.into(),
        faq: String::new(),
    }
}
