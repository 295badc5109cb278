//! Writing the catalog: the same rows feed the xlsx sheets and the CSV.

use crate::layout::{self, h, Table};
use crate::ExportError;
use domain::catalog::format_yuan;
use domain::CatalogItem;
use rust_xlsxwriter::{Format as XFormat, Workbook};
use std::collections::HashMap;

/// A cell to write: numbers stay numbers in Excel so users can sum and sort them.
enum Value {
    Text(String),
    Num(u32),
}

impl Value {
    fn text(&self) -> String {
        match self {
            Value::Text(s) => s.clone(),
            Value::Num(n) => n.to_string(),
        }
    }
}

fn t(s: impl Into<String>) -> Value {
    Value::Text(s.into())
}

/// A cell the importer reads as a code (`="…"` undone): a value that itself looks like that trick
/// is written as one, quotes doubled, so it reads back as it was.
fn code(s: &str) -> Value {
    if crate::import::unwrap_excel_text(s) == s {
        t(s)
    } else {
        t(format!("=\"{}\"", s.replace('"', "\"\"")))
    }
}

/// Rows of `table`, each as (header, value) in the sheet's column order.
fn rows(items: &[CatalogItem], table: Table) -> Vec<Vec<(&'static str, Value)>> {
    let mut out = Vec::new();
    for it in items {
        let key = || {
            vec![
                (h::CODE, code(&it.code)),
                (h::VERSION, Value::Num(it.version)),
            ]
        };
        match table {
            Table::Item => {
                let mut r = key();
                r.extend([
                    (h::STATUS, t(it.status.label())),
                    (h::IMPL, code(&it.implementation_code)),
                    (h::NAME, t(&it.name)),
                    (h::ITEM_TYPE, t(it.item_type.label())),
                    (h::KIND, t(it.kind.label())),
                    (h::REGION, t(it.region_code.as_str())),
                    (h::DEPARTMENT, code(&it.department)),
                    (h::ACCEPT, t(layout::format_levels(&it.accept_levels))),
                    (h::DECIDE, t(it.decide_level.label())),
                    (h::LEGAL, t(&it.legal_basis)),
                    (h::CONDITIONS, t(&it.conditions)),
                    (h::STATUTORY, Value::Num(it.statutory_limit_days)),
                    (h::PROMISED, Value::Num(it.promised_limit_days)),
                    (h::PLACE, t(&it.place)),
                    (h::HOURS, t(&it.hours)),
                    (h::UNIT, t(&it.responsible_unit)),
                    (h::PERSON, t(&it.responsible_person)),
                    (h::CONSULT, code(&it.consult_phone)),
                    (h::COMPLAINT, code(&it.complaint_phone)),
                    (h::ONLINE, t(it.online.label())),
                    (h::VISITS, Value::Num(it.visits)),
                    (
                        h::OBJECTS,
                        t(it.service_objects
                            .iter()
                            .map(|o| o.label())
                            .collect::<Vec<_>>()
                            .join(layout::LIST_SEP)),
                    ),
                    (h::THEMES, t(layout::format_themes(&it.themes))),
                    (h::PROXY, t(layout::format_bool(it.proxy_allowed))),
                    (h::RESULT, t(&it.result_name)),
                    (h::FAQ, t(&it.faq)),
                ]);
                out.push(r);
            }
            Table::Material => {
                for (i, m) in it.materials.iter().enumerate() {
                    let mut r = key();
                    r.extend([
                        (h::SEQ, Value::Num(seq(i))),
                        (h::M_NAME, t(&m.name)),
                        (h::M_FORM, t(m.form.label())),
                        (h::M_COUNT, Value::Num(m.count)),
                        (h::M_MANDATORY, t(layout::format_bool(m.mandatory))),
                        (h::M_CONDITION, t(&m.condition)),
                        (h::M_ISSUER, t(&m.issuer)),
                        (h::M_TEMPLATE, t(&m.template)),
                        (h::M_NOTE, t(&m.note)),
                        (h::M_AGENT, t(layout::format_bool(m.agent_authorization))),
                    ]);
                    out.push(r);
                }
            }
            Table::Stage => {
                for (i, s) in it.stages.iter().enumerate() {
                    let mut r = key();
                    r.extend([
                        (h::SEQ, Value::Num(seq(i))),
                        (h::S_NAME, t(&s.name)),
                        (h::S_DEPT, code(&s.department)),
                        (h::S_LIMIT, Value::Num(s.limit_days)),
                        (
                            h::S_GROUP,
                            s.parallel_group.map_or_else(|| t(""), Value::Num),
                        ),
                    ]);
                    out.push(r);
                }
            }
            Table::Fee => {
                for (i, f) in it.fees.iter().enumerate() {
                    let mut r = key();
                    r.extend([
                        (h::SEQ, Value::Num(seq(i))),
                        (h::F_NAME, t(&f.name)),
                        // Text, not a float: yuan with exactly two decimals, whatever the size.
                        (h::F_AMOUNT, t(format_yuan(f.amount_fen))),
                        (h::F_BASIS, t(&f.basis)),
                    ]);
                    out.push(r);
                }
            }
        }
    }
    out
}

fn seq(i: usize) -> u32 {
    u32::try_from(i + 1).unwrap_or(u32::MAX)
}

/// Column widths in characters: wide for long text, narrow for codes and numbers.
fn width(header: &str) -> f64 {
    match header {
        h::LEGAL | h::CONDITIONS | h::FAQ => 50.0,
        h::NAME | h::M_NAME | h::PLACE | h::HOURS | h::UNIT | h::M_CONDITION | h::F_BASIS => 28.0,
        h::IMPL | h::REGION | h::ACCEPT | h::OBJECTS | h::THEMES => 20.0,
        _ => 12.0,
    }
}

pub(crate) fn xlsx(items: &[CatalogItem]) -> Result<Vec<u8>, ExportError> {
    let mut wb = Workbook::new();
    let bold = XFormat::new().set_bold();
    let wrap = XFormat::new().set_text_wrap();
    for table in Table::ALL {
        let ws = wb.add_worksheet();
        ws.set_name(table.name())?;
        for (c, col) in table.columns().iter().enumerate() {
            let c = u16::try_from(c).unwrap_or(u16::MAX);
            ws.write_string_with_format(0, c, col.header, &bold)?;
            ws.set_column_width(c, width(col.header))?;
        }
        ws.set_freeze_panes(1, 0)?;
        for (r, row) in rows(items, table).into_iter().enumerate() {
            // Excel's limit is 1,048,576 rows; beyond it rust_xlsxwriter reports an error.
            let r = u32::try_from(r + 1).unwrap_or(u32::MAX);
            for (c, (_, v)) in row.into_iter().enumerate() {
                let c = u16::try_from(c).unwrap_or(u16::MAX);
                match v {
                    Value::Num(n) => {
                        ws.write_number(r, c, f64::from(n))?;
                    }
                    // Empty strings are left as blank cells, which read back as "".
                    Value::Text(s) if s.is_empty() => {}
                    Value::Text(s) if s.contains('\n') => {
                        ws.write_string_with_format(r, c, s, &wrap)?;
                    }
                    Value::Text(s) => {
                        ws.write_string(r, c, s)?;
                    }
                }
            }
        }
    }
    Ok(wb.save_to_buffer()?)
}

pub(crate) fn csv(items: &[CatalogItem]) -> Result<Vec<u8>, ExportError> {
    let headers = layout::csv_headers();
    let pos: HashMap<&str, usize> = headers.iter().enumerate().map(|(i, h)| (*h, i)).collect();
    // The BOM is what makes Excel read the file as UTF-8 rather than the locale's GBK.
    let mut buf = "\u{feff}".as_bytes().to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut buf);
        w.write_record(&headers)?;
        for table in Table::ALL {
            for row in rows(items, table) {
                let mut rec = vec![String::new(); headers.len()];
                rec[0] = table.name().to_string();
                for (hd, v) in row {
                    if let Some(&i) = pos.get(hd) {
                        rec[i] = crate::csv_cell::neutralize(&v.text()).into_owned();
                    }
                }
                w.write_record(&rec)?;
            }
        }
        w.flush()?;
    }
    Ok(buf)
}
