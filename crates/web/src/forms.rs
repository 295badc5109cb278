//! HTML form bodies and their parsing into domain values, with field-level errors.

use crate::auth::Authed;
use crate::error::AppError;
use crate::pages::{csrf_input, field_errors};
use domain::catalog::*;
use domain::region::{
    construction_standard, ConstructionCheck, PlaceKind, Region, ServicePlace, ServiceWindow,
};
use domain::{FieldError, Level, RegionCode, ValidationErrors};
use maud::{html, Markup};
use serde::Deserialize;

/// The eighth field of a material line that marks the agent's authorization.
const AGENT_AUTHORIZATION: &str = "代理授权";

/// Place form: parsed from raw pairs because checkboxes repeat their name.
pub struct PlaceForm {
    pairs: Vec<(String, String)>,
}

impl PlaceForm {
    pub fn parse(body: &[u8]) -> Result<PlaceForm, AppError> {
        let pairs = serde_urlencoded::from_bytes(body)
            .map_err(|_| AppError::bad("invalid_form", "表单格式错误"))?;
        Ok(PlaceForm { pairs })
    }
    fn one(&self, k: &str) -> String {
        self.pairs
            .iter()
            .find(|(a, _)| a == k)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    }
    fn all(&self, k: &str) -> Vec<String> {
        self.pairs
            .iter()
            .filter(|(a, _)| a == k)
            .map(|(_, v)| v.clone())
            .collect()
    }
    pub fn into_place(self, region: &Region) -> Result<ServicePlace, ValidationErrors> {
        let mut errs = ValidationErrors::default();
        let kind = PlaceKind::for_level(region.level);
        let mut windows = vec![];
        for (i, line) in self
            .one("windows")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .enumerate()
        {
            let (number, name) = line.split_once('|').unwrap_or((line, ""));
            if number.trim().is_empty() {
                errs.push(
                    format!("windows[{i}]"),
                    "required",
                    format!("第{}行窗口缺少编号", i + 1),
                );
            }
            windows.push(ServiceWindow {
                number: number.trim().to_string(),
                name: name.trim().to_string(),
                departments: vec![],
            });
        }
        let mut departments = vec![];
        for d in self.all("departments") {
            match d.parse::<i64>() {
                Ok(id) => departments.push(id),
                Err(_) => errs.push("departments", "invalid_department", "部门选择无效"),
            }
        }
        let met = self.all("construction");
        let construction = construction_standard(kind)
            .into_iter()
            .map(|(key, label)| ConstructionCheck {
                key: key.into(),
                label: label.into(),
                met: met.iter().any(|m| m == key),
            })
            .collect();
        let place = ServicePlace {
            region_code: region.code.clone(),
            name: self.one("name"),
            kind,
            address: self.one("address"),
            hours: self.one("hours"),
            phone: self.one("phone"),
            windows,
            departments,
            construction,
        };
        if let Err(e) = place.validate() {
            errs.errors.extend(e.errors);
        }
        errs.into_result(place)
    }
}

#[derive(Deserialize)]
pub struct RegionForm {
    pub code: String,
    pub name: String,
}

pub fn child_region(parent: &Region, f: &RegionForm) -> Result<Region, ValidationErrors> {
    let code = RegionCode::parse(&f.code)?;
    let level = parent
        .level
        .child()
        .ok_or_else(|| ValidationErrors::single("parent", "no_child_level", "村级区划没有下级"))?;
    let r = Region {
        code,
        name: f.name.trim().to_string(),
        level,
        parent: Some(parent.code.clone()),
    };
    r.validate(Some(parent))?;
    Ok(r)
}

#[derive(Deserialize, Default, Clone)]
pub struct UserForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub region: String,
    /// The department of a departmental role (审批人员, 部门负责人, a department's window), by id.
    #[serde(default)]
    pub department: String,
}

impl UserForm {
    pub fn into_request(self) -> crate::api::users::CreateUser {
        crate::api::users::CreateUser {
            username: self.username,
            display_name: self.display_name,
            phone: self.phone,
            password: self.password,
            home_region: self.region.clone(),
            grants: vec![crate::api::users::GrantInput {
                role: self.role,
                region_code: self.region,
                // Not a number: no department (the field offers only ids).
                department_id: self.department.trim().parse().ok(),
            }],
        }
    }
}

/// The catalog item form: every field as text; lists as one line per entry.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ItemForm {
    pub is_new: String,
    pub code: String,
    pub version: String,
    pub implementation_code: String,
    pub name: String,
    pub item_type: String,
    pub kind: String,
    pub region_code: String,
    pub department: String,
    pub accept_city: String,
    pub accept_county: String,
    pub accept_township: String,
    pub accept_village: String,
    pub decide_level: String,
    pub legal_basis: String,
    pub conditions: String,
    pub materials: String,
    pub stages: String,
    pub statutory_limit_days: String,
    pub promised_limit_days: String,
    pub fees: String,
    pub place: String,
    pub hours: String,
    pub responsible_unit: String,
    pub responsible_person: String,
    pub consult_phone: String,
    pub complaint_phone: String,
    pub online: String,
    pub visits: String,
    pub obj_person: String,
    pub obj_enterprise: String,
    pub obj_institution: String,
    pub obj_social_org: String,
    pub obj_other: String,
    pub themes: String,
    pub proxy_allowed: String,
    pub result_name: String,
    pub faq: String,
}

fn on(v: &str) -> bool {
    !v.is_empty()
}
fn flag(b: bool) -> String {
    if b {
        "1".into()
    } else {
        String::new()
    }
}

impl ItemForm {
    pub fn from_item(i: &CatalogItem) -> ItemForm {
        let has = |l: Level| flag(i.accept_levels.contains(&l));
        let obj = |o: ServiceObject| flag(i.service_objects.contains(&o));
        ItemForm {
            is_new: String::new(),
            code: i.code.clone(),
            version: i.version.to_string(),
            implementation_code: i.implementation_code.clone(),
            name: i.name.clone(),
            item_type: i.item_type.as_str().into(),
            kind: i.kind.as_str().into(),
            region_code: i.region_code.to_string(),
            department: i.department.clone(),
            accept_city: has(Level::City),
            accept_county: has(Level::County),
            accept_township: has(Level::Township),
            accept_village: has(Level::Village),
            decide_level: i.decide_level.as_str().into(),
            legal_basis: i.legal_basis.clone(),
            conditions: i.conditions.clone(),
            materials: i
                .materials
                .iter()
                .map(|m| {
                    let req = if m.mandatory {
                        "必需".to_string()
                    } else {
                        m.condition.clone()
                    };
                    let line = format!(
                        "{}|{}|{}|{}|{}|{}|{}",
                        m.name,
                        m.form.label(),
                        m.count,
                        req,
                        m.issuer,
                        m.template,
                        m.note
                    );
                    if m.agent_authorization {
                        format!("{line}|{AGENT_AUTHORIZATION}")
                    } else {
                        line
                    }
                })
                .collect::<Vec<_>>()
                .join("\n"),
            stages: i
                .stages
                .iter()
                .map(|s| {
                    format!(
                        "{}|{}|{}|{}",
                        s.name,
                        s.department,
                        s.limit_days,
                        s.parallel_group.map(|g| g.to_string()).unwrap_or_default()
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"),
            statutory_limit_days: i.statutory_limit_days.to_string(),
            promised_limit_days: i.promised_limit_days.to_string(),
            fees: i
                .fees
                .iter()
                .map(|f| format!("{}|{}|{}", f.name, format_yuan(f.amount_fen), f.basis))
                .collect::<Vec<_>>()
                .join("\n"),
            place: i.place.clone(),
            hours: i.hours.clone(),
            responsible_unit: i.responsible_unit.clone(),
            responsible_person: i.responsible_person.clone(),
            consult_phone: i.consult_phone.clone(),
            complaint_phone: i.complaint_phone.clone(),
            online: i.online.as_str().into(),
            visits: i.visits.to_string(),
            obj_person: obj(ServiceObject::Person),
            obj_enterprise: obj(ServiceObject::Enterprise),
            obj_institution: obj(ServiceObject::Institution),
            obj_social_org: obj(ServiceObject::SocialOrg),
            obj_other: obj(ServiceObject::Other),
            themes: i.themes.join("、"),
            proxy_allowed: flag(i.proxy_allowed),
            result_name: i.result_name.clone(),
            faq: i.faq.clone(),
        }
    }

    /// Parses every field, collecting every problem; then runs the catalog rules.
    pub fn to_item(&self) -> Result<CatalogItem, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let num = |e: &mut ValidationErrors, field: &str, v: &str, label: &str| -> u32 {
            v.trim().parse::<u32>().unwrap_or_else(|_| {
                e.push(field, "invalid_number", format!("{label}应为非负整数"));
                0
            })
        };
        let version = num(&mut e, "version", &self.version, "版本号").max(1);
        let statutory = num(
            &mut e,
            "statutory_limit_days",
            &self.statutory_limit_days,
            "法定时限",
        );
        let promised = num(
            &mut e,
            "promised_limit_days",
            &self.promised_limit_days,
            "承诺时限",
        );
        let visits = num(&mut e, "visits", &self.visits, "到现场次数");
        let item_type = ItemType::parse(&self.item_type).unwrap_or_else(|| {
            e.push("item_type", "invalid_choice", "请选择事项类型");
            ItemType::Licensing
        });
        let kind = ItemKind::parse(&self.kind).unwrap_or_else(|| {
            e.push("kind", "invalid_choice", "请选择办件类型");
            ItemKind::Promised
        });
        let online = OnlineLevel::parse(&self.online).unwrap_or_else(|| {
            e.push("online", "invalid_choice", "请选择网办程度");
            OnlineLevel::WindowOnly
        });
        let decide_level = Level::parse(&self.decide_level).unwrap_or_else(|| {
            e.push("decide_level", "invalid_choice", "请选择决定层级");
            Level::County
        });
        let region_code = match RegionCode::parse(&self.region_code) {
            Ok(c) => c,
            Err(_) => {
                e.push(
                    "region_code",
                    "invalid_region_code",
                    "所属区划代码应为12位数字",
                );
                RegionCode::parse("000000000000").expect("zero code parses")
            }
        };
        let accept_levels: Vec<Level> = [
            (Level::City, &self.accept_city),
            (Level::County, &self.accept_county),
            (Level::Township, &self.accept_township),
            (Level::Village, &self.accept_village),
        ]
        .into_iter()
        .filter(|(_, v)| on(v))
        .map(|(l, _)| l)
        .collect();
        let service_objects: Vec<ServiceObject> = [
            (ServiceObject::Person, &self.obj_person),
            (ServiceObject::Enterprise, &self.obj_enterprise),
            (ServiceObject::Institution, &self.obj_institution),
            (ServiceObject::SocialOrg, &self.obj_social_org),
            (ServiceObject::Other, &self.obj_other),
        ]
        .into_iter()
        .filter(|(_, v)| on(v))
        .map(|(o, _)| o)
        .collect();
        let lines = |s: &str| {
            s.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(String::from)
                .collect::<Vec<_>>()
        };
        let mut materials = vec![];
        for (i, line) in lines(&self.materials).iter().enumerate() {
            let c: Vec<&str> = line.split('|').map(str::trim).collect();
            let get = |n: usize| c.get(n).copied().unwrap_or("").to_string();
            let form = MaterialForm::parse(&get(1)).unwrap_or_else(|| {
                e.push(
                    format!("materials[{i}].form"),
                    "invalid_choice",
                    format!(
                        "材料第{}行:形式应为原件、复印件、原件和复印件或电子材料",
                        i + 1
                    ),
                );
                MaterialForm::Original
            });
            let count = get(2).parse::<u32>().unwrap_or_else(|_| {
                e.push(
                    format!("materials[{i}].count"),
                    "invalid_number",
                    format!("材料第{}行:份数应为正整数", i + 1),
                );
                1
            });
            let req = get(3);
            let mandatory = req.is_empty() || req == "必需" || req == "是";
            materials.push(Material {
                name: get(0),
                form,
                count,
                mandatory,
                condition: if mandatory { String::new() } else { req },
                issuer: get(4),
                template: get(5),
                note: get(6),
                agent_authorization: get(7) == AGENT_AUTHORIZATION || get(7) == "是",
            });
        }
        let mut stages = vec![];
        for (i, line) in lines(&self.stages).iter().enumerate() {
            let c: Vec<&str> = line.split('|').map(str::trim).collect();
            let get = |n: usize| c.get(n).copied().unwrap_or("").to_string();
            let limit_days = get(2).parse::<u32>().unwrap_or_else(|_| {
                e.push(
                    format!("stages[{i}].limit_days"),
                    "invalid_number",
                    format!("环节第{}行:时限应为非负整数", i + 1),
                );
                0
            });
            let group = get(3);
            let parallel_group = if group.is_empty() {
                None
            } else {
                match group.parse::<u32>() {
                    Ok(g) => Some(g),
                    Err(_) => {
                        e.push(
                            format!("stages[{i}].parallel_group"),
                            "invalid_number",
                            format!("环节第{}行:并联组应为数字", i + 1),
                        );
                        None
                    }
                }
            };
            stages.push(Stage {
                name: get(0),
                department: get(1),
                limit_days,
                parallel_group,
            });
        }
        let mut fees = vec![];
        for (i, line) in lines(&self.fees).iter().enumerate() {
            let c: Vec<&str> = line.split('|').map(str::trim).collect();
            let get = |n: usize| c.get(n).copied().unwrap_or("").to_string();
            let amount_fen = parse_yuan(&get(1)).unwrap_or_else(|| {
                e.push(
                    format!("fees[{i}].amount_fen"),
                    "invalid_money",
                    format!("收费第{}行:金额应为元,最多两位小数", i + 1),
                );
                0
            });
            fees.push(Fee {
                name: get(0),
                amount_fen,
                basis: get(2),
            });
        }
        let item = CatalogItem {
            code: self.code.trim().to_string(),
            version,
            status: ItemStatus::Draft,
            implementation_code: self.implementation_code.trim().to_string(),
            name: self.name.trim().to_string(),
            item_type,
            kind,
            region_code,
            department: self.department.trim().to_string(),
            accept_levels,
            decide_level,
            legal_basis: self.legal_basis.trim().to_string(),
            conditions: self.conditions.trim().to_string(),
            materials,
            stages,
            statutory_limit_days: statutory,
            promised_limit_days: promised,
            fees,
            place: self.place.trim().to_string(),
            hours: self.hours.trim().to_string(),
            responsible_unit: self.responsible_unit.trim().to_string(),
            responsible_person: self.responsible_person.trim().to_string(),
            consult_phone: self.consult_phone.trim().to_string(),
            complaint_phone: self.complaint_phone.trim().to_string(),
            online,
            visits,
            service_objects,
            themes: self
                .themes
                .split(['、', ',', ','])
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(String::from)
                .collect(),
            proxy_allowed: on(&self.proxy_allowed),
            result_name: self.result_name.trim().to_string(),
            faq: self.faq.trim().to_string(),
        };
        if let Err(v) = item.validate() {
            // Parse errors already name these fields; don't report them twice.
            for fe in v.errors {
                if !e.errors.iter().any(|x: &FieldError| x.field == fe.field) {
                    e.errors.push(fe);
                }
            }
        }
        e.into_result(item)
    }
}

pub fn item_form_fields(u: &Authed, f: &ItemForm, errs: &[FieldError], is_new: bool) -> Markup {
    let text = |name: &str, label: &str, value: &str| {
        html! { label for=(name) { (label) } input id=(name) type="text" name=(name) value=(value); (field_errors(errs, name)) }
    };
    let area = |name: &str, label: &str, value: &str, hint: &str| {
        html! { label for=(name) { (label) } @if !hint.is_empty() { p.hint { (hint) } } textarea id=(name) name=(name) rows="4" { (value) } (field_errors(errs, name)) }
    };
    let check = |name: &str, label: &str, value: &str| {
        html! { label style="font-weight:normal;display:inline-block;margin-right:16px" { input type="checkbox" name=(name) value="1" checked[on(value)]; " " (label) } }
    };
    html! {
        form.stack.card method="post" action="/admin/catalog" {
            (csrf_input(u))
            input type="hidden" name="is_new" value=(if is_new { "1" } else { "" });
            @if is_new { (text("code", "事项编码", &f.code)) } @else { input type="hidden" name="code" value=(f.code); p { "事项编码:" (f.code) } }
            input type="hidden" name="version" value=(f.version);
            (text("name", "事项名称", &f.name))
            (text("implementation_code", "实施编码", &f.implementation_code))
            label for="item_type" { "事项类型" }
            select #item_type name="item_type" { @for t in ItemType::ALL { option value=(t.as_str()) selected[f.item_type == t.as_str()] { (t.label()) } } }
            label for="kind" { "办件类型" }
            select #kind name="kind" { @for k in ItemKind::ALL { option value=(k.as_str()) selected[f.kind == k.as_str()] { (k.label()) } } }
            (field_errors(errs, "kind"))
            (text("region_code", "所属区划代码", &f.region_code))
            (text("department", "承办部门代码(如 scjg)", &f.department))
            fieldset { legend { "受理层级" }
                (check("accept_city", "市级", &f.accept_city)) (check("accept_county", "县级", &f.accept_county))
                (check("accept_township", "乡镇级", &f.accept_township)) (check("accept_village", "村级", &f.accept_village))
                (field_errors(errs, "accept_levels"))
            }
            label for="decide_level" { "决定层级" }
            select #decide_level name="decide_level" { @for l in Level::ALL { option value=(l.as_str()) selected[f.decide_level == l.as_str()] { (l.label()) } } }
            (area("legal_basis", "办事依据", &f.legal_basis, ""))
            (area("conditions", "受理条件", &f.conditions, ""))
            (area("materials", "申请材料", &f.materials, "每行一项:名称|形式(原件/复印件/原件和复印件/电子材料)|份数|必需或适用情形|出具机构|样表文件|说明|代理授权(代办时必须提交的授权委托材料填“代理授权”)"))
            (area("stages", "办理环节", &f.stages, "每行一个:环节名称|部门代码|时限(工作日)|并联组号(可空)"))
            (text("statutory_limit_days", "法定时限(工作日)", &f.statutory_limit_days))
            (text("promised_limit_days", "承诺时限(工作日)", &f.promised_limit_days))
            (area("fees", "收费标准", &f.fees, "每行一项:名称|金额(元)|收费依据;不收费则留空"))
            (text("place", "办理地点", &f.place))
            (text("hours", "办理时间", &f.hours))
            (text("responsible_unit", "承办机构", &f.responsible_unit))
            (text("responsible_person", "责任人", &f.responsible_person))
            (text("consult_phone", "咨询电话", &f.consult_phone))
            (text("complaint_phone", "监督投诉电话", &f.complaint_phone))
            label for="online" { "网办程度" }
            select #online name="online" { @for o in OnlineLevel::ALL { option value=(o.as_str()) selected[f.online == o.as_str()] { (o.label()) } } }
            (text("visits", "到现场次数", &f.visits))
            fieldset { legend { "服务对象" }
                (check("obj_person", "自然人", &f.obj_person)) (check("obj_enterprise", "企业法人", &f.obj_enterprise))
                (check("obj_institution", "事业法人", &f.obj_institution)) (check("obj_social_org", "社会组织法人", &f.obj_social_org))
                (check("obj_other", "其他组织", &f.obj_other))
                (field_errors(errs, "service_objects"))
            }
            (text("themes", "服务主题(用、分隔)", &f.themes))
            (check("proxy_allowed", "可由村代办员代办", &f.proxy_allowed))
            (text("result_name", "办理结果名称", &f.result_name))
            (area("faq", "常见问题", &f.faq, ""))
            div.actions { button type="submit" { "保存草稿" } }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Editing an item in the page keeps every material as it was, the agent's authorization flag
    /// included (a lost flag would let a proxy filing through without the applicant's consent).
    #[test]
    fn the_item_editor_keeps_every_material() {
        let items = demo::catalog();
        let flagged = items
            .iter()
            .filter(|i| i.materials.iter().any(|m| m.agent_authorization))
            .count();
        assert!(flagged > 0, "the demo flags authorization materials");
        for item in &items {
            let back = ItemForm::from_item(item)
                .to_item()
                .expect("a demo item is valid");
            assert_eq!(back.materials, item.materials, "{}", item.code);
        }
    }
}
