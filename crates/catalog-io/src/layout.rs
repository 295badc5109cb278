//! Sheets, columns and the text form of values, shared by export and import so they can't drift.

use domain::Level;

/// Column headers. Each is unique across the four sheets, so the CSV can hold their union.
pub(crate) mod h {
    pub const TABLE: &str = "表";
    pub const CODE: &str = "事项编码";
    pub const VERSION: &str = "版本";
    pub const SEQ: &str = "序号";

    pub const STATUS: &str = "状态";
    pub const IMPL: &str = "实施编码";
    pub const NAME: &str = "事项名称";
    pub const ITEM_TYPE: &str = "事项类型";
    pub const KIND: &str = "办件类型";
    pub const REGION: &str = "行政区划代码";
    pub const DEPARTMENT: &str = "承办部门";
    pub const ACCEPT: &str = "受理层级";
    pub const DECIDE: &str = "决定层级";
    pub const LEGAL: &str = "办事依据";
    pub const CONDITIONS: &str = "受理条件";
    pub const STATUTORY: &str = "法定时限";
    pub const PROMISED: &str = "承诺时限";
    pub const PLACE: &str = "办理地点";
    pub const HOURS: &str = "办理时间";
    pub const UNIT: &str = "承办机构";
    pub const PERSON: &str = "责任人";
    pub const CONSULT: &str = "咨询电话";
    pub const COMPLAINT: &str = "监督投诉电话";
    pub const ONLINE: &str = "网办程度";
    pub const VISITS: &str = "到现场次数";
    pub const OBJECTS: &str = "服务对象";
    pub const THEMES: &str = "服务主题";
    pub const PROXY: &str = "村代办";
    pub const RESULT: &str = "结果名称";
    pub const FAQ: &str = "常见问题";

    pub const M_NAME: &str = "材料名称";
    pub const M_FORM: &str = "材料形式";
    pub const M_COUNT: &str = "份数";
    pub const M_MANDATORY: &str = "是否必备";
    pub const M_CONDITION: &str = "适用情形";
    pub const M_ISSUER: &str = "出具机构";
    pub const M_TEMPLATE: &str = "模板文件";
    pub const M_NOTE: &str = "备注";
    pub const M_AGENT: &str = "代理授权材料";

    pub const S_NAME: &str = "环节名称";
    pub const S_DEPT: &str = "办理部门";
    pub const S_LIMIT: &str = "环节时限";
    pub const S_GROUP: &str = "并联组";

    pub const F_NAME: &str = "收费项目";
    pub const F_AMOUNT: &str = "金额(元)";
    pub const F_BASIS: &str = "收费依据";
}

/// A column: its header and whether a file without it is refused. Optional columns are the
/// fields the domain model defaults (`#[serde(default)]`), so older or hand-made files still load.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Col {
    pub header: &'static str,
    pub required: bool,
}

const fn req(header: &'static str) -> Col {
    Col {
        header,
        required: true,
    }
}
const fn opt(header: &'static str) -> Col {
    Col {
        header,
        required: false,
    }
}

const ITEM_COLS: &[Col] = &[
    req(h::CODE),
    req(h::VERSION),
    req(h::STATUS),
    opt(h::IMPL),
    req(h::NAME),
    req(h::ITEM_TYPE),
    req(h::KIND),
    req(h::REGION),
    req(h::DEPARTMENT),
    req(h::ACCEPT),
    req(h::DECIDE),
    req(h::LEGAL),
    req(h::CONDITIONS),
    req(h::STATUTORY),
    req(h::PROMISED),
    req(h::PLACE),
    req(h::HOURS),
    req(h::UNIT),
    req(h::PERSON),
    req(h::CONSULT),
    req(h::COMPLAINT),
    req(h::ONLINE),
    req(h::VISITS),
    req(h::OBJECTS),
    opt(h::THEMES),
    opt(h::PROXY),
    opt(h::RESULT),
    opt(h::FAQ),
];

const MATERIAL_COLS: &[Col] = &[
    req(h::CODE),
    req(h::VERSION),
    req(h::SEQ),
    req(h::M_NAME),
    req(h::M_FORM),
    req(h::M_COUNT),
    req(h::M_MANDATORY),
    opt(h::M_CONDITION),
    opt(h::M_ISSUER),
    opt(h::M_TEMPLATE),
    opt(h::M_NOTE),
    opt(h::M_AGENT),
];

const STAGE_COLS: &[Col] = &[
    req(h::CODE),
    req(h::VERSION),
    req(h::SEQ),
    req(h::S_NAME),
    req(h::S_DEPT),
    req(h::S_LIMIT),
    opt(h::S_GROUP),
];

const FEE_COLS: &[Col] = &[
    req(h::CODE),
    req(h::VERSION),
    req(h::SEQ),
    req(h::F_NAME),
    req(h::F_AMOUNT),
    req(h::F_BASIS),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Table {
    Item,
    Material,
    Stage,
    Fee,
}

impl Table {
    pub const ALL: [Table; 4] = [Table::Item, Table::Material, Table::Stage, Table::Fee];

    pub fn name(self) -> &'static str {
        match self {
            Table::Item => "事项",
            Table::Material => "材料",
            Table::Stage => "环节",
            Table::Fee => "收费",
        }
    }

    pub fn from_name(s: &str) -> Option<Table> {
        Table::ALL.into_iter().find(|t| t.name() == s.trim())
    }

    pub fn columns(self) -> &'static [Col] {
        match self {
            Table::Item => ITEM_COLS,
            Table::Material => MATERIAL_COLS,
            Table::Stage => STAGE_COLS,
            Table::Fee => FEE_COLS,
        }
    }

    /// Order in which problems are reported: the sheets' order in the workbook.
    pub fn rank(name: &str) -> usize {
        Table::ALL
            .iter()
            .position(|t| t.name() == name)
            .map_or(0, |i| i + 1)
    }
}

/// The CSV header: 表, then every sheet's columns in sheet order, each once.
pub(crate) fn csv_headers() -> Vec<&'static str> {
    let mut out = vec![h::TABLE];
    for t in Table::ALL {
        for c in t.columns() {
            if !out.contains(&c.header) {
                out.push(c.header);
            }
        }
    }
    out
}

/// Header text as compared on import: users type full-width parentheses and stray spaces.
pub(crate) fn normalize_header(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            c => c,
        })
        .collect()
}

/// Excel column letters: 0 → A, 25 → Z, 26 → AA.
pub(crate) fn column_letter(mut idx: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (idx % 26) as u8);
        if idx < 26 {
            break;
        }
        idx = idx / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Separator of list cells (受理层级, 服务对象, 服务主题) on export.
pub(crate) const LIST_SEP: &str = "、";

/// Separators accepted on import: what people actually type between list entries.
fn is_list_sep(c: char) -> bool {
    matches!(c, '、' | ',' | '，' | ';' | '；' | '\n' | '\r')
}

/// Splits a list cell, ignoring separators inside parentheses: level labels such as
/// "县(市、区)级" contain "、" themselves.
pub(crate) fn split_list(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut depth = 0usize;
    for c in s.chars() {
        match c {
            '(' | '（' => depth += 1,
            ')' | '）' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if depth == 0 && is_list_sep(c) {
            out.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    out.push(cur);
    out.into_iter()
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

pub(crate) fn parse_level(s: &str) -> Option<Level> {
    let n = normalize_header(s);
    Level::parse(&n).or_else(|| {
        Level::ALL
            .into_iter()
            .find(|l| normalize_header(l.label()) == n)
    })
}

pub(crate) fn format_levels(levels: &[Level]) -> String {
    levels
        .iter()
        .map(|l| l.label())
        .collect::<Vec<_>>()
        .join(LIST_SEP)
}

/// Themes are free text, so they are written as a JSON array whenever the plain "、" list would
/// not read back identically (a theme containing a separator, blank, or padded with spaces).
pub(crate) fn format_themes(themes: &[String]) -> String {
    let plain = themes
        .iter()
        .all(|t| !t.is_empty() && t.trim() == t && !t.contains(is_list_sep));
    let joined = themes.join(LIST_SEP);
    if plain && !joined.starts_with('[') {
        joined
    } else {
        serde_json::to_string(themes).unwrap_or_default()
    }
}

pub(crate) fn parse_themes(s: &str) -> Vec<String> {
    let t = s.trim();
    if t.starts_with('[') {
        if let Ok(v) = serde_json::from_str::<Vec<String>>(t) {
            return v;
        }
    }
    s.split(is_list_sep)
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(String::from)
        .collect()
}

pub(crate) fn format_bool(b: bool) -> &'static str {
    if b {
        "是"
    } else {
        "否"
    }
}

pub(crate) fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "是" | "y" | "yes" | "true" | "1" | "√" | "必备" => Some(true),
        "否" | "n" | "no" | "false" | "0" | "×" | "非必备" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(5), "F");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }

    #[test]
    fn levels_parse_labels_codes_and_short_names() {
        let all = Level::ALL.to_vec();
        assert_eq!(
            split_list(&format_levels(&all))
                .iter()
                .map(|s| parse_level(s))
                .collect::<Vec<_>>(),
            all.iter().map(|l| Some(*l)).collect::<Vec<_>>()
        );
        let typed = split_list("county, 乡镇，村（社区）级");
        assert_eq!(
            typed.iter().map(|s| parse_level(s)).collect::<Vec<_>>(),
            vec![
                Some(Level::County),
                Some(Level::Township),
                Some(Level::Village)
            ]
        );
    }

    #[test]
    fn themes_fall_back_to_json_only_when_needed() {
        let plain = vec!["生育".to_string(), "就业".to_string()];
        assert_eq!(format_themes(&plain), "生育、就业");
        assert_eq!(parse_themes("生育、就业"), plain);
        let odd = vec!["a、b".to_string(), " ".to_string(), "[x".to_string()];
        assert!(format_themes(&odd).starts_with('['));
        assert_eq!(parse_themes(&format_themes(&odd)), odd);
        assert_eq!(parse_themes(&format_themes(&[])), Vec::<String>::new());
    }

    #[test]
    fn csv_header_is_the_union_without_duplicates() {
        let hs = csv_headers();
        let mut sorted = hs.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), hs.len());
        assert_eq!(&hs[..4], &[h::TABLE, h::CODE, h::VERSION, h::STATUS]);
    }
}
