//! The case (办件) and its lifecycle under the Administrative Licensing Law (行政许可法), §3.
//!
//! A case is the fold of its events. A command is decided by [`decide`], a pure function of the case,
//! the command, the actor, the time and the calendar; it returns the events to append or a typed
//! error. Events carry every computed date, so replaying them needs no calendar and always gives the
//! same case.
//!
//! Time rules (all in working days, art. 82):
//! - art. 32: correction notice within 5 days of receipt, else accepted as of the day of receipt;
//! - art. 42: decision within 20 days of acceptance (joint items 45); one extension of 10 (joint 15)
//!   by a department head, with the reason told to the applicant;
//! - art. 44: a grant is delivered within 10 days of the decision;
//! - art. 45: special procedures stop the clock; on resumption every open deadline moves by the
//!   working days spent suspended.

use crate::access::Role;
use crate::calendar::WorkingCalendar;
use crate::catalog::{CatalogItem, Fee, ItemKind, Stage};
use crate::region::RegionCode;
use chrono::{DateTime, NaiveDate, Utc};
pub use crypto::Suite;
use serde::{Deserialize, Serialize};

/// Working days for a correction notice after receipt (art. 32).
pub const CORRECTION_LIMIT_DAYS: u32 = 5;
/// Statutory decision limit (art. 42) and for joint handling.
pub const DECISION_LIMIT_DAYS: u32 = 20;
pub const JOINT_DECISION_LIMIT_DAYS: u32 = 45;
/// Extension lengths (art. 42).
pub const EXTENSION_DAYS: u32 = 10;
pub const JOINT_EXTENSION_DAYS: u32 = 15;
/// First review at a lower level (art. 43).
pub const FIRST_REVIEW_DAYS: u32 = 20;
/// Delivery limit after a grant (art. 44).
pub const DELIVERY_LIMIT_DAYS: u32 = 10;

pub use crate::time::local_date;

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum CaseState {
    /// 草稿 (online only)
    Draft,
    /// 已申报, awaiting pre-review (预审)
    Submitted,
    /// 补正: waiting for the applicant
    CorrectionRequested,
    /// 受理后审查中
    InReview,
    /// 特别程序中 (clock stopped)
    Suspended,
    /// 已决定 (grant or denial), awaiting delivery
    Decided,
    /// 已送达
    Delivered,
    /// 办结
    Completed,
    /// 不予受理
    Refused,
    /// 撤回
    Withdrawn,
    /// 终止
    Terminated,
}

impl CaseState {
    pub const ALL: [CaseState; 11] = [
        CaseState::Draft,
        CaseState::Submitted,
        CaseState::CorrectionRequested,
        CaseState::InReview,
        CaseState::Suspended,
        CaseState::Decided,
        CaseState::Delivered,
        CaseState::Completed,
        CaseState::Refused,
        CaseState::Withdrawn,
        CaseState::Terminated,
    ];
    /// Its word: the serde spelling (strum).
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    pub fn parse(s: &str) -> Option<CaseState> {
        s.parse().ok()
    }
    pub fn label(self) -> &'static str {
        match self {
            CaseState::Draft => "草稿",
            CaseState::Submitted => "已申报待预审",
            CaseState::CorrectionRequested => "待补正",
            CaseState::InReview => "审查中",
            CaseState::Suspended => "特别程序中",
            CaseState::Decided => "已决定待送达",
            CaseState::Delivered => "已送达",
            CaseState::Completed => "办结",
            CaseState::Refused => "不予受理",
            CaseState::Withdrawn => "已撤回",
            CaseState::Terminated => "已终止",
        }
    }
    /// No command changes a case in a final state.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            CaseState::Completed
                | CaseState::Refused
                | CaseState::Withdrawn
                | CaseState::Terminated
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// 网上申报
    Online,
    /// 窗口受理
    Window,
    /// 村代办
    Proxy,
}

impl Channel {
    pub fn label(self) -> &'static str {
        match self {
            Channel::Online => "网上申报",
            Channel::Window => "窗口申报",
            Channel::Proxy => "村级代办",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApplicantKind {
    Person,
    Enterprise,
}

/// Who applies. ID numbers and phones are personal data: shown masked in public views.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Applicant {
    pub kind: ApplicantKind,
    pub name: String,
    /// 居民身份证号码 or 统一社会信用代码
    pub id_number: String,
    pub phone: String,
    /// The applicant's account, when they apply online.
    #[serde(default)]
    pub user_id: Option<i64>,
}

/// The parts of the catalog item version a case is bound by, copied at filing so later versions
/// never change a case already filed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ItemTerms {
    pub code: String,
    pub version: u32,
    pub name: String,
    pub kind: ItemKind,
    pub department: String,
    pub statutory_limit_days: u32,
    pub promised_limit_days: u32,
    pub stages: Vec<Stage>,
    /// (material name, mandatory)
    pub materials: Vec<(String, bool)>,
    pub fees: Vec<Fee>,
    pub result_name: String,
    /// 事项类型: what the documents and messages say (`crate::wording`). `None` in cases filed
    /// before it was kept (left out of the JSON then, so their logs keep their hashes); their
    /// documents look the item version up in the catalog.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_type: Option<crate::catalog::ItemType>,
    /// 办事依据 as the item version states it: cited by every document of a type other than 行政许可.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub legal_basis: String,
}

/// The authorization an agent files with when the item names none of its own.
pub const STANDARD_AUTHORIZATION: &str = "授权委托书(申请人签名)";

impl ItemTerms {
    pub fn of(item: &CatalogItem) -> ItemTerms {
        ItemTerms {
            code: item.code.clone(),
            version: item.version,
            name: item.name.clone(),
            kind: item.kind,
            department: item.department.clone(),
            statutory_limit_days: item.statutory_limit_days,
            promised_limit_days: item.promised_limit_days,
            stages: item.stages.clone(),
            materials: item
                .materials
                .iter()
                .map(|m| (m.name.clone(), m.mandatory))
                .collect(),
            fees: item.fees.clone(),
            result_name: item.result_name.clone(),
            item_type: Some(item.item_type),
            legal_basis: item.legal_basis.clone(),
        }
    }

    /// How this case's documents and messages speak; a case filed before the type was kept speaks
    /// as a licence, as it did then, unless its documents fill the type in from the catalog.
    pub fn wording(&self) -> crate::wording::Wording {
        crate::wording::Wording::new(
            self.item_type
                .unwrap_or(crate::catalog::ItemType::Licensing),
            &self.legal_basis,
        )
    }

    /// The terms a case filed through `channel` is held to: the item's, and when someone files for
    /// the applicant (a village agent), the applicant's authorization of them is mandatory — the
    /// item's authorization material (`Material::agent_authorization`), or the standard
    /// 授权委托书 when the item names none.
    pub fn for_channel(item: &CatalogItem, channel: Channel) -> ItemTerms {
        let mut terms = ItemTerms::of(item);
        if channel == Channel::Proxy {
            let mut named = false;
            for (m, terms_m) in item.materials.iter().zip(terms.materials.iter_mut()) {
                if m.agent_authorization {
                    terms_m.1 = true;
                    named = true;
                }
            }
            if !named {
                terms
                    .materials
                    .push((STANDARD_AUTHORIZATION.to_string(), true));
            }
        }
        terms
    }
    pub fn is_joint(&self) -> bool {
        self.kind == ItemKind::Joint
    }
    pub fn decision_limit(&self) -> u32 {
        if self.is_joint() {
            JOINT_DECISION_LIMIT_DAYS
        } else {
            DECISION_LIMIT_DAYS
        }
    }
    /// The legal decision limit this case is measured by: the item's statutory limit, or the law's
    /// (20, joint 45) when the item gives none. Licensing items cannot exceed the law (validated).
    pub fn statutory_days(&self) -> u32 {
        if self.statutory_limit_days > 0 {
            self.statutory_limit_days
        } else {
            self.decision_limit()
        }
    }
    /// Who approves an extension (art. 42): the deciding body's head, or for a joint item the
    /// head of the people's government at that level (para. 2).
    pub fn extension_approver(&self) -> Role {
        if self.is_joint() {
            Role::GovernmentHead
        } else {
            Role::DepartmentHead
        }
    }

    pub fn extension_days(&self) -> u32 {
        if self.is_joint() {
            JOINT_EXTENSION_DAYS
        } else {
            EXTENSION_DAYS
        }
    }
    pub fn fee_total(&self) -> i64 {
        self.fees.iter().map(|f| f.amount_fen).sum()
    }
}

/// Its text form (`strum`) is the same as its JSON form, so forms and the API read one word alike.
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
pub enum MaterialStatus {
    /// 未收到
    Pending,
    /// 已收取,合格
    Received,
    /// 有缺陷
    Defective,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MaterialState {
    pub name: String,
    pub mandatory: bool,
    pub status: MaterialStatus,
    #[serde(default)]
    pub reason: String,
    /// SHA-256 of uploaded files for this material.
    #[serde(default)]
    pub files: Vec<String>,
}

/// A line of a correction notice (一次性告知).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Defect {
    pub material: String,
    pub reason: String,
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
pub enum SpecialProcedure {
    /// 听证
    Hearing,
    /// 招标、拍卖
    Bidding,
    /// 检验、检测、检疫
    Testing,
    /// 鉴定
    Appraisal,
    /// 专家评审
    ExpertReview,
}

impl SpecialProcedure {
    pub const ALL: [SpecialProcedure; 5] = [
        SpecialProcedure::Hearing,
        SpecialProcedure::Bidding,
        SpecialProcedure::Testing,
        SpecialProcedure::Appraisal,
        SpecialProcedure::ExpertReview,
    ];
    pub fn label(self) -> &'static str {
        match self {
            SpecialProcedure::Hearing => "听证",
            SpecialProcedure::Bidding => "招标、拍卖",
            SpecialProcedure::Testing => "检验、检测、检疫",
            SpecialProcedure::Appraisal => "鉴定",
            SpecialProcedure::ExpertReview => "专家评审",
        }
    }
    /// Its word: the serde spelling (strum).
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == s || p.label() == s)
    }
}

/// Its text form (`strum`) is the same as its JSON form, so forms and the API read one word alike.
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
pub enum PaymentMethod {
    Cash,
    Card,
    Online,
}

impl PaymentMethod {
    pub const ALL: [PaymentMethod; 3] = [
        PaymentMethod::Cash,
        PaymentMethod::Card,
        PaymentMethod::Online,
    ];

    pub fn label(self) -> &'static str {
        match self {
            PaymentMethod::Cash => "现金",
            PaymentMethod::Card => "刷卡",
            PaymentMethod::Online => "网上支付",
        }
    }

    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Its text form (`strum`) is the same as its JSON form, so forms and the API read one word alike.
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
pub enum DeliveryMethod {
    /// 窗口领取
    Window,
    /// 邮寄
    Post,
    /// 电子送达
    Electronic,
    /// 代办员转交
    Agent,
}

impl DeliveryMethod {
    pub fn label(self) -> &'static str {
        match self {
            DeliveryMethod::Window => "窗口领取",
            DeliveryMethod::Post => "邮寄送达",
            DeliveryMethod::Electronic => "电子送达",
            DeliveryMethod::Agent => "代办员转交",
        }
    }
}

/// Progress of one process stage after acceptance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StageProgress {
    pub name: String,
    pub department: String,
    pub limit_days: u32,
    pub parallel_group: Option<u32>,
    pub started_on: Option<NaiveDate>,
    pub due: Option<NaiveDate>,
    pub completed_on: Option<NaiveDate>,
    #[serde(default)]
    pub approved: Option<bool>,
    #[serde(default)]
    pub opinion: String,
    #[serde(default)]
    pub by: String,
}

impl StageProgress {
    pub fn is_active(&self) -> bool {
        self.started_on.is_some() && self.completed_on.is_none()
    }
}

/// The deadlines of a case. `None` until the event that sets it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Deadlines {
    /// art. 32: last day to send a correction notice.
    pub correction_due: Option<NaiveDate>,
    /// art. 42: legal decision deadline.
    pub statutory_due: Option<NaiveDate>,
    /// The center's committed deadline (承诺时限), measured by supervision.
    pub promised_due: Option<NaiveDate>,
    /// art. 44: delivery deadline after a grant.
    pub delivery_due: Option<NaiveDate>,
    /// art. 43: the lower level's first review (初审) is due 20 working days after acceptance.
    #[serde(default)]
    pub first_review_due: Option<NaiveDate>,
}

/// The record of who acted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ActorRef {
    /// `None` for the system itself (e.g. art. 32 automatic acceptance).
    pub user_id: Option<i64>,
    pub name: String,
    pub role: Option<Role>,
    /// The place (region) where the actor acted.
    pub place: Option<RegionCode>,
}

impl ActorRef {
    pub fn system() -> ActorRef {
        ActorRef {
            user_id: None,
            name: "系统".into(),
            role: None,
            place: None,
        }
    }
}

/// A role the actor holds, with the department code when the role is departmental.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActorRole {
    pub role: Role,
    pub region: RegionCode,
    pub level: crate::region::Level,
    pub department: Option<String>,
}

/// Who issues a command: their identity and every role they hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub name: String,
    pub roles: Vec<ActorRole>,
    /// True for the platform's own scheduled actions.
    pub system: bool,
}

impl Actor {
    pub fn system() -> Actor {
        Actor {
            user_id: None,
            name: "系统".into(),
            roles: vec![],
            system: true,
        }
    }
    /// The first role of `role` whose subtree covers `region` and (if given) matches `department`.
    /// A role without a department never matches a departmental check.
    fn find(
        &self,
        role: Role,
        region: &RegionCode,
        department: Option<&str>,
    ) -> Option<&ActorRole> {
        self.roles.iter().find(|r| {
            r.role == role
                && r.region.contains(r.level, region)
                && department.is_none_or(|d| r.department.as_deref() == Some(d))
        })
    }
}

/// The application as filed: who, for what, where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Filing {
    pub number: String,
    pub query_code: String,
    pub channel: Channel,
    pub applicant: Applicant,
    pub item: ItemTerms,
    /// Region of the center that accepts (受理) the case.
    pub place: RegionCode,
    /// Region of the unit that decides (same as `place` unless forwarded).
    pub decide_place: RegionCode,
    /// The applicant's own region (village or community).
    pub applicant_region: RegionCode,
    /// The village agent filing on the applicant's behalf.
    #[serde(default)]
    pub agent_user_id: Option<i64>,
    /// Free-form application content (表单).
    #[serde(default)]
    pub form: serde_json::Value,
    /// The crypto suite whose hash chains this case's log (the database's suite when filed).
    /// Left out of the JSON for `intl`, so logs sealed before suites existed keep their hashes.
    #[serde(default, skip_serializing_if = "is_intl")]
    pub suite: crypto::Suite,
}

fn is_intl(s: &crypto::Suite) -> bool {
    *s == crypto::Suite::Intl
}

/// The case as its events make it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    pub filing: Filing,
    pub state: CaseState,
    /// State to return to when a suspension ends.
    pub suspended_from: Option<CaseState>,
    pub suspended_on: Option<NaiveDate>,
    pub suspension: Option<(SpecialProcedure, u32)>,
    pub created_at: DateTime<Utc>,
    pub received_on: Option<NaiveDate>,
    pub accepted_on: Option<NaiveDate>,
    pub decided_on: Option<NaiveDate>,
    pub completed_on: Option<NaiveDate>,
    pub deadlines: Deadlines,
    pub materials: Vec<MaterialState>,
    pub stages: Vec<StageProgress>,
    pub correction_notices: u32,
    pub extended: bool,
    pub granted: Option<bool>,
    pub licence_no: Option<String>,
    pub fee_due_fen: i64,
    pub paid_fen: i64,
    pub refunded_fen: i64,
    /// Each payment's receipt and what has been refunded against it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub receipts: Vec<PaidReceipt>,
    pub suspended_days: u32,
    /// When the lower level forwarded its first review (初审) to the deciding level.
    #[serde(default)]
    pub forwarded_on: Option<NaiveDate>,
    /// Idempotency keys the snapshots before `case_keys` carried (issue 18): read from such a
    /// snapshot so a retry of a command from just before the upgrade is still a replay, never
    /// written again (the store moves them to `case_keys` on the case's next write). Not part of
    /// the record: the fold of the log leaves it empty.
    #[serde(default, skip_serializing)]
    pub recent_keys: Vec<IdempotencyKey>,
    /// Seq of the last event applied.
    pub version: u32,
    pub last_hash: String,
}

/// A payment's receipt on a case (收费票据) and how much of it has been refunded: a refund names
/// the receipt it returns money from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PaidReceipt {
    pub receipt_no: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paper_no: Option<String>,
    pub amount_fen: i64,
    pub method: PaymentMethod,
    pub refunded_fen: i64,
}

impl PaidReceipt {
    pub fn refundable_fen(&self) -> i64 {
        self.amount_fen - self.refunded_fen
    }
}

/// A client's idempotency key and the hash of the request it came with (method, path and body, as
/// the transport computes it), so a key sent again with another command is told apart from a
/// retry. Keys recorded before the hash was kept have none and are taken as retries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "StoredKey")]
pub struct IdempotencyKey {
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_hash: Option<String>,
}

impl IdempotencyKey {
    /// Whether `self`, arriving now, is the request `seen` recorded: `Some(true)` a retry,
    /// `Some(false)` the same key with another request, `None` another key.
    pub fn replays(&self, seen: &IdempotencyKey) -> Option<bool> {
        (self.key == seen.key)
            .then(|| seen.request_hash.is_none() || seen.request_hash == self.request_hash)
    }
}

/// Snapshots written before [`IdempotencyKey`] kept bare strings.
#[derive(Deserialize)]
#[serde(untagged)]
enum StoredKey {
    Bare(String),
    Full {
        key: String,
        #[serde(default)]
        request_hash: Option<String>,
    },
}

impl From<StoredKey> for IdempotencyKey {
    fn from(k: StoredKey) -> Self {
        match k {
            StoredKey::Bare(key) => IdempotencyKey {
                key,
                request_hash: None,
            },
            StoredKey::Full { key, request_hash } => IdempotencyKey { key, request_hash },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseError {
    #[error("当前状态“{state}”下不能{action}")]
    WrongState {
        state: &'static str,
        action: &'static str,
    },
    #[error("您无权{0}")]
    NotAllowed(&'static str),
    #[error("缺少必需材料:{0}")]
    MaterialMissing(String),
    #[error("请先上传必需材料再提交:{0}")]
    MaterialNotUploaded(String),
    #[error("补正通知须列明全部问题材料")]
    NoDefects,
    #[error("请填写{0}")]
    ReasonRequired(&'static str),
    #[error("仍有未完成的审查环节:{0}")]
    StagesPending(String),
    #[error("延期只能申请一次")]
    AlreadyExtended,
    #[error("联办事项延期须经本级人民政府负责人批准(行政许可法第四十二条第二款)")]
    GovernmentHeadRequired,
    #[error("尚未缴清费用(应缴{due}元,已缴{paid}元)")]
    FeeUnpaid { due: String, paid: String },
    #[error("收费金额超过标准:本件应缴{due}元,已缴{paid}元,本次{amount}元")]
    FeeAboveStandard {
        due: String,
        paid: String,
        amount: String,
    },
    #[error("本事项不收费")]
    FeeForFreeItem,
    #[error("金额无效")]
    InvalidAmount,
    #[error("退费金额不能超过已缴金额")]
    RefundTooLarge,
    #[error("本办件没有票据号为“{0}”的收费")]
    UnknownReceipt(String),
    #[error("退费金额超过该票据的可退金额({0}元)")]
    RefundAboveReceipt(String),
    #[error("纸质票据号“{0}”已登记")]
    PaperReceiptTaken(String),
    #[error("票据号“{0}”已使用")]
    ReceiptReused(String),
    #[error("该环节不存在或未开始")]
    NoSuchStage,
    #[error("材料序号无效")]
    NoSuchMaterial,
    #[error("即办件请使用“当场办结”")]
    UseImmediate,
    #[error("非即办件不能当场办结")]
    NotImmediate,
    #[error("有部门审查不同意,只能作出不予许可决定")]
    PartsDenied,
    #[error("本级初审尚未完成:{0}")]
    FirstReviewPending(String),
    #[error("没有可报送的上级服务中心")]
    NoHigherLevel,
}

impl CaseError {
    /// The command field the error is about, where it is about one.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            CaseError::UnknownReceipt(_) => Some("receipt_no"),
            CaseError::PaperReceiptTaken(_) => Some("paper_no"),
            CaseError::RefundTooLarge
            | CaseError::RefundAboveReceipt(_)
            | CaseError::InvalidAmount
            | CaseError::FeeAboveStandard { .. } => Some("amount"),
            _ => None,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            CaseError::WrongState { .. } => "wrong_state",
            CaseError::NotAllowed(_) => "not_allowed",
            CaseError::MaterialMissing(_) => "material_missing",
            CaseError::MaterialNotUploaded(_) => "material_not_uploaded",
            CaseError::NoDefects => "no_defects",
            CaseError::ReasonRequired(_) => "reason_required",
            CaseError::StagesPending(_) => "stages_pending",
            CaseError::AlreadyExtended => "already_extended",
            CaseError::GovernmentHeadRequired => "government_head_required",
            CaseError::FeeUnpaid { .. } => "fee_unpaid",
            CaseError::FeeAboveStandard { .. } => "fee_above_standard",
            CaseError::FeeForFreeItem => "fee_for_free_item",
            CaseError::InvalidAmount => "invalid_amount",
            CaseError::RefundTooLarge => "refund_too_large",
            CaseError::UnknownReceipt(_) => "unknown_receipt",
            CaseError::RefundAboveReceipt(_) => "refund_above_receipt",
            CaseError::PaperReceiptTaken(_) => "paper_receipt_taken",
            CaseError::ReceiptReused(_) => "receipt_reused",
            CaseError::NoSuchStage => "no_such_stage",
            CaseError::NoSuchMaterial => "no_such_material",
            CaseError::UseImmediate => "use_immediate",
            CaseError::NotImmediate => "not_immediate",
            CaseError::PartsDenied => "parts_denied",
            CaseError::FirstReviewPending(_) => "first_review_pending",
            CaseError::NoHigherLevel => "no_higher_level",
        }
    }
}

/// What an actor asks of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Command {
    UpdateDraft {
        applicant: Applicant,
        form: serde_json::Value,
    },
    Submit,
    UploadMaterial {
        index: usize,
        sha256: String,
    },
    MarkMaterial {
        index: usize,
        status: MaterialStatus,
        #[serde(default)]
        reason: String,
    },
    /// Sends the one-time correction notice. Empty `defects` means: every material marked defective
    /// or mandatory and not received.
    RequestCorrection {
        #[serde(default)]
        defects: Vec<Defect>,
    },
    Resubmit,
    Refuse {
        reasons: String,
    },
    Accept,
    /// art. 32: the system accepts a case whose correction window passed without a notice.
    AutoAccept,
    CompleteStage {
        index: usize,
        approved: bool,
        #[serde(default)]
        opinion: String,
    },
    /// 转办 (before acceptance, to the center above) or 转报 (after the first review, to the
    /// deciding level).
    Forward {
        #[serde(default)]
        reason: String,
    },
    Suspend {
        procedure: SpecialProcedure,
        reason: String,
        expected_days: u32,
    },
    Resume,
    Extend {
        reason: String,
    },
    Decide {
        granted: bool,
        #[serde(default)]
        reasons: String,
        #[serde(default)]
        licence_no: Option<String>,
    },
    /// Sets which fee standards apply and how many times (e.g. per certificate); amounts always
    /// come from the item's standards, so a charge above the standard cannot be assessed.
    AssessFees {
        lines: Vec<(usize, u32)>,
    },
    RecordPayment {
        amount_fen: i64,
        method: PaymentMethod,
        /// The electronic receipt number (电子票据号): issued by the platform from the center's
        /// counter as the command runs (`app::cases`), never taken from a caller.
        #[serde(skip)]
        receipt_no: String,
        /// The number of a paper receipt (纸质票据号) handed over beside it, if any: unique across
        /// the platform.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        paper_no: Option<String>,
    },
    Refund {
        amount_fen: i64,
        reason: String,
        /// The receipt of the payment refunded: one of the case's own.
        #[serde(default)]
        receipt_no: String,
    },
    Deliver {
        method: DeliveryMethod,
        recipient: String,
    },
    Complete,
    Withdraw {
        #[serde(default)]
        reason: String,
    },
    Terminate {
        reason: String,
    },
    /// 即办件: accepted, decided, delivered and completed on the spot.
    HandleImmediately {
        #[serde(default)]
        licence_no: Option<String>,
    },
}

impl Command {
    pub fn name(&self) -> &'static str {
        match self {
            Command::UpdateDraft { .. } => "update_draft",
            Command::Submit => "submit",
            Command::UploadMaterial { .. } => "upload_material",
            Command::MarkMaterial { .. } => "mark_material",
            Command::RequestCorrection { .. } => "request_correction",
            Command::Resubmit => "resubmit",
            Command::Refuse { .. } => "refuse",
            Command::Accept => "accept",
            Command::AutoAccept => "auto_accept",
            Command::CompleteStage { .. } => "complete_stage",
            Command::Forward { .. } => "forward",
            Command::Suspend { .. } => "suspend",
            Command::Resume => "resume",
            Command::Extend { .. } => "extend",
            Command::Decide { .. } => "decide",
            Command::AssessFees { .. } => "assess_fees",
            Command::RecordPayment { .. } => "record_payment",
            Command::Refund { .. } => "refund",
            Command::Deliver { .. } => "deliver",
            Command::Complete => "complete",
            Command::Withdraw { .. } => "withdraw",
            Command::Terminate { .. } => "terminate",
            Command::HandleImmediately { .. } => "handle_immediately",
        }
    }
    /// Chinese verb for messages ("当前状态下不能{verb}").
    pub fn verb(&self) -> &'static str {
        match self {
            Command::UpdateDraft { .. } => "修改草稿",
            Command::Submit => "提交",
            Command::UploadMaterial { .. } => "上传材料",
            Command::MarkMaterial { .. } => "核验材料",
            Command::RequestCorrection { .. } => "发出补正通知",
            Command::Resubmit => "重新提交",
            Command::Refuse { .. } => "不予受理",
            Command::Accept => "受理",
            Command::AutoAccept => "自动受理",
            Command::CompleteStage { .. } => "完成审查环节",
            Command::Forward { .. } => "转办或报送上级",
            Command::Suspend { .. } => "进入特别程序",
            Command::Resume => "结束特别程序",
            Command::Extend { .. } => "延期",
            Command::Decide { .. } => "作出决定",
            Command::AssessFees { .. } => "核定收费",
            Command::RecordPayment { .. } => "收费",
            Command::Refund { .. } => "退费",
            Command::Deliver { .. } => "送达",
            Command::Complete => "办结",
            Command::Withdraw { .. } => "撤回",
            Command::Terminate { .. } => "终止",
            Command::HandleImmediately { .. } => "当场办结",
        }
    }
}

/// The new event kinds plus who is recorded as acting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub events: Vec<EventKind>,
    pub actor: ActorRef,
}

/// Does a stage belong to the decision (决定) step, closed by the decision itself?
pub fn is_decision_stage(s: &Stage) -> bool {
    names_decision(&s.name)
}

/// The one place the vocabulary rule lives: a stage named …决定… is the decision step.
fn names_decision(name: &str) -> bool {
    name.contains("决定")
}

/// Stages after the decision (制证, 发证, 登簿 …) are closed by delivery.
fn after_decision(stages: &[StageProgress]) -> Option<usize> {
    stages.iter().position(|s| names_decision(&s.name))
}

mod decide;
mod events;
mod fold;
mod number;
pub use decide::*;
pub use events::*;
pub use number::CaseNumber;
