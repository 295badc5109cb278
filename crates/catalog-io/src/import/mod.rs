//! Reading the catalog. Both formats are first turned into [`TableInput`]s (header + text cells
//! with their Excel coordinates); one parser then builds the items and collects every problem.

use crate::layout::{self, Table};
use crate::{CellError, Format, ImportErrors};
use domain::CatalogItem;
use std::collections::HashMap;

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

mod csv_file;
mod rows;
mod xlsx;
pub(crate) use csv_file::unwrap_excel_text;
use csv_file::*;
use rows::*;
use xlsx::*;

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
