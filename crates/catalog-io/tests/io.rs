//! Round trips, malformed files located to the cell, and no panics on any input.

use calamine::{Data, Reader, Xlsx};
use domain::catalog::{
    Fee, ItemKind, ItemStatus, ItemType, Material, MaterialForm, OnlineLevel, ServiceObject, Stage,
};
use domain::{CatalogItem, Level, RegionCode};
use proptest::prelude::*;
use std::io::Cursor;
use yizhan_catalog_io::{export, import, CellError, Format, ImportErrors};

// ---------------------------------------------------------------------------------------------
// Realistic items

fn promised() -> CatalogItem {
    CatalogItem {
        code: "330100-SP-001".into(),
        version: 1,
        status: ItemStatus::Published,
        implementation_code: "11330100MB0000000X4000112017001".into(),
        name: "食品经营许可".into(),
        item_type: ItemType::Licensing,
        kind: ItemKind::Promised,
        region_code: RegionCode::parse("330100").unwrap(),
        department: "scjg".into(),
        accept_levels: vec![Level::County, Level::Township],
        decide_level: Level::County,
        legal_basis: "《中华人民共和国食品安全法》第三十五条:\n从事食品生产、食品销售、餐饮服务,应当依法取得许可。\n\"但是\",销售食用农产品,不需要取得许可。".into(),
        conditions: "1. 有与经营的食品品种、数量相适应的经营场所;\n2. 有专职或者兼职的食品安全管理人员, and \"rules\", commas,,".into(),
        materials: vec![
            Material {
                name: "食品经营许可申请书".into(),
                form: MaterialForm::Original,
                count: 1,
                mandatory: true,
                condition: String::new(),
                issuer: "申请人".into(),
                template: "食品经营许可申请书.docx".into(),
                note: String::new(),
                agent_authorization: false,
            },
            Material {
                name: "授权委托书".into(),
                form: MaterialForm::OriginalAndCopy,
                count: 2,
                mandatory: false,
                condition: "委托他人办理的".into(),
                issuer: "申请人".into(),
                template: String::new(),
                note: "须载明委托事项,\"权限\"".into(),
                agent_authorization: true,
            },
            Material {
                name: "营业执照".into(),
                form: MaterialForm::Electronic,
                count: 1,
                mandatory: false,
                condition: "已办理营业执照的".into(),
                issuer: "市场监管部门".into(),
                template: String::new(),
                note: String::new(),
                agent_authorization: false,
            },
        ],
        stages: vec![
            Stage { name: "受理".into(), department: "scjg".into(), limit_days: 1, parallel_group: None },
            Stage { name: "审查".into(), department: "scjg".into(), limit_days: 5, parallel_group: None },
            Stage { name: "决定".into(), department: "scjg".into(), limit_days: 2, parallel_group: None },
        ],
        statutory_limit_days: 20,
        promised_limit_days: 10,
        fees: vec![],
        place: "县行政服务中心二楼市场监管窗口".into(),
        hours: "周一至周五 9:00-12:00 13:30-17:00".into(),
        responsible_unit: "县市场监督管理局".into(),
        responsible_person: "王科长".into(),
        consult_phone: "0571-12345678".into(),
        complaint_phone: "12345".into(),
        online: OnlineLevel::OnlinePrereview,
        visits: 1,
        service_objects: vec![ServiceObject::Person, ServiceObject::Enterprise],
        themes: vec!["开办企业".into(), "餐饮".into()],
        proxy_allowed: false,
        result_name: "食品经营许可证".into(),
        faq: "问:需要几天?\n答:10个工作日。".into(),
    }
}

fn immediate() -> CatalogItem {
    CatalogItem {
        code: "330100-QR-017".into(),
        version: 3,
        status: ItemStatus::Published,
        implementation_code: String::new(),
        name: "老年人优待证办理".into(),
        item_type: ItemType::Confirmation,
        kind: ItemKind::Immediate,
        accept_levels: vec![Level::Township, Level::Village],
        decide_level: Level::Township,
        statutory_limit_days: 0,
        promised_limit_days: 0,
        stages: vec![Stage {
            name: "即办".into(),
            department: "mz".into(),
            limit_days: 0,
            parallel_group: None,
        }],
        materials: vec![Material {
            name: "身份证".into(),
            form: MaterialForm::Original,
            count: 1,
            mandatory: true,
            condition: String::new(),
            issuer: "公安机关".into(),
            template: String::new(),
            note: String::new(),
            agent_authorization: false,
        }],
        department: "mz".into(),
        online: OnlineLevel::FullOnline,
        visits: 0,
        service_objects: vec![ServiceObject::Person],
        themes: vec![],
        proxy_allowed: true,
        result_name: "老年人优待证".into(),
        faq: String::new(),
        ..promised()
    }
}

fn joint() -> CatalogItem {
    CatalogItem {
        code: "330100-JS-005".into(),
        version: 2,
        status: ItemStatus::Draft,
        name: "建设工程竣工联合验收".into(),
        item_type: ItemType::OtherPower,
        kind: ItemKind::Joint,
        region_code: RegionCode::parse("330102000000").unwrap(),
        department: "zjj".into(),
        accept_levels: vec![Level::City],
        decide_level: Level::City,
        statutory_limit_days: 45,
        promised_limit_days: 12,
        stages: vec![
            Stage {
                name: "受理".into(),
                department: "zjj".into(),
                limit_days: 1,
                parallel_group: None,
            },
            Stage {
                name: "消防验收".into(),
                department: "xf".into(),
                limit_days: 6,
                parallel_group: Some(1),
            },
            Stage {
                name: "规划核实".into(),
                department: "zrzy".into(),
                limit_days: 8,
                parallel_group: Some(1),
            },
            Stage {
                name: "人防验收".into(),
                department: "rf".into(),
                limit_days: 3,
                parallel_group: Some(1),
            },
            Stage {
                name: "出具意见".into(),
                department: "zjj".into(),
                limit_days: 2,
                parallel_group: None,
            },
        ],
        fees: vec![],
        online: OnlineLevel::WindowOnly,
        visits: 2,
        service_objects: vec![
            ServiceObject::Enterprise,
            ServiceObject::Institution,
            ServiceObject::SocialOrg,
        ],
        themes: vec!["工程建设".into()],
        ..promised()
    }
}

fn with_fees() -> CatalogItem {
    CatalogItem {
        code: "330100-ZS-002".into(),
        version: 1,
        name: "不动产登记".into(),
        item_type: ItemType::Levy,
        kind: ItemKind::Forwarded,
        accept_levels: vec![Level::Township],
        decide_level: Level::County,
        fees: vec![
            Fee {
                name: "不动产登记费".into(),
                amount_fen: 8000,
                basis: "发改价格规〔2016〕2559号".into(),
            },
            Fee {
                name: "工本费".into(),
                amount_fen: 1050,
                basis: "财税〔2016〕79号".into(),
            },
            Fee {
                name: "证书副本".into(),
                amount_fen: 5,
                basis: "同上, \"第二条\"".into(),
            },
            Fee {
                name: "小微企业减免".into(),
                amount_fen: 0,
                basis: String::new(),
            },
        ],
        themes: vec!["不动产、住房".into(), " 带空格 ".into()],
        ..promised()
    }
}

fn catalog() -> Vec<CatalogItem> {
    let mut v2 = promised();
    v2.version = 2;
    v2.status = ItemStatus::Draft;
    v2.promised_limit_days = 8;
    v2.stages[1].limit_days = 4;
    vec![promised(), immediate(), joint(), with_fees(), v2]
}

#[test]
fn fixtures_are_valid() {
    for it in catalog() {
        assert_eq!(it.validate(), Ok(()), "{}", it.code);
    }
}

#[test]
fn xlsx_round_trip() {
    let items = catalog();
    let bytes = export(&items, Format::Xlsx).unwrap();
    assert_eq!(import(&bytes, Format::Xlsx).unwrap(), items);
}

#[test]
fn csv_round_trip_and_stable_bytes() {
    let items = catalog();
    let bytes = export(&items, Format::Csv).unwrap();
    assert!(bytes.starts_with("\u{feff}表,事项编码,版本,".as_bytes()));
    let back = import(&bytes, Format::Csv).unwrap();
    assert_eq!(back, items);
    assert_eq!(export(&back, Format::Csv).unwrap(), bytes);
    // Multiline text with quotes is quoted, quotes doubled.
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.contains("\"《中华人民共和国食品安全法》第三十五条:\n从事"));
    assert!(text.contains("\"\"但是\"\""));
}

/// A phone written as Excel's `="…"` text trick is read as what is inside it; a value that itself
/// looks like the trick (found by the round-trip property: `="料…'"`) is written so that it reads
/// back as it was, in both formats.
#[test]
fn values_that_look_like_the_excel_text_trick_round_trip() {
    let mut it = immediate();
    it.consult_phone = "=\"料S中-1_\rRBe国请民项W\r料（》\r_wE'\"".to_string();
    it.complaint_phone = "=\"a\"\"b\"".to_string();
    assert_eq!(it.validate(), Ok(()));
    for format in [Format::Xlsx, Format::Csv] {
        let bytes = export(std::slice::from_ref(&it), format).unwrap();
        assert_eq!(
            import(&bytes, format).unwrap(),
            vec![it.clone()],
            "{format:?}"
        );
    }
}

#[test]
fn xlsx_to_csv_to_xlsx() {
    let items = catalog();
    let x = export(&items, Format::Xlsx).unwrap();
    let c = export(&import(&x, Format::Xlsx).unwrap(), Format::Csv).unwrap();
    assert_eq!(c, export(&items, Format::Csv).unwrap());
}

#[test]
fn empty_catalog_round_trips() {
    for f in [Format::Xlsx, Format::Csv] {
        assert_eq!(import(&export(&[], f).unwrap(), f).unwrap(), vec![]);
    }
}

#[test]
fn xlsx_is_human_readable() {
    let sheets = read_sheets(&export(&catalog(), Format::Xlsx).unwrap());
    let names: Vec<&str> = sheets.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["事项", "材料", "环节", "收费"]);
    let items = &sheets[0].1;
    let col = |h: &str| items[0].iter().position(|x| x == h).unwrap();
    assert_eq!(items[1][col("办件类型")], "承诺件");
    assert_eq!(items[1][col("受理层级")], "县(市、区)级、乡镇(街道)级");
    assert_eq!(items[1][col("村代办")], "否");
    assert_eq!(items[1][col("承诺时限")], "10");
    let fees = &sheets[3].1;
    assert_eq!(
        fees[0],
        [
            "事项编码",
            "版本",
            "序号",
            "收费项目",
            "金额(元)",
            "收费依据"
        ]
    );
    assert_eq!(fees[2][4], "10.50");
    assert_eq!(fees[3][4], "0.05");
    let stages = &sheets[2].1;
    let joint_rows: Vec<&Vec<String>> = stages.iter().filter(|r| r[0] == "330100-JS-005").collect();
    assert_eq!(joint_rows[0][6], "");
    assert_eq!(joint_rows[1][6], "1");
}

#[test]
fn hand_typed_values_are_accepted() {
    // What a center types by hand: English codes, short level names, other separators,
    // amounts without decimals, columns in another order, an extra column, blank rows.
    let mut sheets = read_sheets(&export(&[with_fees()], Format::Xlsx).unwrap());
    let items = &mut sheets[0].1;
    let col = |rows: &Vec<Vec<String>>, h: &str| rows[0].iter().position(|x| x == h).unwrap();
    let (k, a, o, t) = (
        col(items, "办件类型"),
        col(items, "受理层级"),
        col(items, "服务对象"),
        col(items, "事项类型"),
    );
    items[1][k] = "forwarded".into();
    items[1][a] = "乡镇".into();
    items[1][o] = "person，enterprise".into();
    items[1][t] = "04".into();
    for r in items.iter_mut() {
        r.swap(0, 4);
        r.push("内部备注".into());
    }
    items.insert(2, vec![String::new(); items[0].len()]);
    let fees = &mut sheets[3].1;
    fees[1][4] = "80".into();
    let got = import(&write_sheets(&sheets), Format::Xlsx).unwrap();
    assert_eq!(got, vec![with_fees()]);
}

// ---------------------------------------------------------------------------------------------
// Malformed files

/// Reads every sheet as text, the way the user sees it.
fn read_sheets(bytes: &[u8]) -> Vec<(String, Vec<Vec<String>>)> {
    let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    wb.sheet_names()
        .into_iter()
        .map(|n| {
            let r = wb.worksheet_range(&n).unwrap();
            let rows = r
                .rows()
                .map(|row| {
                    row.iter()
                        .map(|d| match d {
                            Data::Empty => String::new(),
                            d => d.to_string(),
                        })
                        .collect()
                })
                .collect();
            (n, rows)
        })
        .collect()
}

/// Writes sheets of text cells, as a user's hand-made workbook would be.
fn write_sheets(sheets: &[(String, Vec<Vec<String>>)]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    for (name, rows) in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                if !v.is_empty() {
                    ws.write_string(r as u32, c as u16, v).unwrap();
                }
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

fn where_(e: &ImportErrors) -> Vec<(String, usize, String, String)> {
    e.errors
        .iter()
        .map(|e| (e.sheet.clone(), e.row, e.column.clone(), e.code.clone()))
        .collect()
}

fn w(sheet: &str, row: usize, col: &str, code: &str) -> (String, usize, String, String) {
    (sheet.into(), row, col.into(), code.into())
}

fn set(sheets: &mut [(String, Vec<Vec<String>>)], sheet: usize, row: usize, header: &str, v: &str) {
    let rows = &mut sheets[sheet].1;
    let c = rows[0]
        .iter()
        .position(|x| x == header)
        .unwrap_or_else(|| panic!("{header}"));
    rows[row - 1][c] = v.into();
}

#[test]
fn every_cell_problem_is_reported_with_its_place() {
    let mut s = read_sheets(&export(&catalog(), Format::Xlsx).unwrap());
    // A 7th 事项 row repeats row 2's code and version.
    let copy = s[0].1[1].clone();
    s[0].1.push(copy);
    // 事项 row 2 (promised v1): unknown kind, non-numeric limit; row 3: bad level and region.
    set(&mut s, 0, 2, "办件类型", "急办件");
    set(&mut s, 0, 2, "承诺时限", "十天");
    set(&mut s, 0, 3, "受理层级", "乡镇(街道)级、省级");
    set(&mut s, 0, 3, "行政区划代码", "3301");
    // 材料 row 3: count not a number; row 4 points at an item that doesn't exist.
    set(&mut s, 1, 3, "份数", "两份");
    set(&mut s, 1, 4, "事项编码", "NOPE-1");
    // 环节 row 2: unknown yes/no in an optional column is still checked.
    set(&mut s, 2, 2, "并联组", "A");
    // 收费 row 3: three decimals; row 4: not money at all.
    set(&mut s, 3, 3, "金额(元)", "10.505");
    set(&mut s, 3, 4, "金额(元)", "五元");
    let err = import(&write_sheets(&s), Format::Xlsx).unwrap_err();
    assert_eq!(
        where_(&err),
        vec![
            w("事项", 2, "G", "invalid_value"),
            w("事项", 2, "O", "invalid_value"),
            w("事项", 3, "H", "invalid_value"),
            w("事项", 3, "J", "invalid_value"),
            w("事项", 7, "A", "duplicate_item"),
            w("材料", 3, "F", "invalid_value"),
            w("材料", 4, "A", "orphan_row"),
            w("环节", 2, "G", "invalid_value"),
            w("收费", 3, "E", "invalid_value"),
            w("收费", 4, "E", "invalid_value"),
        ],
        "{err}"
    );
    let text = err.to_string();
    assert!(text.contains("事项 第2行 G列(办件类型): 无法识别的办件类型“急办件”,可选:即办件、承诺件、联办件、上报件"), "{text}");
    assert!(
        text.contains("事项 第3行 J列(受理层级): 无法识别的受理层级“省级”"),
        "{text}"
    );
    assert!(
        text.contains("材料 第4行 A列(事项编码): 找不到对应的事项行(事项编码“NOPE-1”,版本1)"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 10);
}

#[test]
fn missing_header_is_one_error_naming_it() {
    let mut s = read_sheets(&export(&catalog(), Format::Xlsx).unwrap());
    let c = s[0].1[0].iter().position(|x| x == "承诺时限").unwrap();
    for r in s[0].1.iter_mut() {
        r.remove(c);
    }
    let err = import(&write_sheets(&s), Format::Xlsx).unwrap_err();
    assert_eq!(err.errors.len(), 1, "{err}");
    let e = &err.errors[0];
    assert_eq!(
        (
            e.sheet.as_str(),
            e.row,
            e.column.as_str(),
            e.header.as_str()
        ),
        ("事项", 1, "", "承诺时限")
    );
    assert_eq!(e.code, "missing_column");
    assert_eq!(
        err.to_string(),
        "事项 第1行 (承诺时限): 缺少必需的列“承诺时限”"
    );
}

#[test]
fn missing_sheet_and_duplicate_column_are_reported() {
    let mut s = read_sheets(&export(&catalog(), Format::Xlsx).unwrap());
    s.remove(3);
    let name_col = s[1].1[0].iter().position(|x| x == "材料名称").unwrap();
    s[1].1[0].push("材料名称".into());
    let err = import(&write_sheets(&s), Format::Xlsx).unwrap_err();
    let dup_col = yizhan_col(s[1].1[0].len() - 1);
    assert_eq!(
        where_(&err),
        vec![
            w("材料", 1, &dup_col, "duplicate_column"),
            w("收费", 0, "", "missing_sheet")
        ],
        "{err}"
    );
    assert!(err.errors[0].message.contains(&yizhan_col(name_col)));
}

fn yizhan_col(i: usize) -> String {
    let mut s = String::new();
    let mut i = i + 1;
    while i > 0 {
        s.insert(0, (b'A' + ((i - 1) % 26) as u8) as char);
        i = (i - 1) / 26;
    }
    s
}

#[test]
fn validation_errors_land_on_their_cells() {
    let mut bad = promised();
    bad.promised_limit_days = 25; // > statutory 20; also stages now fine
    bad.materials[1].condition.clear(); // conditional material without its condition
    bad.materials[2].count = 0;
    let mut free = with_fees();
    free.fees[1].basis.clear(); // 工本费 10.50 without basis
    let mut j = joint();
    j.stages[2].limit_days = 20; // parallel group now needs 20 > promised 12
    let mut imm = immediate();
    imm.name = "  ".into();
    let items = vec![imm, bad, free, j];
    for f in [Format::Xlsx, Format::Csv] {
        let err = import(&export(&items, f).unwrap(), f).unwrap_err();
        let got = where_(&err);
        let expect = match f {
            // Sheets: 事项 rows 2..5 = imm, bad, free, joint. 材料: imm has 1 row (2), bad 3 (3..5).
            // 环节: imm 1 row (2), bad 3 (3..5), free 3 (6..8), joint 5 (9..13). 收费: free rows 2..5.
            Format::Xlsx => vec![
                w("事项", 2, "E", "required"),
                w("事项", 3, "O", "promised_exceeds_statutory"),
                w("材料", 4, "H", "required"),
                w("材料", 5, "F", "invalid_count"),
                w("环节", 9, "F", "stages_exceed_promised"),
                w("收费", 3, "F", "required"),
            ],
            // CSV: one header row, then 4 item rows, 10 materials (6..15), 12 stages (16..27),
            // 4 fees (28..31); columns are the union's.
            Format::Csv => {
                let c = |h: &str| {
                    let text = String::from_utf8(export(&[], Format::Csv).unwrap()).unwrap();
                    let header: Vec<&str> = text
                        .trim_start_matches('\u{feff}')
                        .trim_end()
                        .split(',')
                        .collect();
                    yizhan_col(header.iter().position(|x| *x == h).unwrap())
                };
                vec![
                    w("事项", 2, &c("事项名称"), "required"),
                    w("事项", 3, &c("承诺时限"), "promised_exceeds_statutory"),
                    w("材料", 8, &c("适用情形"), "required"),
                    w("材料", 9, &c("份数"), "invalid_count"),
                    w("环节", 23, &c("环节时限"), "stages_exceed_promised"),
                    w("收费", 29, &c("收费依据"), "required"),
                ]
            }
        };
        assert_eq!(got, expect, "{f:?}: {err}");
    }
}

#[test]
fn validation_follows_seq_not_row_order() {
    // Materials listed out of order: 序号 decides which is materials[2].
    let mut bad = promised();
    bad.materials[2].count = 0;
    let mut s = read_sheets(&export(&[bad], Format::Xlsx).unwrap());
    s[1].1.swap(1, 3); // rows 2 and 4 swap: the 序号 3 material is now on row 2
    let err = import(&write_sheets(&s), Format::Xlsx).unwrap_err();
    assert_eq!(
        where_(&err),
        vec![w("材料", 2, "F", "invalid_count")],
        "{err}"
    );
}

#[test]
fn item_without_stages_reports_on_its_row() {
    let mut bad = promised();
    bad.stages.clear();
    let err = import(&export(&[bad], Format::Xlsx).unwrap(), Format::Xlsx).unwrap_err();
    let e = &err.errors[0];
    assert_eq!(
        (e.sheet.as_str(), e.row, e.header.as_str(), e.code.as_str()),
        ("事项", 2, "办理环节", "required")
    );
}

#[test]
fn duplicate_seq_is_reported() {
    let mut s = read_sheets(&export(&[promised()], Format::Xlsx).unwrap());
    set(&mut s, 2, 4, "序号", "2");
    let err = import(&write_sheets(&s), Format::Xlsx).unwrap_err();
    assert_eq!(
        where_(&err),
        vec![w("环节", 4, "C", "duplicate_seq")],
        "{err}"
    );
}

/// Edits one CSV cell, found by the row's 表 + 序号-free row index and the header.
fn csv_set(text: &str, row: usize, header: &str, v: &str) -> String {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let mut recs: Vec<Vec<String>> = rdr
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    let c = recs[0].iter().position(|x| x == header).unwrap();
    recs[row - 1][c] = v.into();
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in recs {
        w.write_record(r).unwrap();
    }
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

#[test]
fn csv_problems_are_located() {
    let text = String::from_utf8(export(&catalog(), Format::Csv).unwrap()).unwrap();
    let header: Vec<String> = text
        .lines()
        .next()
        .unwrap()
        .trim_start_matches('\u{feff}')
        .split(',')
        .map(String::from)
        .collect();
    let col = |h: &str| yizhan_col(header.iter().position(|x| x == h).unwrap());
    let t = csv_set(&text, 2, "网办程度", "全部网办");
    let t = csv_set(&t, 3, "到现场次数", "-1");
    let t = csv_set(&t, 7, "表", "附件");
    let t = csv_set(&t, 8, "材料形式", "扫描件");
    let err = import(t.as_bytes(), Format::Csv).unwrap_err();
    assert_eq!(
        where_(&err),
        vec![
            // File-level problems (the row's sheet is unknown) come first.
            w("CSV", 7, "A", "invalid_value"),
            w("事项", 2, &col("网办程度"), "invalid_value"),
            w("事项", 3, &col("到现场次数"), "invalid_value"),
            w("材料", 8, &col("材料形式"), "invalid_value"),
        ],
        "{err}"
    );
}

#[test]
fn csv_missing_column_and_bad_encoding() {
    let text = String::from_utf8(export(&catalog(), Format::Csv).unwrap()).unwrap();
    let t = text.replacen("环节时限", "时限", 1);
    let err = import(t.as_bytes(), Format::Csv).unwrap_err();
    assert_eq!(
        where_(&err),
        vec![w("CSV", 1, "", "missing_column")],
        "{err}"
    );
    assert_eq!(err.errors[0].header, "环节时限");

    // A GBK byte sequence where UTF-8 was expected (a file saved as plain "CSV" by Excel).
    let mut bytes = text.into_bytes();
    let at = bytes.windows(3).position(|w| w == "王".as_bytes()).unwrap();
    bytes[at..at + 3].copy_from_slice(&[0xCD, 0xF5, b' ']);
    let err = import(&bytes, Format::Csv).unwrap_err();
    assert_eq!(err.errors.len(), 1, "{err}");
    assert_eq!(
        (err.errors[0].row, err.errors[0].code.as_str()),
        (2, "invalid_encoding")
    );
    assert_eq!(err.errors[0].header, "责任人");
}

#[test]
fn garbage_is_an_error_not_a_panic() {
    let e = import(b"not a zip", Format::Xlsx).unwrap_err();
    assert_eq!(e.errors[0].code, "unreadable_file");
    let e = import(b"", Format::Csv).unwrap_err();
    assert_eq!(e.errors[0].code, "empty_file");
    let e: Vec<CellError> = import(b"a,b\n1,2\n", Format::Csv).unwrap_err().errors;
    assert_eq!(e[0].code, "missing_column");
}

// ---------------------------------------------------------------------------------------------
// Property tests

/// Free text as people write it: Chinese, quotes, commas, newlines, spaces at the ends,
/// things that look like formulas or escapes.
fn text() -> impl Strategy<Value = String> {
    prop::string::string_regex(
        "[a-zA-Z0-9 ,.;:\"'\n\r\t=+@_()（）、，。“”《》中华人民共和国事项材料申请_x000D_-]{0,30}",
    )
    .unwrap()
}

fn non_blank() -> impl Strategy<Value = String> {
    (text(), "[a-z办理申请]{1,3}").prop_map(|(t, k)| format!("{t}{k}"))
}

fn code() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_-]{1,36}"
}

fn level() -> impl Strategy<Value = Level> {
    prop::sample::select(Level::ALL.to_vec())
}

fn material() -> impl Strategy<Value = Material> {
    (
        non_blank(),
        prop::sample::select(MaterialForm::ALL),
        1u32..10,
        any::<bool>(),
        non_blank(),
        text(),
        text(),
        text(),
        any::<bool>(),
    )
        .prop_map(
            |(name, form, count, mandatory, condition, issuer, template, note, agent)| Material {
                name,
                form,
                count,
                mandatory,
                condition: if mandatory { String::new() } else { condition },
                issuer,
                template,
                note,
                agent_authorization: agent,
            },
        )
}

fn fee() -> impl Strategy<Value = Fee> {
    (non_blank(), 0i64..10_000_000_000, non_blank()).prop_map(|(name, amount_fen, basis)| Fee {
        name,
        amount_fen,
        basis,
    })
}

fn item() -> impl Strategy<Value = CatalogItem> {
    let head = (
        code(),
        1u32..1000,
        prop::sample::select(ItemStatus::ALL),
        prop::option::of("[0-9A-Z]{18,36}"),
        non_blank(),
        prop::sample::select(ItemType::ALL),
        prop::sample::select(ItemKind::ALL),
        "[1-9][0-9]{5}([0-9]{6})?",
        "[a-z]{2,6}",
        (level(), level()),
    );
    let body = (
        (non_blank(), non_blank()),
        prop::collection::vec(material(), 0..4),
        prop::collection::vec(
            (
                non_blank(),
                "[a-z]{2,5}",
                1u32..5,
                prop::option::of(0u32..3),
            ),
            1..5,
        ),
        prop::collection::vec(fee(), 0..3),
        (text(), text(), non_blank(), text(), text(), text()),
        (prop::sample::select(OnlineLevel::ALL), 0u32..=5),
        prop::collection::btree_set(prop::sample::select(ServiceObject::ALL), 1..4),
        prop::collection::vec(text(), 0..3),
        (any::<bool>(), text(), text()),
    );
    (head, body).prop_map(|(h, b)| {
        let (code, version, status, impl_code, name, item_type, kind, region, department, (l1, l2)) = h;
        let ((legal_basis, conditions), materials, stages, fees, strs, (online, visits), objects, themes, tail) = b;
        let (place, hours, responsible_unit, responsible_person, consult_phone, complaint_phone) = strs;
        let (proxy_allowed, result_name, faq) = tail;
        // Make the generated combination satisfy the domain rules, which import enforces.
        let (decide_level, accept_levels) = match kind {
            ItemKind::Forwarded => (Level::City, vec![Level::Village]),
            _ => (l1.min(l2), vec![l1.max(l2)]),
        };
        let mut stages: Vec<Stage> = stages
            .into_iter()
            .enumerate()
            .map(|(i, (name, dept, limit, group))| Stage {
                name,
                department: if kind == ItemKind::Joint && i == 0 { "lead".into() } else { dept },
                limit_days: if kind == ItemKind::Immediate { 0 } else { limit },
                parallel_group: group,
            })
            .collect();
        if kind == ItemKind::Joint {
            stages.push(Stage { name: "会签".into(), department: "other".into(), limit_days: 1, parallel_group: None });
        }
        let mut it = CatalogItem {
            code,
            version,
            status,
            implementation_code: impl_code.unwrap_or_default(),
            name,
            item_type,
            kind,
            region_code: RegionCode::parse(&region).unwrap(),
            department,
            accept_levels,
            decide_level,
            legal_basis,
            conditions,
            materials,
            stages,
            statutory_limit_days: 0,
            promised_limit_days: 0,
            fees,
            place,
            hours,
            responsible_unit,
            responsible_person,
            consult_phone: consult_phone.trim().to_string(),
            complaint_phone: complaint_phone.trim().to_string(),
            online,
            visits,
            service_objects: objects.into_iter().collect(),
            themes,
            proxy_allowed,
            result_name,
            faq,
        };
        if kind != ItemKind::Immediate {
            it.promised_limit_days = it.stages_total_days();
            it.statutory_limit_days = it.law_ceiling_days().max(it.promised_limit_days);
            if it.statutory_limit_days > it.law_ceiling_days() && item_type == ItemType::Licensing {
                it.item_type = ItemType::PublicService;
            }
        }
        it
    })
}

fn catalogs() -> impl Strategy<Value = Vec<CatalogItem>> {
    prop::collection::vec(item(), 0..4).prop_map(|mut v| {
        // (code, version) identifies a row; make them unique.
        for (i, it) in v.iter_mut().enumerate() {
            it.version = it.version * 10 + i as u32;
        }
        v
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn generated_items_are_valid(items in catalogs()) {
        for it in &items {
            prop_assert_eq!(it.validate(), Ok(()));
        }
    }

    #[test]
    fn valid_catalogs_round_trip_xlsx(items in catalogs()) {
        let bytes = export(&items, Format::Xlsx).unwrap();
        prop_assert_eq!(import(&bytes, Format::Xlsx)?, items);
    }

    #[test]
    fn valid_catalogs_round_trip_csv(items in catalogs()) {
        let bytes = export(&items, Format::Csv).unwrap();
        let back = import(&bytes, Format::Csv)?;
        prop_assert_eq!(&back, &items);
        prop_assert_eq!(export(&back, Format::Csv).unwrap(), bytes);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2000)) {
        let _ = import(&bytes, Format::Xlsx);
        let _ = import(&bytes, Format::Csv);
    }

    #[test]
    fn damaged_files_never_panic(edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)) {
        for f in [Format::Xlsx, Format::Csv] {
            let mut bytes = export(&catalog(), f).unwrap();
            for (i, b) in &edits {
                let i = i.index(bytes.len());
                bytes[i] = *b;
            }
            let _ = import(&bytes, f);
            // Truncation is the most common real damage (interrupted upload).
            let cut = edits[0].0.index(bytes.len());
            let _ = import(&bytes[..cut], f);
        }
    }
}

#[test]
fn awkward_text_survives_both_formats() {
    let mut it = promised();
    it.legal_basis = " 前后有空格 \r\n第二行\t制表,\"引号\"\n".into();
    it.conditions = "_x000D_ 是字面文字 _x0041_, =SUM(A1), @cmd, +1, -2".into();
    it.faq = "\u{1}控制字符\u{1f}".into();
    it.result_name = "=\"330100\"".into();
    it.themes = vec!["a、b".into(), "".into()];
    for f in [Format::Xlsx, Format::Csv] {
        assert_eq!(
            import(&export(&[it.clone()], f).unwrap(), f).unwrap(),
            vec![it.clone()],
            "{f:?}"
        );
    }
}

#[test]
fn title_rows_above_the_header_are_skipped() {
    let mut s = read_sheets(&export(&[promised()], Format::Xlsx).unwrap());
    s[0].1
        .insert(0, vec!["某县政务服务事项目录(2025年版)".to_string()]);
    s[0].1.insert(1, vec![]);
    assert_eq!(
        import(&write_sheets(&s), Format::Xlsx).unwrap(),
        vec![promised()]
    );
    // Rows are still numbered as Excel shows them.
    assert_eq!(s[0].1[2][6], "办件类型");
    s[0].1[3][6] = "急办件".into();
    let err = import(&write_sheets(&s), Format::Xlsx).unwrap_err();
    assert_eq!(
        where_(&err),
        vec![w("事项", 4, "G", "invalid_value")],
        "{err}"
    );
}
