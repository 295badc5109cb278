//! Regions (行政区划) and service places (服务场所) of the four-level network (§1).
//!
//! Regions are keyed by 12-digit statistical division codes. The code itself encodes the tree:
//! a city keeps its first 4 digits, a county 6, a township 9, a village all 12, and zeros pad the
//! rest. So "is X inside Y's subtree" is a prefix test, which the stores turn into an index range.

use crate::error::ValidationErrors;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Level {
    City = 1,
    County = 2,
    Township = 3,
    Village = 4,
}

impl Level {
    pub const ALL: [Level; 4] = [Level::City, Level::County, Level::Township, Level::Village];

    /// Number of significant leading digits of a code at this level.
    pub fn prefix_len(self) -> usize {
        match self {
            Level::City => 4,
            Level::County => 6,
            Level::Township => 9,
            Level::Village => 12,
        }
    }
    pub fn as_i32(self) -> i32 {
        self as i32
    }
    pub fn from_i32(v: i32) -> Option<Level> {
        Level::ALL.into_iter().find(|l| *l as i32 == v)
    }
    /// Its word: the serde spelling (strum).
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    pub fn parse(s: &str) -> Option<Level> {
        match s.trim() {
            "city" | "市" | "市级" | "1" => Some(Level::City),
            "county" | "县" | "县级" | "区" | "2" => Some(Level::County),
            "township" | "乡镇" | "乡镇级" | "镇" | "街道" | "3" => Some(Level::Township),
            "village" | "村" | "村级" | "社区" | "4" => Some(Level::Village),
            _ => None,
        }
    }
    /// Name of the level as users see it.
    pub fn label(self) -> &'static str {
        match self {
            Level::City => "市级",
            Level::County => "县(市、区)级",
            Level::Township => "乡镇(街道)级",
            Level::Village => "村(社区)级",
        }
    }
    /// Name of the service place of a region at this level.
    pub fn place_label(self) -> &'static str {
        match self {
            Level::City => "市行政服务中心",
            Level::County => "县(市、区)行政服务中心",
            Level::Township => "乡镇(街道)便民服务中心",
            Level::Village => "村(社区)便民服务室",
        }
    }
    /// GB/T 39046 行使层级 code.
    pub fn national_code(self) -> &'static str {
        match self {
            Level::City => "3",
            Level::County => "4",
            Level::Township => "5",
            Level::Village => "6",
        }
    }
    pub fn parent(self) -> Option<Level> {
        match self {
            Level::City => None,
            Level::County => Some(Level::City),
            Level::Township => Some(Level::County),
            Level::Village => Some(Level::Township),
        }
    }
    pub fn child(self) -> Option<Level> {
        match self {
            Level::City => Some(Level::County),
            Level::County => Some(Level::Township),
            Level::Township => Some(Level::Village),
            Level::Village => None,
        }
    }
}

/// A 12-digit division code (行政区划代码). 6-digit codes are accepted and padded.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, pattern = "^[0-9]{6}([0-9]{3}){0,2}$", example = "441302000000")]
pub struct RegionCode(String);

impl RegionCode {
    pub fn parse(s: &str) -> Result<RegionCode, ValidationErrors> {
        let s = s.trim();
        let ok_len = s.len() == 12 || s.len() == 6 || s.len() == 9;
        if !ok_len || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ValidationErrors::single(
                "code",
                "invalid_region_code",
                "行政区划代码应为6位或12位数字",
            ));
        }
        let mut v = s.to_string();
        while v.len() < 12 {
            v.push('0');
        }
        Ok(RegionCode(v))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The significant prefix of this code when it names a region of `level`.
    pub fn prefix(&self, level: Level) -> &str {
        &self.0[..level.prefix_len()]
    }
    /// Is `other` inside the subtree rooted at `self` (which is a region of `level`)?
    pub fn contains(&self, level: Level, other: &RegionCode) -> bool {
        other.0.starts_with(self.prefix(level))
    }
    /// The level a code's shape implies: trailing zeros beyond a level's prefix.
    pub fn implied_level(&self) -> Level {
        let b = self.0.as_bytes();
        if b[9..12] != *b"000" {
            Level::Village
        } else if b[6..9] != *b"000" {
            Level::Township
        } else if b[4..6] != *b"00" {
            Level::County
        } else {
            Level::City
        }
    }
    /// Code of the ancestor at `level` (zero-padded prefix).
    pub fn ancestor(&self, level: Level) -> RegionCode {
        let mut v = self.prefix(level).to_string();
        while v.len() < 12 {
            v.push('0');
        }
        RegionCode(v)
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl TryFrom<String> for RegionCode {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        RegionCode::parse(&s).map_err(|e| e.to_string())
    }
}
impl From<RegionCode> for String {
    fn from(c: RegionCode) -> String {
        c.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Region {
    pub code: RegionCode,
    pub name: String,
    pub level: Level,
    pub parent: Option<RegionCode>,
}

impl Region {
    /// Checks that the code's shape, the level and the parent agree, so the prefix rule holds.
    pub fn validate(&self, parent: Option<&Region>) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::default();
        if self.name.trim().is_empty() {
            e.push("name", "required", "名称不能为空");
        }
        crate::limits::check(&mut e, "name", &self.name, crate::limits::NAME);
        if self.code.implied_level() != self.level {
            e.push(
                "code",
                "code_level_mismatch",
                format!("区划代码 {} 与层级“{}”不符", self.code, self.level.label()),
            );
        }
        match (self.level, parent) {
            (Level::City, None) => {}
            (Level::City, Some(_)) => e.push("parent", "city_has_no_parent", "市级区划不应有上级"),
            (_, None) => e.push("parent", "parent_required", "请指定上级区划"),
            (lvl, Some(p)) => {
                if p.level.child() != Some(lvl) {
                    e.push("parent", "parent_level", "上级区划的层级应比本级高一级");
                } else if !p.code.contains(p.level, &self.code) {
                    e.push(
                        "code",
                        "code_not_under_parent",
                        format!("区划代码应以上级代码 {} 开头", p.code.prefix(p.level)),
                    );
                }
            }
        }
        e.into_result(())
    }
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum PlaceKind {
    /// 行政服务中心 / 便民服务中心
    Center,
    /// 便民服务室
    Room,
}

impl PlaceKind {
    pub fn for_level(level: Level) -> PlaceKind {
        if level == Level::Village {
            PlaceKind::Room
        } else {
            PlaceKind::Center
        }
    }
    /// Its word: the serde spelling (strum).
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    pub fn parse(s: &str) -> Option<PlaceKind> {
        match s {
            "center" => Some(PlaceKind::Center),
            "room" => Some(PlaceKind::Room),
            _ => None,
        }
    }
}

/// A service window (窗口) of a center.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ServiceWindow {
    pub number: String,
    pub name: String,
    /// Department ids served at this window (综合窗口 serve several).
    #[serde(default)]
    pub departments: Vec<i64>,
}

/// One line of the construction checklist (§12: 四有 for township centers, 七有 for village rooms).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConstructionCheck {
    pub key: String,
    pub label: String,
    pub met: bool,
}

/// The construction checklist a place of `kind` is assessed against (§12).
pub fn construction_standard(kind: PlaceKind) -> Vec<(&'static str, &'static str)> {
    match kind {
        PlaceKind::Center => vec![
            ("premises", "有固定场所"),
            ("equipment", "有办公设备"),
            ("network", "有信息网络"),
            ("funds", "有工作经费"),
        ],
        PlaceKind::Room => vec![
            ("sign", "有标牌"),
            ("staff", "有人员"),
            ("premises", "有场所"),
            ("items", "有服务事项"),
            ("records", "有台帐记录"),
            ("rules", "有规章制度"),
            ("funds", "有工作经费"),
        ],
    }
}

/// The service place of a region (at most one per region).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ServicePlace {
    pub region_code: RegionCode,
    pub name: String,
    pub kind: PlaceKind,
    pub address: String,
    pub hours: String,
    pub phone: String,
    #[serde(default)]
    pub windows: Vec<ServiceWindow>,
    /// Ids of the departments stationed here (进驻部门).
    #[serde(default)]
    pub departments: Vec<i64>,
    #[serde(default)]
    pub construction: Vec<ConstructionCheck>,
}

impl ServicePlace {
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::default();
        if self.name.trim().is_empty() {
            e.push("name", "required", "场所名称不能为空");
        }
        if self.address.trim().is_empty() {
            e.push("address", "required", "地址不能为空");
        }
        crate::limits::check(&mut e, "name", &self.name, crate::limits::NAME);
        crate::limits::check(&mut e, "address", &self.address, crate::limits::LINE);
        crate::limits::check(&mut e, "phone", &self.phone, crate::limits::LINE);
        if !self.phone.is_empty()
            && !self
                .phone
                .chars()
                .all(|c| c.is_ascii_digit() || c == '-' || c == ' ')
        {
            e.push("phone", "invalid_phone", "电话只能包含数字和“-”");
        }
        for (i, w) in self.windows.iter().enumerate() {
            if w.number.trim().is_empty() {
                e.push(
                    format!("windows[{i}].number"),
                    "required",
                    "窗口编号不能为空",
                );
            }
        }
        e.into_result(())
    }
}

/// A department (部门), such as 县市场监督管理局, belonging to one region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Department {
    pub id: i64,
    pub region_code: RegionCode,
    /// Short code shared by the same kind of department at every level, e.g. `scjg` for 市场监管.
    pub code: String,
    pub name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    #[test]
    fn six_digit_codes_are_padded() {
        assert_eq!(c("330102").as_str(), "330102000000");
    }

    #[test]
    fn bad_codes_are_refused() {
        assert!(RegionCode::parse("33a102").is_err());
        assert!(RegionCode::parse("3301").is_err());
        assert!(RegionCode::parse("").is_err());
    }

    #[test]
    fn implied_levels() {
        assert_eq!(c("330100000000").implied_level(), Level::City);
        assert_eq!(c("330102000000").implied_level(), Level::County);
        assert_eq!(c("330102001000").implied_level(), Level::Township);
        assert_eq!(c("330102001001").implied_level(), Level::Village);
    }

    #[test]
    fn subtree_is_a_prefix_and_neighbours_are_outside() {
        let town = c("330102001000");
        assert!(town.contains(Level::Township, &c("330102001001")));
        assert!(town.contains(Level::Township, &town));
        assert!(!town.contains(Level::Township, &c("330102002001")));
        assert!(!town.contains(Level::Township, &c("330102000000")));
        assert_eq!(c("330102001001").ancestor(Level::County), c("330102"));
    }

    #[test]
    fn region_validation_checks_parent_and_shape() {
        let county = Region {
            code: c("330102"),
            name: "上城区".into(),
            level: Level::County,
            parent: Some(c("330100")),
        };
        let city = Region {
            code: c("330100"),
            name: "杭州市".into(),
            level: Level::City,
            parent: None,
        };
        assert!(city.validate(None).is_ok());
        assert!(county.validate(Some(&city)).is_ok());
        let stray = Region {
            code: c("340102"),
            ..county.clone()
        };
        let err = stray.validate(Some(&city)).unwrap_err();
        assert_eq!(err.errors[0].code, "code_not_under_parent");
        let wrong_level = Region {
            level: Level::Township,
            ..county
        };
        assert!(wrong_level.validate(Some(&city)).is_err());
    }
}
