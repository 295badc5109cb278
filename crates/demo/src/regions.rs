//! The fictional 青川市: its division tree, departments and service places.
//!
//! Codes follow the statistical pattern so they look real: districts 02, counties 2x, county-level
//! cities 8x; streets (街道) 00x, towns (镇) 1xx, townships (乡) 2xx; communities (社区) 00x,
//! villages (村) 2xx.

use domain::region::{
    construction_standard, ConstructionCheck, Department, PlaceKind, ServicePlace, ServiceWindow,
};
use domain::{Level, Region, RegionCode};

pub(crate) const CITY_NAME: &str = "青川市";
pub(crate) const CITY_PREFIX: &str = "3399";

/// 街道 / 镇 / 乡: streets have communities and no rural departments.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum TownKind {
    Street,
    Town,
    Xiang,
}

pub(crate) struct TownshipDef {
    pub name: &'static str,
    pub pinyin: &'static str,
    pub seq: &'static str,
    pub kind: TownKind,
    /// (name, pinyin, 3-digit sequence)
    pub villages: &'static [(&'static str, &'static str, &'static str)],
}

pub(crate) struct CountyDef {
    pub name: &'static str,
    pub pinyin: &'static str,
    /// Two digits after the city prefix.
    pub seq: &'static str,
    /// A district's public security is a branch of the city bureau (青川市公安局清江分局).
    pub is_district: bool,
    pub road: &'static str,
    pub townships: &'static [TownshipDef],
}

use TownKind::*;

pub(crate) const TREE: &[CountyDef] = &[
    CountyDef {
        name: "清江区",
        pinyin: "qingjiang",
        seq: "02",
        is_district: true,
        road: "滨江路",
        townships: &[
            TownshipDef {
                name: "江滨街道",
                pinyin: "jiangbin",
                seq: "001",
                kind: Street,
                villages: &[
                    ("滨江社区", "binjiang", "001"),
                    ("望江社区", "wangjiang", "002"),
                    ("南门社区", "nanmen", "003"),
                    ("柳岸社区", "liuan", "004"),
                    ("新河社区", "xinhe", "005"),
                ],
            },
            TownshipDef {
                name: "东湖街道",
                pinyin: "donghu",
                seq: "002",
                kind: Street,
                villages: &[
                    ("湖滨社区", "hubin", "001"),
                    ("东升社区", "dongsheng", "002"),
                    ("文昌社区", "wenchang", "003"),
                    ("桂花社区", "guihua", "004"),
                    ("金桥社区", "jinqiao", "005"),
                ],
            },
            TownshipDef {
                name: "城南街道",
                pinyin: "chengnan",
                seq: "003",
                kind: Street,
                villages: &[
                    ("南苑社区", "nanyuan", "001"),
                    ("杏林社区", "xinglin", "002"),
                    ("青石社区", "qingshi", "003"),
                    ("玉带社区", "yudai", "004"),
                    ("和平社区", "heping", "005"),
                ],
            },
            TownshipDef {
                name: "白鹭镇",
                pinyin: "bailu",
                seq: "101",
                kind: Town,
                villages: &[
                    ("鹭江社区", "lujiang", "001"),
                    ("鹭洲村", "luzhou", "201"),
                    ("沙埠村", "shabu", "202"),
                    ("荷塘村", "hetang", "203"),
                    ("下洋村", "xiayang", "204"),
                ],
            },
        ],
    },
    CountyDef {
        name: "云溪县",
        pinyin: "yunxi",
        seq: "21",
        is_district: false,
        road: "云溪大道",
        townships: &[
            TownshipDef {
                name: "城关镇",
                pinyin: "chengguan",
                seq: "101",
                kind: Town,
                villages: &[
                    ("县前社区", "xianqian", "001"),
                    ("溪口社区", "xikou", "002"),
                    ("北关村", "beiguan", "201"),
                    ("塘头村", "tangtou", "202"),
                    ("上坂村", "shangban", "203"),
                ],
            },
            TownshipDef {
                name: "石桥镇",
                pinyin: "shiqiao",
                seq: "102",
                kind: Town,
                villages: &[
                    ("桥头村", "qiaotou", "201"),
                    ("溪南村", "xinan", "202"),
                    ("枫树湾村", "fengshuwan", "203"),
                    ("上洋村", "shangyang", "204"),
                    ("岭脚村", "lingjiao", "205"),
                ],
            },
            TownshipDef {
                name: "龙潭镇",
                pinyin: "longtan",
                seq: "103",
                kind: Town,
                villages: &[
                    ("潭头村", "tantou", "201"),
                    ("金竹村", "jinzhu", "202"),
                    ("黄泥坑村", "huangnikeng", "203"),
                    ("后垟村", "houyang", "204"),
                    ("双溪村", "shuangxi", "205"),
                ],
            },
            TownshipDef {
                name: "桃源乡",
                pinyin: "taoyuan",
                seq: "201",
                kind: Xiang,
                villages: &[
                    ("桃花村", "taohua", "201"),
                    ("大坑村", "dakeng", "202"),
                    ("坳头村", "aotou", "203"),
                    ("竹林村", "zhulin", "204"),
                    ("高山村", "gaoshan", "205"),
                ],
            },
        ],
    },
    CountyDef {
        name: "枫林市",
        pinyin: "fenglin",
        seq: "81",
        is_district: false,
        road: "人民中路",
        townships: &[
            TownshipDef {
                name: "凤山街道",
                pinyin: "fengshan",
                seq: "001",
                kind: Street,
                villages: &[
                    ("凤鸣社区", "fengming", "001"),
                    ("锦绣社区", "jinxiu", "002"),
                    ("城西社区", "chengxi", "003"),
                    ("翠竹社区", "cuizhu", "004"),
                    ("五里亭社区", "wuliting", "005"),
                ],
            },
            TownshipDef {
                name: "官塘镇",
                pinyin: "guantang",
                seq: "101",
                kind: Town,
                villages: &[
                    ("塘南社区", "tangnan", "001"),
                    ("芦荻村", "ludi", "201"),
                    ("蒋家村", "jiangjia", "202"),
                    ("庙前村", "miaoqian", "203"),
                    ("长岗村", "changgang", "204"),
                ],
            },
            TownshipDef {
                name: "梅岭镇",
                pinyin: "meiling",
                seq: "102",
                kind: Town,
                villages: &[
                    ("梅坞村", "meiwu", "201"),
                    ("岭下村", "lingxia", "202"),
                    ("茶园村", "chayuan", "203"),
                    ("上宅村", "shangzhai", "204"),
                    ("西坑村", "xikeng", "205"),
                ],
            },
            TownshipDef {
                name: "大坪乡",
                pinyin: "daping",
                seq: "201",
                kind: Xiang,
                villages: &[
                    ("坪上村", "pingshang", "201"),
                    ("杨梅岙村", "yangmeiao", "202"),
                    ("石门村", "shimen", "203"),
                    ("云峰村", "yunfeng", "204"),
                    ("下坞村", "xiawu", "205"),
                ],
            },
        ],
    },
];

/// Construction items deliberately missing, so the coverage view (§12) has gaps to show.
/// Keyed by village pinyin (or township pinyin for a center).
const MISSING: &[(&str, &[&str])] = &[
    ("huangnikeng", &["records", "rules"]),
    ("gaoshan", &["sign", "funds", "records"]),
    ("xikeng", &["funds"]),
    ("aotou", &["records"]),
    ("yangmeiao", &["premises", "funds"]),
    ("xiawu", &["rules"]),
    ("daping", &["network"]),
];

pub(crate) fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).expect("demo region codes are well-formed")
}

pub(crate) fn city_code() -> RegionCode {
    code(&format!("{CITY_PREFIX}00000000"))
}
pub(crate) fn county_code(c: &CountyDef) -> RegionCode {
    code(&format!("{CITY_PREFIX}{}000000", c.seq))
}
pub(crate) fn township_code(c: &CountyDef, t: &TownshipDef) -> RegionCode {
    code(&format!("{CITY_PREFIX}{}{}000", c.seq, t.seq))
}
pub(crate) fn village_code(c: &CountyDef, t: &TownshipDef, v: &str) -> RegionCode {
    code(&format!("{CITY_PREFIX}{}{}{}", c.seq, t.seq, v))
}

/// All regions, parents before children.
pub fn regions() -> Vec<Region> {
    let city = city_code();
    let mut out = vec![Region {
        code: city.clone(),
        name: CITY_NAME.into(),
        level: Level::City,
        parent: None,
    }];
    for c in TREE {
        let cc = county_code(c);
        out.push(Region {
            code: cc.clone(),
            name: c.name.into(),
            level: Level::County,
            parent: Some(city.clone()),
        });
        for t in c.townships {
            let tc = township_code(c, t);
            out.push(Region {
                code: tc.clone(),
                name: t.name.into(),
                level: Level::Township,
                parent: Some(cc.clone()),
            });
            for (vn, _, vs) in t.villages {
                out.push(Region {
                    code: village_code(c, t, vs),
                    name: (*vn).into(),
                    level: Level::Village,
                    parent: Some(tc.clone()),
                });
            }
        }
    }
    out
}

/// Department codes of city and county governments, with their name suffix.
pub(crate) const CENTER_DEPTS: &[(&str, &str)] = &[
    ("scjg", "市场监督管理局"),
    ("zrzy", "自然资源和规划局"),
    ("mz", "民政局"),
    ("rs", "人力资源和社会保障局"),
    ("wj", "卫生健康局"),
    ("ga", "公安局"),
    ("zj", "住房和城乡建设局"),
    ("xf", "消防救援大队"),
    ("yb", "医疗保障局"),
    ("jy", "教育局"),
    ("nync", "农业农村局"),
    ("sf", "司法局"),
];

/// Department codes present at a township of `kind`.
pub(crate) fn township_dept_codes(kind: TownKind) -> &'static [&'static str] {
    match kind {
        Street => &["zh", "mz", "rs", "scjg", "sf"],
        Town | Xiang => &["zh", "mz", "rs", "scjg", "sf", "zrzy", "nync"],
    }
}

fn city_dept_name(code: &str, suffix: &str) -> String {
    let suffix = match code {
        // City-level naming differs from counties for these two.
        "wj" => "卫生健康委员会",
        "xf" => "消防救援支队",
        _ => suffix,
    };
    format!("{CITY_NAME}{suffix}")
}

fn county_dept_name(c: &CountyDef, code: &str, suffix: &str) -> String {
    if code == "ga" && c.is_district {
        let short = c.name.trim_end_matches('区');
        return format!("{CITY_NAME}公安局{short}分局");
    }
    format!("{}{suffix}", c.name)
}

/// The part of a township name before 街道/镇/乡, used in names of county field offices.
fn short_name(t: &TownshipDef) -> &'static str {
    t.name
        .trim_end_matches("街道")
        .trim_end_matches('镇')
        .trim_end_matches('乡')
}

fn township_dept_name(c: &CountyDef, t: &TownshipDef, code: &str) -> String {
    let s = short_name(t);
    match code {
        // Field offices (派出机构) of county departments carry the county department's name.
        "scjg" => format!("{}市场监督管理局{s}市场监督管理所", c.name),
        "zrzy" => format!("{}自然资源和规划局{s}自然资源所", c.name),
        "sf" => format!("{}司法局{s}司法所", c.name),
        "mz" => format!("{}社会事务办公室", t.name),
        "rs" => format!("{}人力资源和社会保障服务所", t.name),
        "nync" => format!("{}农业农村办公室", t.name),
        _ => format!("{}党政综合办公室", t.name),
    }
}

/// Every department, ids left 0 (the store assigns them).
pub fn departments() -> Vec<Department> {
    let mut out = Vec::new();
    let city = city_code();
    let dept = |region: &RegionCode, code: &str, name: String| Department {
        id: 0,
        region_code: region.clone(),
        code: code.into(),
        name,
    };
    for (code, suffix) in CENTER_DEPTS {
        out.push(dept(&city, code, city_dept_name(code, suffix)));
    }
    for c in TREE {
        let cc = county_code(c);
        for (code, suffix) in CENTER_DEPTS {
            out.push(dept(&cc, code, county_dept_name(c, code, suffix)));
        }
        for t in c.townships {
            let tc = township_code(c, t);
            for code in township_dept_codes(t.kind) {
                out.push(dept(&tc, code, township_dept_name(c, t, code)));
            }
        }
    }
    out
}

const CENTER_HOURS: &str = "周一至周五 上午8:30-12:00 下午14:00-17:30(法定节假日除外)";
const CITY_HOURS: &str =
    "周一至周五 上午8:30-12:00 下午14:00-17:30;周六上午9:00-12:00延时服务(部分事项);法定节假日除外";
const ROOM_HOURS: &str = "周一至周五 上午8:30-11:30 下午14:30-17:00;农忙时节可预约上门代办";

fn checklist(kind: PlaceKind, key: &str) -> Vec<ConstructionCheck> {
    let missing: &[&str] = MISSING
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, m)| *m)
        .unwrap_or(&[]);
    construction_standard(kind)
        .into_iter()
        .map(|(k, label)| ConstructionCheck {
            key: k.into(),
            label: label.into(),
            met: !missing.contains(&k),
        })
        .collect()
}

/// Windows of a city or county center: (number, name, department codes; empty = none).
const CENTER_WINDOWS: &[(&str, &str, &[&str])] = &[
    ("01", "综合受理窗口", &["*"]),
    ("02", "市场监管窗口", &["scjg"]),
    ("03", "不动产窗口", &["zrzy"]),
    ("04", "工程建设窗口", &["zj", "zrzy", "xf"]),
    ("05", "社会事务窗口", &["mz", "sf"]),
    ("06", "人力社保窗口", &["rs"]),
    ("07", "医保窗口", &["yb"]),
    ("08", "公安户籍窗口", &["ga"]),
    ("09", "卫生健康窗口", &["wj"]),
    ("10", "教育窗口", &["jy"]),
    ("11", "农业农村窗口", &["nync"]),
    ("12", "一口式收费窗口", &[]),
    ("13", "统一出件窗口", &[]),
    ("14", "投诉受理窗口", &[]),
];

const TOWNSHIP_WINDOWS: &[(&str, &str, &[&str])] = &[
    ("1", "综合受理窗口", &["*"]),
    ("2", "社会事务窗口", &["mz", "rs"]),
    ("3", "市场监管窗口", &["scjg"]),
    ("4", "村镇建设窗口", &["zrzy", "nync"]),
    ("5", "司法调解窗口", &["sf"]),
];

fn windows(
    defs: &[(&str, &str, &[&str])],
    region: &RegionCode,
    codes: &[&str],
    dept_id: &dyn Fn(&RegionCode, &str) -> Option<i64>,
) -> Vec<ServiceWindow> {
    defs.iter()
        .filter_map(|(number, name, wanted)| {
            let wanted: Vec<&str> = if wanted.first() == Some(&"*") {
                codes.to_vec()
            } else {
                wanted.to_vec()
            };
            let ids: Vec<i64> = wanted.iter().filter_map(|c| dept_id(region, c)).collect();
            // A window for departments this region lacks (e.g. 村镇建设 in a street) is left out.
            if !wanted.is_empty() && !wanted.iter().any(|c| codes.contains(c)) {
                return None;
            }
            Some(ServiceWindow {
                number: (*number).into(),
                name: (*name).into(),
                departments: ids,
            })
        })
        .collect()
}

/// One service place per region. `dept_id` maps (region, department code) to the store's id.
pub fn places(dept_id: &dyn Fn(&RegionCode, &str) -> Option<i64>) -> Vec<ServicePlace> {
    let mut out = Vec::new();
    let city = city_code();
    let center_codes: Vec<&str> = CENTER_DEPTS.iter().map(|(c, _)| *c).collect();
    let stationed = |region: &RegionCode, codes: &[&str]| {
        codes
            .iter()
            .filter_map(|c| dept_id(region, c))
            .collect::<Vec<_>>()
    };
    out.push(ServicePlace {
        region_code: city.clone(),
        name: "青川市行政服务中心".into(),
        kind: PlaceKind::Center,
        address: "青川市青川大道188号市民中心A座1-3楼".into(),
        hours: CITY_HOURS.into(),
        phone: "0599-87010000".into(),
        windows: windows(CENTER_WINDOWS, &city, &center_codes, dept_id),
        departments: stationed(&city, &center_codes),
        construction: checklist(PlaceKind::Center, "city"),
    });
    for (ci, c) in TREE.iter().enumerate() {
        let cc = county_code(c);
        out.push(ServicePlace {
            region_code: cc.clone(),
            name: format!("{}行政服务中心", c.name),
            kind: PlaceKind::Center,
            address: format!("{CITY_NAME}{}{}{}号", c.name, c.road, 66 + ci * 22),
            hours: CENTER_HOURS.into(),
            phone: format!("0599-8{}100000", ci + 2),
            windows: windows(CENTER_WINDOWS, &cc, &center_codes, dept_id),
            departments: stationed(&cc, &center_codes),
            construction: checklist(PlaceKind::Center, c.pinyin),
        });
        for (ti, t) in c.townships.iter().enumerate() {
            let tc = township_code(c, t);
            let codes = township_dept_codes(t.kind);
            let street = if t.kind == Street {
                format!("{}路", short_name(t))
            } else {
                format!("{}街", short_name(t))
            };
            out.push(ServicePlace {
                region_code: tc.clone(),
                name: format!("{}便民服务中心", t.name),
                kind: PlaceKind::Center,
                address: format!("{}{}{}{}号", c.name, t.name, street, 8 + ti * 13),
                hours: CENTER_HOURS.into(),
                phone: format!("0599-8{}{}{:02}000", ci + 2, ti + 3, ti * 11 + 10),
                windows: windows(TOWNSHIP_WINDOWS, &tc, codes, dept_id),
                departments: stationed(&tc, codes),
                construction: checklist(PlaceKind::Center, t.pinyin),
            });
            for (vi, (vn, vp, vs)) in t.villages.iter().enumerate() {
                let vc = village_code(c, t, vs);
                let committee = if vn.ends_with("社区") {
                    "社区居民委员会"
                } else {
                    "村民委员会"
                };
                let phone = format!(
                    "0599-8{}{}{}{:02}6{}",
                    ci + 2,
                    ti + 3,
                    vi + 5,
                    ti * 7 + vi * 3 + 10,
                    vi + 1
                );
                out.push(ServicePlace {
                    region_code: vc,
                    name: format!("{vn}便民服务室"),
                    kind: PlaceKind::Room,
                    address: format!("{}{}{vn}{committee}办公楼一楼", c.name, t.name),
                    hours: ROOM_HOURS.into(),
                    phone,
                    windows: vec![ServiceWindow {
                        number: "1".into(),
                        name: "便民代办窗口".into(),
                        departments: Vec::new(),
                    }],
                    departments: Vec::new(),
                    construction: checklist(PlaceKind::Room, vp),
                });
            }
        }
    }
    out
}
