//! Service item catalog (事项目录, §2): the items, their versions and the rules they must satisfy.

use crate::error::ValidationErrors;
use crate::region::{Level, RegionCode};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident { $($var:ident = $s:literal, $label:literal;)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($var),* }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$var),*];
            pub fn as_str(self) -> &'static str { match self { $($name::$var => $s),* } }
            pub fn label(self) -> &'static str { match self { $($name::$var => $label),* } }
            /// Accepts the stable code or the Chinese label (as found in spreadsheets).
            pub fn parse(s: &str) -> Option<$name> {
                let s = s.trim();
                $name::ALL.iter().copied().find(|v| v.as_str() == s || v.label() == s)
            }
        }
    };
}

code_enum!(
    /// 事项类型
    ItemType {
        Licensing = "licensing", "行政许可";
        Payment = "payment", "行政给付";
        Confirmation = "confirmation", "行政确认";
        Levy = "levy", "行政征收";
        Ruling = "ruling", "行政裁决";
        Reward = "reward", "行政奖励";
        OtherPower = "other_power", "其他行政权力";
        PublicService = "public_service", "公共服务";
    }
);

impl ItemType {
    /// GB/T 39046 事项类型 code.
    pub fn national_code(self) -> &'static str {
        match self {
            ItemType::Licensing => "01",
            ItemType::Levy => "04",
            ItemType::Payment => "05",
            ItemType::Confirmation => "07",
            ItemType::Reward => "08",
            ItemType::Ruling => "09",
            ItemType::OtherPower => "10",
            ItemType::PublicService => "20",
        }
    }
}

code_enum!(
    /// 办件类型
    ItemKind {
        Immediate = "immediate", "即办件";
        Promised = "promised", "承诺件";
        Joint = "joint", "联办件";
        Forwarded = "forwarded", "上报件";
    }
);

code_enum!(
    /// 网办程度
    OnlineLevel {
        FullOnline = "full_online", "全程网办";
        OnlinePrereview = "online_prereview", "网上预审";
        WindowOnly = "window_only", "窗口办理";
    }
);

impl OnlineLevel {
    /// Whether an applicant may file the item online (a window-only item is filed at a window or
    /// through a village agent, where the materials are seen).
    pub fn may_file_online(self) -> bool {
        self != OnlineLevel::WindowOnly
    }
}

code_enum!(
    /// 服务对象
    ServiceObject {
        Person = "person", "自然人";
        Enterprise = "enterprise", "企业法人";
        Institution = "institution", "事业法人";
        SocialOrg = "social_org", "社会组织法人";
        Other = "other", "其他组织";
    }
);

code_enum!(
    /// 版本状态
    ItemStatus {
        Draft = "draft", "草稿";
        Published = "published", "已发布";
        Superseded = "superseded", "已废止";
    }
);

code_enum!(
    /// 材料形式
    MaterialForm {
        Original = "original", "原件";
        Copy = "copy", "复印件";
        OriginalAndCopy = "original_and_copy", "原件和复印件";
        Electronic = "electronic", "电子材料";
    }
);

/// A required material (申请材料).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Material {
    pub name: String,
    pub form: MaterialForm,
    pub count: u32,
    /// Mandatory (必备) or only under a condition.
    pub mandatory: bool,
    /// The condition when not mandatory, e.g. "委托办理的".
    #[serde(default)]
    pub condition: String,
    /// 出具机构
    #[serde(default)]
    pub issuer: String,
    /// File name of the blank template offered for download.
    #[serde(default)]
    pub template: String,
    #[serde(default)]
    pub note: String,
    /// The applicant's authorization of an agent (授权委托书, 代办委托书): mandatory whenever a
    /// village agent or another person files for the applicant, whatever `mandatory` says.
    #[serde(default)]
    pub agent_authorization: bool,
}

/// A stage of the process (办理环节). Stages sharing a `parallel_group` run at the same time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Stage {
    pub name: String,
    /// Code of the handling department (see `Department::code`).
    pub department: String,
    pub limit_days: u32,
    #[serde(default)]
    pub parallel_group: Option<u32>,
}

/// A fee standard (收费标准). Amounts are in fen (分) to stay exact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Fee {
    pub name: String,
    pub amount_fen: i64,
    /// 收费依据
    pub basis: String,
}

/// 事项基本编码, the code an item keeps across its versions: letters, digits, `-` and `_`, at most
/// 36 characters (e.g. `330100-SP-001`).
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, pattern = "^[A-Za-z0-9_-]{1,36}$", example = "330100-SP-001")]
pub struct ItemCode(String);

impl ItemCode {
    /// The one rule for item codes (`CatalogItem::validate` applies it too). Nothing is trimmed: a
    /// code with a space in it is a different, invalid code, not a valid one mistyped.
    pub fn parse(s: &str) -> Result<ItemCode, ValidationErrors> {
        if s.trim().is_empty() {
            return Err(ValidationErrors::single(
                "code",
                "required",
                "事项编码不能为空",
            ));
        }
        if s.len() > 36
            || !s
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(ValidationErrors::single(
                "code",
                "invalid_code",
                "事项编码只能包含字母、数字、“-”和“_”,且不超过36位",
            ));
        }
        Ok(ItemCode(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ItemCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl TryFrom<String> for ItemCode {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        ItemCode::parse(&s).map_err(|e| e.to_string())
    }
}
impl From<ItemCode> for String {
    fn from(c: ItemCode) -> String {
        c.0
    }
}

/// One version of a catalog item. `code` + `version` identify it; a case keeps both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CatalogItem {
    /// 基本编码 (stable across versions)
    pub code: String,
    pub version: u32,
    pub status: ItemStatus,
    /// 实施编码
    #[serde(default)]
    pub implementation_code: String,
    pub name: String,
    pub item_type: ItemType,
    pub kind: ItemKind,
    /// Region that owns the entry (the city for city-wide items).
    pub region_code: RegionCode,
    /// Code of the handling department (承办部门).
    pub department: String,
    /// Levels that may accept applications.
    pub accept_levels: Vec<Level>,
    /// Level that decides.
    pub decide_level: Level,
    /// 办事依据
    pub legal_basis: String,
    /// 受理条件
    pub conditions: String,
    pub materials: Vec<Material>,
    pub stages: Vec<Stage>,
    /// 法定时限 (working days)
    pub statutory_limit_days: u32,
    /// 承诺时限 (working days)
    pub promised_limit_days: u32,
    /// Empty when free (不收费).
    pub fees: Vec<Fee>,
    /// 办理地点
    pub place: String,
    /// 办理时间
    pub hours: String,
    /// 承办机构
    pub responsible_unit: String,
    /// 责任人
    pub responsible_person: String,
    /// 咨询电话
    pub consult_phone: String,
    /// 监督投诉电话
    pub complaint_phone: String,
    pub online: OnlineLevel,
    /// 到现场次数
    pub visits: u32,
    pub service_objects: Vec<ServiceObject>,
    /// Life events / themes (生育, 就业, 建房 …) used by the public portal.
    #[serde(default)]
    pub themes: Vec<String>,
    /// Village agents may file it (村代办).
    #[serde(default)]
    pub proxy_allowed: bool,
    /// 结果名称 (e.g. 食品经营许可证)
    #[serde(default)]
    pub result_name: String,
    /// 常见问题
    #[serde(default)]
    pub faq: String,
}

impl CatalogItem {
    /// The accepting place for an applicant living in `home` (at `home_level`): the lowest level
    /// at or above the applicant's own that the item lets accept ("小事不出村,大事不出乡").
    pub fn accepting_place(&self, home: &RegionCode, home_level: Level) -> Option<RegionCode> {
        Level::ALL
            .iter()
            .rev()
            .filter(|l| **l <= home_level)
            .find(|l| self.accept_levels.contains(l))
            .map(|l| home.ancestor(*l))
    }

    pub fn is_free(&self) -> bool {
        self.fees.iter().all(|f| f.amount_fen == 0)
    }

    /// Working days the stages need: sequential stages add up, a parallel group counts its longest.
    pub fn stages_total_days(&self) -> u32 {
        let mut groups: BTreeMap<u32, u32> = BTreeMap::new();
        let mut total = 0;
        for s in &self.stages {
            match s.parallel_group {
                Some(g) => {
                    let e = groups.entry(g).or_insert(0);
                    *e = (*e).max(s.limit_days);
                }
                None => total += s.limit_days,
            }
        }
        total + groups.values().sum::<u32>()
    }

    /// The statutory ceiling the law sets for this kind of item (art. 42): 45 for joint items,
    /// 20 otherwise. Immediate items have no ceiling to check beyond their own.
    pub fn law_ceiling_days(&self) -> u32 {
        match self.kind {
            ItemKind::Joint => 45,
            _ => 20,
        }
    }

    /// Every problem at once, with field paths usable by a form or a spreadsheet report.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::default();
        let req = |e: &mut ValidationErrors, field: &str, v: &str, label: &str| {
            if v.trim().is_empty() {
                e.push(field, "required", format!("{label}不能为空"));
            }
        };
        crate::limits::check(&mut e, "name", &self.name, crate::limits::NAME);
        for (field, text) in [
            ("legal_basis", &self.legal_basis),
            ("conditions", &self.conditions),
            ("faq", &self.faq),
        ] {
            crate::limits::check(&mut e, field, text, crate::limits::LONG_TEXT);
        }
        if let Err(v) = ItemCode::parse(&self.code) {
            e.errors.extend(v.errors);
        }
        req(&mut e, "name", &self.name, "事项名称");
        req(&mut e, "department", &self.department, "承办部门");
        req(&mut e, "legal_basis", &self.legal_basis, "办事依据");
        req(&mut e, "conditions", &self.conditions, "受理条件");
        req(
            &mut e,
            "responsible_unit",
            &self.responsible_unit,
            "承办机构",
        );
        if self.accept_levels.is_empty() {
            e.push("accept_levels", "required", "至少指定一个受理层级");
        }
        if self.accept_levels.iter().any(|l| *l < self.decide_level) {
            e.push(
                "accept_levels",
                "accept_above_decide",
                "受理层级不能高于决定层级",
            );
        }
        if self.kind == ItemKind::Forwarded
            && !self.accept_levels.iter().any(|l| *l > self.decide_level)
        {
            e.push(
                "accept_levels",
                "forwarded_needs_lower_level",
                "上报件应由下级受理、上级决定",
            );
        }
        if self.promised_limit_days > self.statutory_limit_days {
            e.push(
                "promised_limit_days",
                "promised_exceeds_statutory",
                format!(
                    "承诺时限({}个工作日)不能超过法定时限({}个工作日)",
                    self.promised_limit_days, self.statutory_limit_days
                ),
            );
        }
        if self.kind == ItemKind::Immediate {
            if self.promised_limit_days != 0 {
                e.push(
                    "promised_limit_days",
                    "immediate_has_no_limit",
                    "即办件的承诺时限应为0(当场办结)",
                );
            }
        } else {
            if self.promised_limit_days == 0 {
                e.push(
                    "promised_limit_days",
                    "limit_required",
                    "非即办件的承诺时限应至少为1个工作日",
                );
            }
            if self.statutory_limit_days > self.law_ceiling_days()
                && self.item_type == ItemType::Licensing
            {
                e.push(
                    "statutory_limit_days",
                    "statutory_exceeds_law",
                    format!(
                        "行政许可的法定时限不能超过{}个工作日(行政许可法第42条)",
                        self.law_ceiling_days()
                    ),
                );
            }
            if self.stages.is_empty() {
                e.push("stages", "required", "至少需要一个办理环节");
            }
        }
        let staged = self.stages_total_days();
        if self.kind != ItemKind::Immediate && staged > self.promised_limit_days {
            e.push(
                "stages",
                "stages_exceed_promised",
                format!(
                    "各环节时限合计{}个工作日(并联环节取最长),超过承诺时限{}个工作日",
                    staged, self.promised_limit_days
                ),
            );
        }
        if self.kind == ItemKind::Joint {
            let depts: std::collections::BTreeSet<&str> =
                self.stages.iter().map(|s| s.department.as_str()).collect();
            if depts.len() < 2 {
                e.push(
                    "stages",
                    "joint_needs_departments",
                    "联办件至少需要两个部门的办理环节",
                );
            }
        }
        if self.service_objects.is_empty() {
            e.push("service_objects", "required", "至少指定一种服务对象");
        }
        if self.visits > 5 {
            e.push("visits", "too_many_visits", "到现场次数不应超过5次");
        }
        for (i, m) in self.materials.iter().enumerate() {
            if m.name.trim().is_empty() {
                e.push(
                    format!("materials[{i}].name"),
                    "required",
                    "材料名称不能为空",
                );
            }
            if m.count == 0 {
                e.push(
                    format!("materials[{i}].count"),
                    "invalid_count",
                    "份数至少为1",
                );
            }
            if !m.mandatory && m.condition.trim().is_empty() {
                e.push(
                    format!("materials[{i}].condition"),
                    "required",
                    "非必备材料须说明适用情形",
                );
            }
        }
        for (i, s) in self.stages.iter().enumerate() {
            if s.name.trim().is_empty() {
                e.push(format!("stages[{i}].name"), "required", "环节名称不能为空");
            }
            if s.department.trim().is_empty() {
                e.push(
                    format!("stages[{i}].department"),
                    "required",
                    "环节的办理部门不能为空",
                );
            }
            if s.limit_days == 0 && self.kind != ItemKind::Immediate {
                e.push(
                    format!("stages[{i}].limit_days"),
                    "invalid_limit",
                    "环节时限至少为1个工作日",
                );
            }
        }
        for (i, f) in self.fees.iter().enumerate() {
            if f.name.trim().is_empty() {
                e.push(
                    format!("fees[{i}].name"),
                    "required",
                    "收费项目名称不能为空",
                );
            }
            if f.amount_fen < 0 {
                e.push(
                    format!("fees[{i}].amount_fen"),
                    "negative_fee",
                    "收费金额不能为负数",
                );
            }
            if f.amount_fen > 0 && f.basis.trim().is_empty() {
                e.push(
                    format!("fees[{i}].basis"),
                    "required",
                    "收费项目须写明收费依据",
                );
            }
        }
        e.into_result(())
    }
}

/// Formats fen as yuan with two decimals, e.g. 1050 → "10.50".
pub fn format_yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let a = fen.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

/// Parses "10.5", "10.50", "10" (yuan) into fen; refuses more than two decimals.
pub fn parse_yuan(s: &str) -> Option<i64> {
    let s = s.trim().trim_end_matches('元');
    if s.is_empty() {
        return None;
    }
    let (neg, s) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, f),
        None => (s, ""),
    };
    if int.is_empty()
        || !int.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > 2
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let mut fen: i64 = int.parse::<i64>().ok()?.checked_mul(100)?;
    if !frac.is_empty() {
        let f: i64 = frac.parse().ok()?;
        fen += if frac.len() == 1 { f * 10 } else { f };
    }
    Some(if neg { -fen } else { fen })
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// A valid promised item to start tests from.
    #[test]
    fn an_applicant_goes_to_the_lowest_level_that_accepts() {
        let village = RegionCode::parse("330102001001").unwrap();
        let mut item = sample_item();
        item.accept_levels = vec![Level::Township, Level::County];
        assert_eq!(
            item.accepting_place(&village, Level::Village),
            Some(RegionCode::parse("330102001000").unwrap()),
            "小事不出乡: the township"
        );
        item.accept_levels = vec![Level::Village, Level::Township];
        assert_eq!(
            item.accepting_place(&village, Level::Village),
            Some(village.clone())
        );
        // A county resident cannot be sent down to a township.
        let county = RegionCode::parse("330102000000").unwrap();
        item.accept_levels = vec![Level::Township];
        assert_eq!(item.accepting_place(&county, Level::County), None);
    }

    /// A village agent's filing holds the applicant to the authorization: the item's own material
    /// flagged as such becomes mandatory (by the flag, not its name), or the standard one is added.
    #[test]
    fn a_proxy_filing_requires_the_applicants_authorization() {
        use crate::case::{Channel, ItemTerms, STANDARD_AUTHORIZATION};
        let mut item = sample_item();
        let letter = |name: &str, flag: bool| Material {
            name: name.into(),
            form: MaterialForm::Original,
            count: 1,
            mandatory: false,
            condition: "代办的".into(),
            issuer: String::new(),
            template: String::new(),
            note: String::new(),
            agent_authorization: flag,
        };
        item.materials.push(letter("村(社区)代办委托书", true));
        item.materials.push(letter("授权委托书(备用)", false));
        let n = item.materials.len();
        let proxy = ItemTerms::for_channel(&item, Channel::Proxy);
        assert_eq!(proxy.materials[n - 2], ("村(社区)代办委托书".into(), true));
        assert_eq!(proxy.materials[n - 1], ("授权委托书(备用)".into(), false));
        assert_eq!(proxy.materials.len(), n);
        for channel in [Channel::Window, Channel::Online] {
            assert_eq!(
                ItemTerms::for_channel(&item, channel).materials,
                ItemTerms::of(&item).materials
            );
        }
        // An item that names no authorization of its own: the standard one, mandatory.
        item.materials.truncate(n - 2);
        let proxy = ItemTerms::for_channel(&item, Channel::Proxy);
        assert_eq!(proxy.materials.len(), n - 1);
        assert_eq!(
            proxy.materials.last(),
            Some(&(STANDARD_AUTHORIZATION.to_string(), true))
        );
    }

    pub fn sample_item() -> CatalogItem {
        CatalogItem {
            code: "330100-SP-001".into(),
            version: 1,
            status: ItemStatus::Draft,
            implementation_code: "11330100MB0000000X4000112017001".into(),
            name: "食品经营许可".into(),
            item_type: ItemType::Licensing,
            kind: ItemKind::Promised,
            region_code: RegionCode::parse("330100").unwrap(),
            department: "scjg".into(),
            accept_levels: vec![Level::County],
            decide_level: Level::County,
            legal_basis: "《中华人民共和国食品安全法》第三十五条".into(),
            conditions: "有与经营的食品品种、数量相适应的经营场所".into(),
            materials: vec![Material {
                name: "食品经营许可申请书".into(),
                form: MaterialForm::Original,
                count: 1,
                mandatory: true,
                condition: String::new(),
                issuer: "申请人".into(),
                template: "食品经营许可申请书.docx".into(),
                note: String::new(),
                agent_authorization: false,
            }],
            stages: vec![
                Stage {
                    name: "受理".into(),
                    department: "scjg".into(),
                    limit_days: 1,
                    parallel_group: None,
                },
                Stage {
                    name: "审查".into(),
                    department: "scjg".into(),
                    limit_days: 5,
                    parallel_group: None,
                },
                Stage {
                    name: "决定".into(),
                    department: "scjg".into(),
                    limit_days: 2,
                    parallel_group: None,
                },
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
            themes: vec!["开办企业".into()],
            proxy_allowed: false,
            result_name: "食品经营许可证".into(),
            faq: String::new(),
        }
    }

    fn codes(item: &CatalogItem) -> Vec<String> {
        item.validate()
            .err()
            .map(|e| e.errors.into_iter().map(|f| f.code).collect())
            .unwrap_or_default()
    }

    #[test]
    fn item_codes_parse_once_with_a_field_message() {
        for good in ["330100-SP-001", "T_1", &"A".repeat(36)] {
            assert_eq!(ItemCode::parse(good).unwrap().as_str(), good);
        }
        let refused = |s: &str| {
            let e = ItemCode::parse(s).unwrap_err().errors.remove(0);
            (e.field, e.code, e.message)
        };
        assert_eq!(
            refused("  "),
            ("code".into(), "required".into(), "事项编码不能为空".into())
        );
        for bad in [
            "330100 SP 001",
            " 330100-SP-001",
            "事项1",
            "a/b",
            &"A".repeat(37),
        ] {
            let (field, code, message) = refused(bad);
            assert_eq!(
                (field.as_str(), code.as_str()),
                ("code", "invalid_code"),
                "{bad:?}"
            );
            assert!(message.contains("不超过36位"), "{message}");
        }
        // The item's own validation is the same rule.
        let mut i = sample_item();
        i.code = "330100 SP 001".into();
        assert_eq!(codes(&i), vec!["invalid_code"]);
        // JSON carries the plain string and is checked on the way in.
        let c = ItemCode::parse("330100-SP-001").unwrap();
        assert_eq!(serde_json::to_value(&c).unwrap(), "330100-SP-001");
        assert!(serde_json::from_value::<ItemCode>(serde_json::json!("a b")).is_err());
    }

    #[test]
    fn sample_is_valid() {
        assert_eq!(codes(&sample_item()), Vec::<String>::new());
    }

    #[test]
    fn promised_over_statutory_is_refused_on_its_field() {
        let mut i = sample_item();
        i.promised_limit_days = 25;
        let err = i.validate().unwrap_err();
        assert!(err
            .errors
            .iter()
            .any(|f| f.field == "promised_limit_days" && f.code == "promised_exceeds_statutory"));
    }

    #[test]
    fn parallel_group_counts_its_longest_stage() {
        let mut i = sample_item();
        i.kind = ItemKind::Joint;
        i.statutory_limit_days = 45;
        i.promised_limit_days = 10;
        i.stages = vec![
            Stage {
                name: "受理".into(),
                department: "zjj".into(),
                limit_days: 1,
                parallel_group: None,
            },
            Stage {
                name: "消防审查".into(),
                department: "xf".into(),
                limit_days: 6,
                parallel_group: Some(1),
            },
            Stage {
                name: "规划审查".into(),
                department: "zrzy".into(),
                limit_days: 8,
                parallel_group: Some(1),
            },
            Stage {
                name: "决定".into(),
                department: "zjj".into(),
                limit_days: 1,
                parallel_group: None,
            },
        ];
        assert_eq!(i.stages_total_days(), 10);
        assert!(i.validate().is_ok());
        i.stages[2].limit_days = 9;
        assert_eq!(codes(&i), vec!["stages_exceed_promised"]);
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let mut i = sample_item();
        i.name.clear();
        i.materials[0].count = 0;
        i.fees.push(Fee {
            name: "工本费".into(),
            amount_fen: 500,
            basis: String::new(),
        });
        let c = codes(&i);
        assert!(c.contains(&"required".to_string()));
        assert!(c.contains(&"invalid_count".to_string()));
        assert_eq!(i.validate().unwrap_err().errors.len(), 3);
    }

    #[test]
    fn immediate_items_have_zero_limit() {
        let mut i = sample_item();
        i.kind = ItemKind::Immediate;
        i.promised_limit_days = 0;
        i.stages = vec![Stage {
            name: "即办".into(),
            department: "scjg".into(),
            limit_days: 0,
            parallel_group: None,
        }];
        assert_eq!(codes(&i), Vec::<String>::new());
        i.promised_limit_days = 1;
        assert!(codes(&i).contains(&"immediate_has_no_limit".to_string()));
    }

    #[test]
    fn forwarded_items_accept_below_decide() {
        let mut i = sample_item();
        i.kind = ItemKind::Forwarded;
        assert!(codes(&i).contains(&"forwarded_needs_lower_level".to_string()));
        i.accept_levels = vec![Level::Township, Level::Village];
        assert!(i.validate().is_ok());
        i.accept_levels = vec![Level::City];
        assert!(codes(&i).contains(&"accept_above_decide".to_string()));
    }

    #[test]
    fn yuan_round_trip() {
        assert_eq!(parse_yuan("10.5"), Some(1050));
        assert_eq!(parse_yuan("0"), Some(0));
        assert_eq!(parse_yuan("3.456"), None);
        assert_eq!(parse_yuan("abc"), None);
        assert_eq!(format_yuan(1050), "10.50");
        for f in [0i64, 1, 99, 100, 123456] {
            assert_eq!(parse_yuan(&format_yuan(f)), Some(f));
        }
    }
}
