//! Reading the one-file CSV form into tables (split by its 表 column).

use super::*;
use crate::layout::{self, h, Table};
use crate::CellError;

pub(super) fn read_csv(bytes: &[u8], errors: &mut Vec<CellError>) -> Vec<TableInput> {
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
                    text: crate::csv_cell::restore(s).into_owned(),
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
