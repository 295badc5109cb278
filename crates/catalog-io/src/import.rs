//! Reading the catalog. Both formats are first turned into [`TableInput`]s (header + text cells
//! with their Excel coordinates); one parser then builds the items and collects every problem.

use crate::layout::{self, h, Table};
use crate::{CellError, Format, ImportErrors};
use calamine::{Data, Reader, Xlsx};
use domain::catalog::{
    parse_yuan, Fee, ItemKind, ItemStatus, ItemType, Material, MaterialForm, OnlineLevel,
    ServiceObject, Stage,
};
use domain::{CatalogItem, FieldError, RegionCode};
use std::collections::{BTreeMap, HashMap};
use std::io::Cursor;

/// A cell's text. `bad` marks a cell already reported (Excel error value, invalid UTF-8), so
/// the parser counts its row as failed without reporting it twice.
#[derive(Debug, Clone, Default)]
struct Cell {
    text: String,
    bad: bool,
}

struct RawRow {
    /// 1-based row number as Excel shows it.
    row: usize,
    /// Indexed by absolute 0-based column.
    cells: Vec<Cell>,
}

struct TableInput {
    table: Table,
    /// Known header → absolute column index.
    columns: HashMap<&'static str, usize>,
    /// All required columns are present and unique; rows of a broken table are not parsed (every
    /// row would repeat the header problem).
    ok: bool,
    rows: Vec<RawRow>,
}

/// How many top rows of a sheet may precede the header (titles, notes).
const HEADER_SEARCH_ROWS: usize = 10;

/// Sheet label for header and encoding problems in a CSV file.
const CSV_SHEET: &str = "CSV";

pub(crate) fn import(bytes: &[u8], format: Format) -> Result<Vec<CatalogItem>, ImportErrors> {
    let mut errors = Vec::new();
    let tables = match format {
        Format::Xlsx => read_xlsx(bytes, &mut errors),
        Format::Csv => read_csv(bytes, &mut errors),
    };
    let items = build(tables, &mut errors);
    if errors.is_empty() {
        Ok(items)
    } else {
        errors.sort_by(|a, b| {
            (Table::rank(&a.sheet), a.row, a.column.len(), &a.column).cmp(&(
                Table::rank(&b.sheet),
                b.row,
                b.column.len(),
                &b.column,
            ))
        });
        // CSV header problems are found once per sheet sharing the header.
        errors.dedup();
        Err(ImportErrors { errors })
    }
}

fn file_error(code: &str, message: impl Into<String>) -> CellError {
    CellError {
        sheet: String::new(),
        row: 0,
        column: String::new(),
        header: String::new(),
        code: code.into(),
        message: message.into(),
    }
}

/// Matches the header row against `table`'s columns, reporting duplicates and missing ones.
fn match_headers(
    table: Table,
    header: &[(usize, String)],
    sheet: &str,
    header_row: usize,
    errors: &mut Vec<CellError>,
) -> (HashMap<&'static str, usize>, bool) {
    let mut columns = HashMap::new();
    let mut ok = true;
    for (idx, text) in header {
        let n = layout::normalize_header(text);
        let Some(col) = table
            .columns()
            .iter()
            .find(|c| layout::normalize_header(c.header) == n)
        else {
            continue;
        };
        if let Some(first) = columns.insert(col.header, *idx) {
            ok = false;
            columns.insert(col.header, first);
            errors.push(CellError {
                sheet: sheet.into(),
                row: header_row,
                column: layout::column_letter(*idx),
                header: col.header.into(),
                code: "duplicate_column".into(),
                message: format!(
                    "列“{}”重复出现(另见{}列)",
                    col.header,
                    layout::column_letter(first)
                ),
            });
        }
    }
    for col in table.columns() {
        if col.required && !columns.contains_key(col.header) {
            ok = false;
            errors.push(CellError {
                sheet: sheet.into(),
                row: header_row,
                column: String::new(),
                header: col.header.into(),
                code: "missing_column".into(),
                message: format!("缺少必需的列“{}”", col.header),
            });
        }
    }
    (columns, ok)
}

fn is_blank(cells: &[Cell]) -> bool {
    cells.iter().all(|c| !c.bad && c.text.trim().is_empty())
}

// ---------------------------------------------------------------------------------------------
// xlsx

fn read_xlsx(bytes: &[u8], errors: &mut Vec<CellError>) -> Vec<TableInput> {
    // calamine parses untrusted zip and XML; a panic in it must not take the server down.
    match std::panic::catch_unwind(|| read_xlsx_inner(bytes)) {
        Ok((tables, errs)) => {
            errors.extend(errs);
            tables
        }
        Err(_) => {
            errors.push(file_error(
                "unreadable_file",
                "无法读取Excel文件(文件已损坏)",
            ));
            Vec::new()
        }
    }
}

fn read_xlsx_inner(bytes: &[u8]) -> (Vec<TableInput>, Vec<CellError>) {
    let mut wb: Xlsx<_> = match calamine::open_workbook_from_rs(Cursor::new(bytes)) {
        Ok(wb) => wb,
        Err(e) => {
            let msg = format!("无法读取Excel文件,请确认是.xlsx格式: {e}");
            return (Vec::new(), vec![file_error("unreadable_file", msg)]);
        }
    };
    let names = wb.sheet_names();
    let mut errors = Vec::new();
    let mut tables = Vec::new();
    for table in Table::ALL {
        let Some(name) = names.iter().find(|n| n.trim() == table.name()).cloned() else {
            errors.push(CellError {
                code: "missing_sheet".into(),
                message: format!("缺少工作表“{}”", table.name()),
                sheet: table.name().into(),
                ..file_error("", "")
            });
            continue;
        };
        let range = match wb.worksheet_range(&name) {
            Ok(r) => r,
            Err(e) => {
                errors.push(CellError {
                    sheet: table.name().into(),
                    ..file_error("unreadable_sheet", format!("无法读取工作表: {e}"))
                });
                continue;
            }
        };
        let Some((r0, c0)) = range.start() else {
            // An empty sheet has no header at all: every required column is missing.
            let (columns, ok) = match_headers(table, &[], table.name(), 1, &mut errors);
            tables.push(TableInput {
                table,
                columns,
                ok,
                rows: Vec::new(),
            });
            continue;
        };
        let (r0, c0) = (r0 as usize, c0 as usize);
        // Sheets often start with a title row (e.g. "某县政务服务事项目录"): the header is the
        // first of the top rows that names 事项编码; failing that, the first row.
        let texts = |cells: &[Data]| -> Vec<(usize, String)> {
            cells
                .iter()
                .enumerate()
                .map(|(j, d)| (c0 + j, cell_text(d).map(|c| c.text).unwrap_or_default()))
                .collect()
        };
        let skip = range
            .rows()
            .take(HEADER_SEARCH_ROWS)
            .position(|cells| {
                texts(cells)
                    .iter()
                    .any(|(_, t)| layout::normalize_header(t) == h::CODE)
            })
            .unwrap_or(0);
        let mut rows = range.rows().enumerate().skip(skip);
        let header: Vec<(usize, String)> = rows
            .next()
            .map(|(_, cells)| texts(cells))
            .unwrap_or_default();
        let header_row = r0 + skip + 1;
        let (columns, ok) = match_headers(table, &header, table.name(), header_row, &mut errors);
        let known: HashMap<usize, &'static str> = columns.iter().map(|(h, i)| (*i, *h)).collect();
        let mut raw_rows = Vec::new();
        for (i, cells) in rows {
            let row = r0 + i + 1;
            let mut out = vec![Cell::default(); c0 + cells.len()];
            for (j, d) in cells.iter().enumerate() {
                let col = c0 + j;
                // Only cells of known columns matter; users' extra columns may hold anything.
                let Some(header) = known.get(&col) else {
                    continue;
                };
                match cell_text(d) {
                    Ok(c) => out[col] = c,
                    Err(msg) => {
                        out[col] = Cell {
                            text: String::new(),
                            bad: true,
                        };
                        errors.push(CellError {
                            sheet: table.name().into(),
                            row,
                            column: layout::column_letter(col),
                            header: (*header).into(),
                            code: "cell_error".into(),
                            message: msg,
                        });
                    }
                }
            }
            if !is_blank(&out) {
                raw_rows.push(RawRow { row, cells: out });
            }
        }
        tables.push(TableInput {
            table,
            columns,
            ok,
            rows: raw_rows,
        });
    }
    (tables, errors)
}

/// The text of a cell as the user reads it: integral numbers without ".0" (Excel turns typed
/// codes and counts into numbers), booleans as 是/否.
fn cell_text(d: &Data) -> Result<Cell, String> {
    let text = match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => layout::format_bool(*b).to_string(),
        Data::DateTime(dt) => dt.as_f64().to_string(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => return Err(format!("单元格是错误值 {e}")),
    };
    Ok(Cell { text, bad: false })
}

// ---------------------------------------------------------------------------------------------
// CSV

fn read_csv(bytes: &[u8], errors: &mut Vec<CellError>) -> Vec<TableInput> {
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut records: Vec<(usize, Vec<Cell>)> = Vec::new();
    let mut header: Vec<String> = Vec::new();
    for (i, rec) in rdr.byte_records().enumerate() {
        let row = i + 1;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                errors.push(CellError {
                    sheet: CSV_SHEET.into(),
                    row,
                    ..file_error("unreadable_file", format!("CSV格式错误: {e}"))
                });
                // The reader can't resynchronise reliably after an I/O-level error; stop here.
                break;
            }
        };
        let mut cells = Vec::with_capacity(rec.len());
        for (j, field) in rec.iter().enumerate() {
            match std::str::from_utf8(field) {
                Ok(s) => cells.push(Cell {
                    text: s.to_string(),
                    bad: false,
                }),
                Err(_) => {
                    errors.push(CellError {
                        sheet: CSV_SHEET.into(),
                        row,
                        column: layout::column_letter(j),
                        header: header.get(j).cloned().unwrap_or_default(),
                        code: "invalid_encoding".into(),
                        message: "不是UTF-8编码的文字,请在Excel中“另存为 CSV UTF-8”".into(),
                    });
                    cells.push(Cell {
                        text: String::new(),
                        bad: true,
                    });
                }
            }
        }
        if row == 1 {
            header = cells.iter().map(|c| c.text.clone()).collect();
        } else if !is_blank(&cells) {
            records.push((row, cells));
        }
    }
    if header.iter().all(|h| h.trim().is_empty()) {
        errors.push(CellError {
            sheet: CSV_SHEET.into(),
            ..file_error("empty_file", "CSV文件为空,缺少表头")
        });
        return Vec::new();
    }
    let header_cells: Vec<(usize, String)> = header.into_iter().enumerate().collect();
    let table_col = header_cells
        .iter()
        .find(|(_, t)| layout::normalize_header(t) == h::TABLE)
        .map(|(i, _)| *i);
    let Some(table_col) = table_col else {
        errors.push(CellError {
            sheet: CSV_SHEET.into(),
            row: 1,
            header: h::TABLE.into(),
            code: "missing_column".into(),
            message: format!("缺少必需的列“{}”(事项/材料/环节/收费)", h::TABLE),
            ..file_error("", "")
        });
        return Vec::new();
    };
    let mut tables: Vec<TableInput> = Table::ALL
        .into_iter()
        .map(|table| {
            let (columns, ok) = match_headers(table, &header_cells, CSV_SHEET, 1, errors);
            TableInput {
                table,
                columns,
                ok,
                rows: Vec::new(),
            }
        })
        .collect();
    for (row, cells) in records {
        let cell = cells.get(table_col).cloned().unwrap_or_default();
        if cell.bad {
            continue;
        }
        match Table::from_name(&cell.text) {
            Some(t) => tables[t as usize].rows.push(RawRow { row, cells }),
            None => errors.push(CellError {
                sheet: CSV_SHEET.into(),
                row,
                column: layout::column_letter(table_col),
                header: h::TABLE.into(),
                code: "invalid_value".into(),
                message: format!(
                    "无法识别的表“{}”,应为 事项、材料、环节 或 收费",
                    cell.text.trim()
                ),
            }),
        }
    }
    tables
}

/// Undoes the `="0571..."` trick people use so Excel keeps leading zeros and long digit strings:
/// the text of an Excel string formula, whose quotes inside are doubled (`="a""b"` is `a"b`).
/// Anything else, a lone quote inside included, is kept as written.
pub(crate) fn unwrap_excel_text(s: &str) -> std::borrow::Cow<'_, str> {
    let Some(inner) = s.strip_prefix("=\"").and_then(|r| r.strip_suffix('"')) else {
        return s.into();
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '"' && chars.next() != Some('"') {
            return s.into();
        }
        out.push(c);
    }
    out.into()
}

// ---------------------------------------------------------------------------------------------
// Parsing rows into items

/// Identity of an item version as written in a row. A version that is not a number is kept as
/// text so the item's other rows still find it (the bad version is reported once, on its cell).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Key {
    code: String,
    version: Result<u32, String>,
}

/// One row being parsed: reads cells by header and records problems at their coordinates.
struct RowCtx<'a> {
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

fn at(t: &TableInput, row: usize, header: &'static str, code: &str, message: String) -> CellError {
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

fn parse_u32(s: &str) -> Option<u32> {
    if s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

fn parse_item_type(s: &str) -> Option<ItemType> {
    // Provincial exports carry the GB/T 39046 code (01, 20 …) instead of the name.
    ItemType::parse(s).or_else(|| {
        ItemType::ALL
            .iter()
            .copied()
            .find(|t| t.national_code() == s)
    })
}

struct ItemRow {
    row: usize,
    key: Key,
    item: Option<CatalogItem>,
}

struct ChildRow<T> {
    row: usize,
    seq: Option<u32>,
    value: Option<T>,
}

type Children<T> = BTreeMap<Key, Vec<ChildRow<T>>>;

fn parse_item(c: &mut RowCtx, key: &Key) -> Option<CatalogItem> {
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

fn parse_material(c: &mut RowCtx) -> Option<Material> {
    let name = c.text(h::M_NAME);
    let form = c.choice(
        h::M_FORM,
        MaterialForm::parse,
        MaterialForm::ALL,
        MaterialForm::label,
    );
    let count = c.number(h::M_COUNT);
    let mandatory = c.bool_or(h::M_MANDATORY, None);
    Some(Material {
        name,
        form: form?,
        count: count?,
        mandatory: mandatory?,
        condition: c.text(h::M_CONDITION),
        issuer: c.text(h::M_ISSUER),
        template: c.text(h::M_TEMPLATE),
        note: c.text(h::M_NOTE),
    })
}

fn parse_stage(c: &mut RowCtx) -> Option<Stage> {
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

fn parse_fee(c: &mut RowCtx) -> Option<Fee> {
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

fn parse_children<T>(
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
fn take_children<T>(
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

fn build(tables: Vec<TableInput>, errors: &mut Vec<CellError>) -> Vec<CatalogItem> {
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

struct ChildRows {
    materials: Vec<usize>,
    stages: Vec<usize>,
    fees: Vec<usize>,
}

/// Maps a validation field path (`promised_limit_days`, `materials[2].name`, `stages`) to the
/// cell it came from.
fn locate(
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
fn parse_indexed(field: &str) -> Option<(&str, usize, &str)> {
    let (list, rest) = field.split_once('[')?;
    let (idx, rest) = rest.split_once(']')?;
    let field = rest.strip_prefix('.').unwrap_or(rest);
    Some((list, idx.parse().ok()?, field))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexed_fields() {
        assert_eq!(
            parse_indexed("materials[2].name"),
            Some(("materials", 2, "name"))
        );
        assert_eq!(parse_indexed("stages"), None);
        assert_eq!(parse_indexed("fees[x].name"), None);
    }

    #[test]
    fn excel_text_trick_is_undone() {
        assert_eq!(unwrap_excel_text("=\"330100000000\""), "330100000000");
        assert_eq!(unwrap_excel_text("=SUM(A1)"), "=SUM(A1)");
        assert_eq!(unwrap_excel_text("=\"a\"\"b\""), "a\"b");
        assert_eq!(
            unwrap_excel_text("=\"a\"b\""),
            "=\"a\"b\"",
            "a lone quote: kept"
        );
        assert_eq!(unwrap_excel_text("=\""), "=\"");
    }
}
