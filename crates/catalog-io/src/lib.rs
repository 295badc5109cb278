//! Import and export of the whole service catalog (事项目录, SPEC §2) as Excel (.xlsx) and CSV,
//! which is how service centers actually load and review it.
//!
//! # Layout
//!
//! **xlsx**: four sheets, Chinese headers in row 1, one record per row, human-readable values
//! (Chinese labels for enums, 是/否 for booleans, money in yuan such as `10.50`):
//!
//! * `事项` — one row per item version, every scalar field of [`CatalogItem`];
//! * `材料` — 事项编码, 版本, 序号 and every [`domain::catalog::Material`] field;
//! * `环节` — 事项编码, 版本, 序号 and every [`domain::catalog::Stage`] field (并联组 blank when none);
//! * `收费` — 事项编码, 版本, 序号, 收费项目, 金额(元), 收费依据.
//!
//! Columns are found by header, so users may reorder them or add their own (ignored). Enum cells
//! accept the Chinese label or the English code; 受理层级 is written as level labels joined with
//! "、" and also accepts codes and the short names (县级, 乡镇 …).
//!
//! **CSV**: one UTF-8 file with a BOM (so Excel detects the encoding), CRLF line ends, fields quoted
//! when needed (long text may hold commas, quotes and newlines). The first column `表` says which
//! sheet a row belongs to (事项/材料/环节/收费); the other columns are the union of the four
//! sheets' columns, blank where they don't apply. One file keeps an item's versions, materials,
//! stages and fees together, which is what a center mails around; rows are still
//! one-record-per-row so a filter on `表` in Excel shows one sheet. A cell that would start with
//! `=`, `+`, `-`, `@`, tab or CR (a formula to a spreadsheet) is written with a leading `'`, and
//! read back without it (`csv_cell`).
//!
//! # Import
//!
//! Import is all-or-nothing: any problem makes it return every problem found, each located by
//! sheet, row and column as the user sees them in Excel, and no item. [`CatalogItem::validate`]
//! runs on each item whose rows parsed, and its field errors are mapped back to cells. An item
//! with an unparseable cell, or a file with a missing sheet or column, is not validated: its values
//! are not yet what the user meant, and the rules would report knock-on noise.
//!
//! Excel shows long digit strings of a CSV (行政区划代码) in scientific notation and may save them
//! that way; the xlsx format, which stores them as text, is the one to edit in Excel. Import
//! accepts the `="330100"` form people use to keep such codes as text.

mod csv_cell;
mod export;
mod import;
mod layout;

use domain::CatalogItem;
use std::fmt;
use std::path::Path;

/// File format of a catalog import or export; `xlsx` or `csv` where it is asked for by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Xlsx,
    Csv,
}

impl Format {
    /// Guesses the format from the file extension (case-insensitive).
    pub fn from_path(p: &Path) -> Option<Format> {
        let ext = p.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "xlsx" => Some(Format::Xlsx),
            "csv" => Some(Format::Csv),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Csv => "text/csv; charset=utf-8",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::Csv => "csv",
        }
    }
}

/// Writes the whole catalog in `format`.
pub fn export(items: &[CatalogItem], format: Format) -> Result<Vec<u8>, ExportError> {
    match format {
        Format::Xlsx => export::xlsx(items),
        Format::Csv => export::csv(items),
    }
}

/// Reads a whole catalog. Either every item, valid, or every problem of the file.
pub fn import(bytes: &[u8], format: Format) -> Result<Vec<CatalogItem>, ImportErrors> {
    import::import(bytes, format)
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Also raised when a text exceeds Excel's 32,767-character cell limit.
    #[error("生成Excel文件失败: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("生成CSV文件失败: {0}")]
    Csv(#[from] csv::Error),
    #[error("生成文件失败: {0}")]
    Io(#[from] std::io::Error),
}

/// One problem of an imported file, located as the user sees it in Excel.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CellError {
    /// Sheet name (事项/材料/环节/收费); for CSV the row's `表`, or "CSV" for the header and
    /// encoding problems; empty when the file itself can't be read.
    pub sheet: String,
    /// 1-based row as Excel numbers it; 0 when the problem is not about a row (unreadable file,
    /// missing sheet).
    pub row: usize,
    /// Column letter, e.g. "F"; empty when there is no such column (a missing header).
    pub column: String,
    /// Chinese column header, e.g. "承诺时限"; empty when not about a column.
    pub header: String,
    /// Stable machine code, e.g. `invalid_value`, or the code of the domain validation rule.
    pub code: String,
    /// Chinese message.
    pub message: String,
}

impl fmt::Display for CellError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut place = self.sheet.clone();
        let mut push = |s: String| {
            if !place.is_empty() {
                place.push(' ');
            }
            place.push_str(&s);
        };
        if self.row > 0 {
            push(format!("第{}行", self.row));
        }
        match (self.column.is_empty(), self.header.is_empty()) {
            (false, false) => push(format!("{}列({})", self.column, self.header)),
            (false, true) => push(format!("{}列", self.column)),
            (true, false) => push(format!("({})", self.header)),
            (true, true) => {}
        }
        if place.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{place}: {}", self.message)
        }
    }
}

/// Every problem of an imported file (一次性告知): nothing was imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportErrors {
    pub errors: Vec<CellError>,
}

impl fmt::Display for ImportErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ImportErrors {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_from_path() {
        assert_eq!(
            Format::from_path(Path::new("a/目录.XLSX")),
            Some(Format::Xlsx)
        );
        assert_eq!(Format::from_path(Path::new("x.csv")), Some(Format::Csv));
        assert_eq!(Format::from_path(Path::new("x.xls")), None);
        assert_eq!(Format::from_path(Path::new("x")), None);
        assert_eq!(Format::Csv.extension(), "csv");
        assert!(Format::Xlsx.content_type().contains("spreadsheetml"));
    }

    #[test]
    fn display_names_place_then_message() {
        let e = CellError {
            sheet: "事项".into(),
            row: 5,
            column: "F".into(),
            header: "承诺时限".into(),
            code: "promised_exceeds_statutory".into(),
            message: "承诺时限不能超过法定时限".into(),
        };
        assert_eq!(
            e.to_string(),
            "事项 第5行 F列(承诺时限): 承诺时限不能超过法定时限"
        );
        let missing = CellError {
            row: 1,
            column: String::new(),
            ..e.clone()
        };
        assert_eq!(
            missing.to_string(),
            "事项 第1行 (承诺时限): 承诺时限不能超过法定时限"
        );
        let all = ImportErrors {
            errors: vec![e.clone(), e],
        };
        assert_eq!(all.to_string().lines().count(), 2);
    }
}
