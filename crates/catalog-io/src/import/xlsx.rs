//! Reading an Excel workbook into tables (one per sheet).

use super::*;
use crate::layout::{self, h, Table};
use crate::CellError;
use calamine::{Data, Reader, Xlsx};
use std::collections::HashMap;
use std::io::Cursor;

pub(super) fn read_xlsx(bytes: &[u8], errors: &mut Vec<CellError>) -> Vec<TableInput> {
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

pub(super) fn read_xlsx_inner(bytes: &[u8]) -> (Vec<TableInput>, Vec<CellError>) {
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
pub(super) fn cell_text(d: &Data) -> Result<Cell, String> {
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
