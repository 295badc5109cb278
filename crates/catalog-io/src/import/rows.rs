//! From tables to catalog items: each row parsed, children matched to their item, every problem
//! collected with its cell.

use super::*;
use crate::layout::{self, h, Table};
use crate::CellError;
use domain::catalog::{
    parse_yuan, Fee, ItemKind, ItemStatus, ItemType, Material, MaterialForm, OnlineLevel,
    ServiceObject, Stage,
};
use domain::{CatalogItem, FieldError, RegionCode};
use std::collections::{BTreeMap, HashMap};

/// Identity of an item version as written in a row. A version that is not a number is kept as
/// text so the item's other rows still find it (the bad version is reported once, on its cell).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) struct Key {
    code: String,
    version: Result<u32, String>,
}

/// One row being parsed: reads cells by header and records problems at their coordinates.
pub(super) struct RowCtx<'a> {
    t: &'a TableInput,
    row: &'a RawRow,
    errors: &'a mut Vec<CellError>,
    failed: bool,
}

impl RowCtx<'_> {
    fn cell(&self, header: &str) -> Option<&Cell> {
        self.t
            .columns
            .get(header)
            .and_then(|&i| self.row.cells.get(i))
    }

    /// Exact text (free text keeps its spaces and newlines).
    fn text(&mut self, header: &str) -> String {
        match self.cell(header) {
            Some(c) if c.bad => {
                self.failed = true;
                String::new()
            }
            Some(c) => c.text.clone(),
            None => String::new(),
        }
    }

    /// Codes never carry meaningful surrounding spaces.
    fn code(&mut self, header: &str) -> String {
        unwrap_excel_text(self.text(header).trim()).into_owned()
    }

    fn error(&mut self, header: &'static str, code: &str, message: String) {
        self.failed = true;
        self.errors
            .push(at(self.t, self.row.row, header, code, message));
    }

    /// Parses a required cell; blank and unparseable cells are reported.
    fn parse<T>(
        &mut self,
        header: &'static str,
        what: &str,
        f: impl FnOnce(&str) -> Option<T>,
    ) -> Option<T> {
        if self.cell(header).is_some_and(|c| c.bad) {
            self.failed = true;
            return None;
        }
        let s = self.code(header);
        if s.is_empty() {
            self.error(header, "required", format!("{header}不能为空"));
            return None;
        }
        let v = f(&s);
        if v.is_none() {
            self.error(header, "invalid_value", format!("“{s}”不是有效的{what}"));
        }
        v
    }

    fn number(&mut self, header: &'static str) -> Option<u32> {
        self.parse(header, "非负整数", parse_u32)
    }

    fn choice<T: Copy>(
        &mut self,
        header: &'static str,
        parse: fn(&str) -> Option<T>,
        all: &[T],
        label: fn(T) -> &'static str,
    ) -> Option<T> {
        if self.cell(header).is_some_and(|c| c.bad) {
            self.failed = true;
            return None;
        }
        let s = self.code(header);
        if s.is_empty() {
            self.error(header, "required", format!("{header}不能为空"));
            return None;
        }
        let v = parse(&s);
        if v.is_none() {
            let options = all.iter().map(|v| label(*v)).collect::<Vec<_>>().join("、");
            self.error(
                header,
                "invalid_value",
                format!("无法识别的{header}“{s}”,可选:{options}"),
            );
        }
        v
    }

    fn bool_or(&mut self, header: &'static str, default: Option<bool>) -> Option<bool> {
        let s = self.text(header);
        match (s.trim(), default) {
            ("", Some(d)) => Some(d),
            _ => self.parse(header, "是/否", layout::parse_bool),
        }
    }

    fn key(&mut self) -> Key {
        let code = self.code(h::CODE);
        let raw = self.code(h::VERSION);
        let version = match self.number(h::VERSION) {
            Some(v) => Ok(v),
            None => Err(raw),
        };
        Key { code, version }
    }
}

pub(super) fn at(
    t: &TableInput,
    row: usize,
    header: &'static str,
    code: &str,
    message: String,
) -> CellError {
    CellError {
        sheet: t.table.name().into(),
        row,
        column: t
            .columns
            .get(header)
            .map(|&i| layout::column_letter(i))
            .unwrap_or_default(),
        header: header.into(),
        code: code.into(),
        message,
    }
}

pub(super) fn parse_u32(s: &str) -> Option<u32> {
    if s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

pub(super) fn parse_item_type(s: &str) -> Option<ItemType> {
    // Provincial exports carry the GB/T 39046 code (01, 20 …) instead of the name.
    ItemType::parse(s).or_else(|| {
        ItemType::ALL
            .iter()
            .copied()
            .find(|t| t.national_code() == s)
    })
}

pub(super) struct ItemRow {
    row: usize,
    key: Key,
    item: Option<CatalogItem>,
}

pub(super) struct ChildRow<T> {
    row: usize,
    seq: Option<u32>,
    value: Option<T>,
}

type Children<T> = BTreeMap<Key, Vec<ChildRow<T>>>;

pub(super) fn parse_item(c: &mut RowCtx, key: &Key) -> Option<CatalogItem> {
    let code = key.code.clone();
    let version = key.version.clone().ok();
    let status = c.choice(
        h::STATUS,
        ItemStatus::parse,
        ItemStatus::ALL,
        ItemStatus::label,
    );
    let implementation_code = c.code(h::IMPL);
    let name = c.text(h::NAME);
    let item_type = c.choice(
        h::ITEM_TYPE,
        parse_item_type,
        ItemType::ALL,
        ItemType::label,
    );
    let kind = c.choice(h::KIND, ItemKind::parse, ItemKind::ALL, ItemKind::label);
    let region_code = c.parse(h::REGION, "行政区划代码(6位或12位数字)", |s| {
        RegionCode::parse(s).ok()
    });
    let department = c.code(h::DEPARTMENT);
    let accept_text = c.text(h::ACCEPT);
    let mut accept_levels = Vec::new();
    for part in layout::split_list(&accept_text) {
        match layout::parse_level(&part) {
            Some(l) => accept_levels.push(l),
            None => c.error(
                h::ACCEPT,
                "invalid_value",
                format!("无法识别的受理层级“{part}”,可选:市级、县级、乡镇级、村级"),
            ),
        }
    }
    let decide_level = c.parse(
        h::DECIDE,
        "层级(市级、县级、乡镇级、村级)",
        layout::parse_level,
    );
    let legal_basis = c.text(h::LEGAL);
    let conditions = c.text(h::CONDITIONS);
    let statutory = c.number(h::STATUTORY);
    let promised = c.number(h::PROMISED);
    let place = c.text(h::PLACE);
    let hours = c.text(h::HOURS);
    let responsible_unit = c.text(h::UNIT);
    let responsible_person = c.text(h::PERSON);
    let consult_phone = c.code(h::CONSULT);
    let complaint_phone = c.code(h::COMPLAINT);
    let online = c.choice(
        h::ONLINE,
        OnlineLevel::parse,
        OnlineLevel::ALL,
        OnlineLevel::label,
    );
    let visits = c.number(h::VISITS);
    let objects_text = c.text(h::OBJECTS);
    let mut service_objects = Vec::new();
    for part in layout::split_list(&objects_text) {
        match ServiceObject::parse(&part) {
            Some(o) => service_objects.push(o),
            None => {
                let options = ServiceObject::ALL
                    .iter()
                    .map(|o| o.label())
                    .collect::<Vec<_>>()
                    .join("、");
                c.error(
                    h::OBJECTS,
                    "invalid_value",
                    format!("无法识别的服务对象“{part}”,可选:{options}"),
                )
            }
        }
    }
    let themes = layout::parse_themes(&c.text(h::THEMES));
    let proxy_allowed = c.bool_or(h::PROXY, Some(false));
    let result_name = c.text(h::RESULT);
    let faq = c.text(h::FAQ);
    Some(CatalogItem {
        code,
        version: version?,
        status: status?,
        implementation_code,
        name,
        item_type: item_type?,
        kind: kind?,
        region_code: region_code?,
        department,
        accept_levels,
        decide_level: decide_level?,
        legal_basis,
        conditions,
        materials: Vec::new(),
        stages: Vec::new(),
        statutory_limit_days: statutory?,
        promised_limit_days: promised?,
        fees: Vec::new(),
        place,
        hours,
        responsible_unit,
        responsible_person,
        consult_phone,
        complaint_phone,
        online: online?,
        visits: visits?,
        service_objects,
        themes,
        proxy_allowed: proxy_allowed?,
        result_name,
        faq,
    })
}

pub(super) fn parse_material(c: &mut RowCtx) -> Option<Material> {
    let name = c.text(h::M_NAME);
    let form = c.choice(
        h::M_FORM,
        MaterialForm::parse,
        MaterialForm::ALL,
        MaterialForm::label,
    );
    let count = c.number(h::M_COUNT);
    let mandatory = c.bool_or(h::M_MANDATORY, None);
    let agent_authorization = c.bool_or(h::M_AGENT, Some(false));
    Some(Material {
        name,
        form: form?,
        count: count?,
        mandatory: mandatory?,
        condition: c.text(h::M_CONDITION),
        issuer: c.text(h::M_ISSUER),
        template: c.text(h::M_TEMPLATE),
        note: c.text(h::M_NOTE),
        agent_authorization: agent_authorization?,
    })
}

pub(super) fn parse_stage(c: &mut RowCtx) -> Option<Stage> {
    let name = c.text(h::S_NAME);
    let department = c.code(h::S_DEPT);
    let limit_days = c.number(h::S_LIMIT);
    let parallel_group = if c.text(h::S_GROUP).trim().is_empty() {
        Some(None)
    } else {
        c.number(h::S_GROUP).map(Some)
    };
    Some(Stage {
        name,
        department,
        limit_days: limit_days?,
        parallel_group: parallel_group?,
    })
}

pub(super) fn parse_fee(c: &mut RowCtx) -> Option<Fee> {
    let name = c.text(h::F_NAME);
    let amount_fen = c.parse(
        h::F_AMOUNT,
        "金额(单位元,最多两位小数,如 10.50)",
        parse_yuan,
    );
    let basis = c.text(h::F_BASIS);
    Some(Fee {
        name,
        amount_fen: amount_fen?,
        basis,
    })
}

pub(super) fn parse_children<T>(
    t: &TableInput,
    item_keys: &HashMap<Key, usize>,
    check_orphans: bool,
    errors: &mut Vec<CellError>,
    parse: fn(&mut RowCtx) -> Option<T>,
) -> Children<T> {
    let mut out: Children<T> = BTreeMap::new();
    for row in &t.rows {
        let mut c = RowCtx {
            t,
            row,
            errors,
            failed: false,
        };
        let key = c.key();
        let seq = c.number(h::SEQ);
        let value = parse(&mut c);
        let value = if c.failed { None } else { value };
        if key.code.is_empty() {
            c.error(h::CODE, "required", format!("{}不能为空", h::CODE));
            continue;
        }
        // An unparseable version is already reported; matching it by text avoids a second error.
        if check_orphans && !item_keys.contains_key(&key) {
            let v = match &key.version {
                Ok(v) => v.to_string(),
                Err(s) => s.clone(),
            };
            errors.push(at(
                t,
                row.row,
                h::CODE,
                "orphan_row",
                format!("找不到对应的事项行(事项编码“{}”,版本{})", key.code, v),
            ));
            continue;
        }
        out.entry(key).or_default().push(ChildRow {
            row: row.row,
            seq,
            value,
        });
    }
    out
}

/// Sorts an item's rows by 序号, reporting repeats. Returns the values in order, or `None` when
/// any row failed (the item is then not validated: its rows are not what the user meant yet).
pub(super) fn take_children<T>(
    t: Option<&TableInput>,
    rows: Option<Vec<ChildRow<T>>>,
    errors: &mut Vec<CellError>,
) -> Option<Vec<(usize, T)>> {
    let mut rows = rows.unwrap_or_default();
    rows.sort_by_key(|r| (r.seq, r.row));
    let mut ok = true;
    for w in rows.windows(2) {
        if let (Some(a), Some(b)) = (w[0].seq, w[1].seq) {
            if a == b {
                if let Some(t) = t {
                    errors.push(at(
                        t,
                        w[1].row,
                        h::SEQ,
                        "duplicate_seq",
                        format!("序号{b}与第{}行重复", w[0].row),
                    ));
                }
                ok = false;
            }
        }
    }
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        match (r.seq, r.value) {
            (Some(_), Some(v)) => out.push((r.row, v)),
            _ => ok = false,
        }
    }
    ok.then_some(out)
}

pub(super) fn build(tables: Vec<TableInput>, errors: &mut Vec<CellError>) -> Vec<CatalogItem> {
    let find = |t: Table| tables.iter().find(|x| x.table == t);
    let (Some(items_t), materials_t, stages_t, fees_t) = (
        find(Table::Item),
        find(Table::Material),
        find(Table::Stage),
        find(Table::Fee),
    ) else {
        return Vec::new();
    };
    let mut item_rows = Vec::new();
    let mut keys: HashMap<Key, usize> = HashMap::new();
    if items_t.ok {
        for row in &items_t.rows {
            let mut c = RowCtx {
                t: items_t,
                row,
                errors,
                failed: false,
            };
            let key = c.key();
            let item = parse_item(&mut c, &key);
            let item = if c.failed { None } else { item };
            if let Some(&first) = keys.get(&key) {
                errors.push(at(
                    items_t,
                    row.row,
                    h::CODE,
                    "duplicate_item",
                    format!("事项编码“{}”的同一版本与第{first}行重复", key.code),
                ));
                continue;
            }
            keys.insert(key.clone(), row.row);
            item_rows.push(ItemRow {
                row: row.row,
                key,
                item,
            });
        }
    }
    fn usable(t: Option<&TableInput>) -> Option<&TableInput> {
        t.filter(|t| t.ok)
    }
    let mut materials =
        usable(materials_t).map(|t| parse_children(t, &keys, items_t.ok, errors, parse_material));
    let mut stages =
        usable(stages_t).map(|t| parse_children(t, &keys, items_t.ok, errors, parse_stage));
    let mut fees = usable(fees_t).map(|t| parse_children(t, &keys, items_t.ok, errors, parse_fee));
    // Without every sheet the items are incomplete; validating them would only add noise.
    let complete = items_t.ok && materials.is_some() && stages.is_some() && fees.is_some();

    let mut out = Vec::new();
    for ir in item_rows {
        let ms = take_children(
            materials_t,
            materials.as_mut().and_then(|m| m.remove(&ir.key)),
            errors,
        );
        let ss = take_children(
            stages_t,
            stages.as_mut().and_then(|m| m.remove(&ir.key)),
            errors,
        );
        let fs = take_children(
            fees_t,
            fees.as_mut().and_then(|m| m.remove(&ir.key)),
            errors,
        );
        let (Some(mut item), Some(ms), Some(ss), Some(fs), true) = (ir.item, ms, ss, fs, complete)
        else {
            continue;
        };
        item.materials = ms.iter().map(|(_, m)| m.clone()).collect();
        item.stages = ss.iter().map(|(_, s)| s.clone()).collect();
        item.fees = fs.iter().map(|(_, f)| f.clone()).collect();
        if let Err(ve) = item.validate() {
            let rows = ChildRows {
                materials: ms.iter().map(|(r, _)| *r).collect(),
                stages: ss.iter().map(|(r, _)| *r).collect(),
                fees: fs.iter().map(|(r, _)| *r).collect(),
            };
            for fe in ve.errors {
                errors.push(locate(
                    &fe,
                    ir.row,
                    &rows,
                    items_t,
                    materials_t,
                    stages_t,
                    fees_t,
                ));
            }
        }
        out.push(item);
    }
    out
}

pub(super) struct ChildRows {
    materials: Vec<usize>,
    stages: Vec<usize>,
    fees: Vec<usize>,
}

/// Maps a validation field path (`promised_limit_days`, `materials[2].name`, `stages`) to the
/// cell it came from.
pub(super) fn locate(
    fe: &FieldError,
    item_row: usize,
    rows: &ChildRows,
    items_t: &TableInput,
    materials_t: Option<&TableInput>,
    stages_t: Option<&TableInput>,
    fees_t: Option<&TableInput>,
) -> CellError {
    let mk = |t: &TableInput, row: usize, header: &'static str| {
        at(t, row, header, &fe.code, fe.message.clone())
    };
    if let Some((list, idx, field)) = parse_indexed(&fe.field) {
        let target = match list {
            "materials" => materials_t.zip(rows.materials.get(idx)).map(|(t, r)| {
                let header = match field {
                    "count" => h::M_COUNT,
                    "condition" => h::M_CONDITION,
                    "form" => h::M_FORM,
                    "mandatory" => h::M_MANDATORY,
                    _ => h::M_NAME,
                };
                mk(t, *r, header)
            }),
            "stages" => stages_t.zip(rows.stages.get(idx)).map(|(t, r)| {
                let header = match field {
                    "department" => h::S_DEPT,
                    "limit_days" => h::S_LIMIT,
                    "parallel_group" => h::S_GROUP,
                    _ => h::S_NAME,
                };
                mk(t, *r, header)
            }),
            "fees" => fees_t.zip(rows.fees.get(idx)).map(|(t, r)| {
                let header = match field {
                    "amount_fen" => h::F_AMOUNT,
                    "basis" => h::F_BASIS,
                    _ => h::F_NAME,
                };
                mk(t, *r, header)
            }),
            _ => None,
        };
        if let Some(e) = target {
            return e;
        }
    }
    if fe.field == "stages" {
        if let (Some(t), Some(&r)) = (stages_t, rows.stages.first()) {
            let header = match fe.code.as_str() {
                "joint_needs_departments" => h::S_DEPT,
                "stages_exceed_promised" => h::S_LIMIT,
                _ => h::S_NAME,
            };
            return mk(t, r, header);
        }
        // No stage rows at all: the item row is where the user looks; there's no column for it.
        return CellError {
            column: String::new(),
            header: "办理环节".into(),
            ..mk(items_t, item_row, h::CODE)
        };
    }
    let header = match fe.field.as_str() {
        "code" => h::CODE,
        "version" => h::VERSION,
        "status" => h::STATUS,
        "implementation_code" => h::IMPL,
        "name" => h::NAME,
        "item_type" => h::ITEM_TYPE,
        "kind" => h::KIND,
        "region_code" => h::REGION,
        "department" => h::DEPARTMENT,
        "accept_levels" => h::ACCEPT,
        "decide_level" => h::DECIDE,
        "legal_basis" => h::LEGAL,
        "conditions" => h::CONDITIONS,
        "statutory_limit_days" => h::STATUTORY,
        "promised_limit_days" => h::PROMISED,
        "place" => h::PLACE,
        "hours" => h::HOURS,
        "responsible_unit" => h::UNIT,
        "responsible_person" => h::PERSON,
        "consult_phone" => h::CONSULT,
        "complaint_phone" => h::COMPLAINT,
        "online" => h::ONLINE,
        "visits" => h::VISITS,
        "service_objects" => h::OBJECTS,
        "themes" => h::THEMES,
        "proxy_allowed" => h::PROXY,
        "result_name" => h::RESULT,
        "faq" => h::FAQ,
        // A rule added to the domain later still lands on the item's row.
        _ => {
            return CellError {
                column: String::new(),
                header: fe.field.clone(),
                ..mk(items_t, item_row, h::CODE)
            }
        }
    };
    mk(items_t, item_row, header)
}

/// `materials[2].name` → ("materials", 2, "name").
pub(super) fn parse_indexed(field: &str) -> Option<(&str, usize, &str)> {
    let (list, rest) = field.split_once('[')?;
    let (idx, rest) = rest.split_once(']')?;
    let field = rest.strip_prefix('.').unwrap_or(rest);
    Some((list, idx.parse().ok()?, field))
}
