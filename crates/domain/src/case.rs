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
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Working days for a correction notice after receipt (art. 32).
pub const CORRECTION_LIMIT_DAYS: u32 = 5;
/// Statutory decision limit (art. 42) and for joint handling.
pub const DECISION_LIMIT_DAYS: u32 = 20;
pub const JOINT_DECISION_LIMIT_DAYS: u32 = 45;
/// Extension lengths (art. 42).
pub const EXTENSION_DAYS: u32 = 10;
pub const JOINT_EXTENSION_DAYS: u32 = 15;
/// How many recent idempotency keys a case remembers.
pub const RECENT_KEYS: usize = 32;
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
}

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
        }
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
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)] // `Filed` carries the filing once per case; boxing buys nothing
pub enum EventKind {
    /// The case exists (online draft, or filed at a window/room — then `Submitted` follows at once).
    Filed {
        filing: Filing,
    },
    DraftUpdated {
        applicant: Applicant,
        form: serde_json::Value,
    },
    /// Materials received: the art. 32 clock starts.
    Submitted {
        received_on: NaiveDate,
        correction_due: NaiveDate,
    },
    MaterialMarked {
        index: usize,
        status: MaterialStatus,
        reason: String,
    },
    MaterialUploaded {
        index: usize,
        sha256: String,
    },
    /// 补正材料通知 listing every defect; `repeat` marks a second (or later) notice.
    CorrectionRequested {
        defects: Vec<Defect>,
        repeat: bool,
        late: bool,
    },
    Resubmitted {
        received_on: NaiveDate,
        correction_due: NaiveDate,
    },
    /// 不予受理 with reasons and remedy.
    Refused {
        reasons: String,
    },
    /// 受理. `by_system` when art. 32 accepted it automatically as of receipt.
    Accepted {
        accepted_on: NaiveDate,
        by_system: bool,
        statutory_due: NaiveDate,
        promised_due: NaiveDate,
        /// Stages started at acceptance, with their due dates.
        started: Vec<(usize, NaiveDate)>,
        fee_total_fen: i64,
    },
    StageCompleted {
        index: usize,
        approved: bool,
        opinion: String,
        on: NaiveDate,
        started: Vec<(usize, NaiveDate)>,
    },
    /// art. 43: a case decided above its accepting level gets the lower level's first-review due date.
    FirstReviewStarted {
        due: NaiveDate,
    },
    /// 转报: the lower level finished its first review (初审); the deciding level takes over.
    Forwarded {
        on: NaiveDate,
        to: RegionCode,
        started: Vec<(usize, NaiveDate)>,
    },
    /// 转办: a center that cannot handle the case sends it, before acceptance, to the center above.
    Transferred {
        from: RegionCode,
        to: RegionCode,
        reason: String,
    },
    Suspended {
        procedure: SpecialProcedure,
        reason: String,
        expected_days: u32,
        on: NaiveDate,
    },
    /// Every open deadline moves by `shift_days` working days (art. 45).
    Resumed {
        on: NaiveDate,
        shift_days: u32,
        deadlines: Deadlines,
        stage_dues: Vec<(usize, NaiveDate)>,
    },
    Extended {
        days: u32,
        reason: String,
        statutory_due: NaiveDate,
        promised_due: NaiveDate,
    },
    Decided {
        granted: bool,
        reasons: String,
        licence_no: Option<String>,
        on: NaiveDate,
        delivery_due: Option<NaiveDate>,
        /// Stages the decision itself closes (the 决定 stage).
        completes: Vec<usize>,
    },
    /// The fee lines that apply to this case (standard × quantity), set by the window.
    FeesAssessed {
        lines: Vec<(usize, u32)>,
        total_fen: i64,
    },
    PaymentRecorded {
        amount_fen: i64,
        method: PaymentMethod,
        receipt_no: String,
    },
    Refunded {
        amount_fen: i64,
        reason: String,
    },
    Delivered {
        method: DeliveryMethod,
        recipient: String,
        on: NaiveDate,
        completes: Vec<usize>,
    },
    Completed {
        on: NaiveDate,
    },
    Withdrawn {
        reason: String,
    },
    Terminated {
        reason: String,
    },
}

impl EventKind {
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::Filed { .. } => "filed",
            EventKind::DraftUpdated { .. } => "draft_updated",
            EventKind::Submitted { .. } => "submitted",
            EventKind::MaterialMarked { .. } => "material_marked",
            EventKind::MaterialUploaded { .. } => "material_uploaded",
            EventKind::CorrectionRequested { .. } => "correction_requested",
            EventKind::Resubmitted { .. } => "resubmitted",
            EventKind::Refused { .. } => "refused",
            EventKind::Accepted { .. } => "accepted",
            EventKind::StageCompleted { .. } => "stage_completed",
            EventKind::FirstReviewStarted { .. } => "first_review_started",
            EventKind::Forwarded { .. } => "forwarded",
            EventKind::Transferred { .. } => "transferred",
            EventKind::Suspended { .. } => "suspended",
            EventKind::Resumed { .. } => "resumed",
            EventKind::Extended { .. } => "extended",
            EventKind::Decided { .. } => "decided",
            EventKind::FeesAssessed { .. } => "fees_assessed",
            EventKind::PaymentRecorded { .. } => "payment_recorded",
            EventKind::Refunded { .. } => "refunded",
            EventKind::Delivered { .. } => "delivered",
            EventKind::Completed { .. } => "completed",
            EventKind::Withdrawn { .. } => "withdrawn",
            EventKind::Terminated { .. } => "terminated",
        }
    }
    /// The line shown in a timeline (public view: no personal data).
    pub fn label(&self) -> String {
        match self {
            EventKind::Filed { filing } => format!("{}({})", "创建办件", filing.channel.label()),
            EventKind::DraftUpdated { .. } => "保存草稿".into(),
            EventKind::Submitted { .. } => "提交申请,材料已接收".into(),
            EventKind::MaterialMarked { status, .. } => match status {
                MaterialStatus::Received => "材料核验通过".into(),
                MaterialStatus::Defective => "材料存在问题".into(),
                MaterialStatus::Pending => "材料待收".into(),
            },
            EventKind::MaterialUploaded { .. } => "上传材料".into(),
            EventKind::CorrectionRequested {
                repeat, defects, ..
            } => {
                format!(
                    "发出补正材料通知(共{}项){}",
                    defects.len(),
                    if *repeat { ",再次补正" } else { "" }
                )
            }
            EventKind::Resubmitted { .. } => "补正后重新提交".into(),
            EventKind::Refused { .. } => "不予受理".into(),
            EventKind::Accepted { by_system, .. } => {
                if *by_system {
                    "逾期未告知补正,依法自收到材料之日起视为受理".into()
                } else {
                    "受理".into()
                }
            }
            EventKind::StageCompleted { approved, .. } => format!(
                "审查环节完成({})",
                if *approved { "同意" } else { "不同意" }
            ),
            EventKind::Suspended { procedure, .. } => format!("进入特别程序:{}", procedure.label()),
            EventKind::FirstReviewStarted { due } => {
                format!("本级初审开始,应于{due}前完成(行政许可法第四十三条)")
            }
            EventKind::Forwarded { .. } => "初审完成,报送上级决定".into(),
            EventKind::Transferred { .. } => "转办至上级服务中心".into(),
            EventKind::Resumed { shift_days, .. } => {
                format!("特别程序结束,期限顺延{shift_days}个工作日")
            }
            EventKind::Extended { days, .. } => format!("经批准延长{days}个工作日"),
            EventKind::Decided { granted, .. } => if *granted {
                "作出准予许可决定"
            } else {
                "作出不予许可决定"
            }
            .into(),
            EventKind::FeesAssessed { total_fen, .. } => {
                format!("核定收费{}元", crate::catalog::format_yuan(*total_fen))
            }
            EventKind::PaymentRecorded { .. } => "缴费".into(),
            EventKind::Refunded { .. } => "退费".into(),
            EventKind::Delivered { method, .. } => format!("送达({})", method.label()),
            EventKind::Completed { .. } => "办结".into(),
            EventKind::Withdrawn { .. } => "申请人撤回申请".into(),
            EventKind::Terminated { .. } => "终止办理".into(),
        }
    }
}

/// One appended event: who, when, what; hash-chained to the case's previous event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseEvent {
    pub case_number: String,
    pub seq: u32,
    pub at: DateTime<Utc>,
    pub actor: ActorRef,
    pub kind: EventKind,
    #[serde(default)]
    pub comment: String,
    /// SHA-256 of attached files.
    #[serde(default)]
    pub attachments: Vec<String>,
    /// The client's idempotency key of the command that produced this event, so a retried command
    /// is recognised and not applied twice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// Hash of the genesis predecessor.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

impl CaseEvent {
    /// SHA-256 over the previous hash and the canonical JSON of every other field.
    pub fn compute_hash(&self) -> String {
        let mut body = serde_json::json!({
            "case_number": self.case_number,
            "seq": self.seq,
            "at": self.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            "actor": self.actor,
            "kind": self.kind,
            "comment": self.comment,
            "attachments": self.attachments,
        });
        // Only present when set, so events sealed without a key keep their hashes.
        if let Some(k) = &self.idempotency_key {
            body["idempotency_key"] = serde_json::Value::String(k.clone());
        }
        let mut h = Sha256::new();
        h.update(self.prev_hash.as_bytes());
        h.update(serde_json::to_vec(&body).expect("event serializes"));
        hex::encode(h.finalize())
    }
}

/// Checks a case's chain: sequence, links and hashes. Returns the first bad seq.
pub fn verify_chain(events: &[CaseEvent]) -> Result<(), u32> {
    let mut prev = GENESIS_HASH.to_string();
    for (i, e) in events.iter().enumerate() {
        if e.seq as usize != i + 1 || e.prev_hash != prev || e.compute_hash() != e.hash {
            return Err(e.seq);
        }
        prev = e.hash.clone();
    }
    Ok(())
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
    pub suspended_days: u32,
    /// When the lower level forwarded its first review (初审) to the deciding level.
    #[serde(default)]
    pub forwarded_on: Option<NaiveDate>,
    /// Idempotency keys of the latest commands, newest last (a retry within these is a replay).
    #[serde(default)]
    pub recent_keys: Vec<String>,
    /// Seq of the last event applied.
    pub version: u32,
    pub last_hash: String,
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
    #[error("补正通知须列明全部问题材料")]
    NoDefects,
    #[error("请填写{0}")]
    ReasonRequired(&'static str),
    #[error("仍有未完成的审查环节:{0}")]
    StagesPending(String),
    #[error("延期只能申请一次")]
    AlreadyExtended,
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
    pub fn code(&self) -> &'static str {
        match self {
            CaseError::WrongState { .. } => "wrong_state",
            CaseError::NotAllowed(_) => "not_allowed",
            CaseError::MaterialMissing(_) => "material_missing",
            CaseError::NoDefects => "no_defects",
            CaseError::ReasonRequired(_) => "reason_required",
            CaseError::StagesPending(_) => "stages_pending",
            CaseError::AlreadyExtended => "already_extended",
            CaseError::FeeUnpaid { .. } => "fee_unpaid",
            CaseError::FeeAboveStandard { .. } => "fee_above_standard",
            CaseError::FeeForFreeItem => "fee_for_free_item",
            CaseError::InvalidAmount => "invalid_amount",
            CaseError::RefundTooLarge => "refund_too_large",
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
        receipt_no: String,
    },
    Refund {
        amount_fen: i64,
        reason: String,
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

impl Case {
    /// Builds the case by folding events. The first must be `Filed`.
    pub fn replay(events: &[CaseEvent]) -> Option<Case> {
        let first = events.first()?;
        let EventKind::Filed { filing } = &first.kind else {
            return None;
        };
        let mut case = Case::new(filing.clone(), first.at);
        for e in events {
            case.apply(e);
        }
        Some(case)
    }

    fn new(filing: Filing, at: DateTime<Utc>) -> Case {
        let materials = filing
            .item
            .materials
            .iter()
            .map(|(n, m)| MaterialState {
                name: n.clone(),
                mandatory: *m,
                status: MaterialStatus::Pending,
                reason: String::new(),
                files: vec![],
            })
            .collect();
        let stages = filing
            .item
            .stages
            .iter()
            .map(|s| StageProgress {
                name: s.name.clone(),
                department: s.department.clone(),
                limit_days: s.limit_days,
                parallel_group: s.parallel_group,
                started_on: None,
                due: None,
                completed_on: None,
                approved: None,
                opinion: String::new(),
                by: String::new(),
            })
            .collect();
        Case {
            filing,
            state: CaseState::Draft,
            suspended_from: None,
            suspended_on: None,
            suspension: None,
            created_at: at,
            received_on: None,
            accepted_on: None,
            decided_on: None,
            completed_on: None,
            deadlines: Deadlines::default(),
            materials,
            stages,
            correction_notices: 0,
            extended: false,
            granted: None,
            licence_no: None,
            fee_due_fen: 0,
            paid_fen: 0,
            refunded_fen: 0,
            suspended_days: 0,
            forwarded_on: None,
            recent_keys: Vec::new(),
            version: 0,
            last_hash: GENESIS_HASH.to_string(),
        }
    }

    /// Applies one event. Total: any event applies to any case (validity is `decide`'s job).
    pub fn apply(&mut self, e: &CaseEvent) {
        self.version = e.seq;
        self.last_hash = e.hash.clone();
        if let Some(k) = &e.idempotency_key {
            if self.recent_keys.last() != Some(k) {
                self.recent_keys.push(k.clone());
                if self.recent_keys.len() > RECENT_KEYS {
                    self.recent_keys.remove(0);
                }
            }
        }
        let day = local_date(e.at);
        match &e.kind {
            EventKind::Filed { .. } => self.state = CaseState::Draft,
            EventKind::DraftUpdated { applicant, form } => {
                self.filing.applicant = applicant.clone();
                self.filing.form = form.clone();
            }
            EventKind::Submitted {
                received_on,
                correction_due,
            }
            | EventKind::Resubmitted {
                received_on,
                correction_due,
            } => {
                self.state = CaseState::Submitted;
                self.received_on = Some(*received_on);
                self.deadlines.correction_due = Some(*correction_due);
                for m in &mut self.materials {
                    if m.status == MaterialStatus::Defective {
                        m.status = MaterialStatus::Pending;
                    }
                }
            }
            EventKind::MaterialMarked {
                index,
                status,
                reason,
            } => {
                if let Some(m) = self.materials.get_mut(*index) {
                    m.status = *status;
                    m.reason = reason.clone();
                }
            }
            EventKind::MaterialUploaded { index, sha256 } => {
                if let Some(m) = self.materials.get_mut(*index) {
                    m.files.push(sha256.clone());
                }
            }
            EventKind::CorrectionRequested { .. } => {
                self.state = CaseState::CorrectionRequested;
                self.correction_notices += 1;
            }
            EventKind::Refused { .. } => {
                self.state = CaseState::Refused;
                self.completed_on = Some(day);
            }
            EventKind::Accepted {
                accepted_on,
                statutory_due,
                promised_due,
                started,
                fee_total_fen,
                ..
            } => {
                self.state = CaseState::InReview;
                self.accepted_on = Some(*accepted_on);
                self.deadlines.correction_due = None;
                self.deadlines.statutory_due = Some(*statutory_due);
                self.deadlines.promised_due = Some(*promised_due);
                self.fee_due_fen = *fee_total_fen;
                self.start_stages(started, *accepted_on);
            }
            EventKind::StageCompleted {
                index,
                approved,
                opinion,
                on,
                started,
            } => {
                if let Some(s) = self.stages.get_mut(*index) {
                    s.completed_on = Some(*on);
                    s.approved = Some(*approved);
                    s.opinion = opinion.clone();
                    s.by = e.actor.name.clone();
                }
                self.start_stages(started, *on);
            }
            EventKind::FirstReviewStarted { due } => self.deadlines.first_review_due = Some(*due),
            EventKind::Forwarded { on, started, .. } => {
                self.forwarded_on = Some(*on);
                self.start_stages(started, *on);
            }
            EventKind::Transferred { to, .. } => {
                self.filing.place = to.clone();
                if self.filing.decide_place.implied_level() > to.implied_level() {
                    self.filing.decide_place = to.clone();
                }
            }
            EventKind::Suspended {
                procedure,
                expected_days,
                on,
                ..
            } => {
                self.suspended_from = Some(self.state);
                self.state = CaseState::Suspended;
                self.suspended_on = Some(*on);
                self.suspension = Some((*procedure, *expected_days));
            }
            EventKind::Resumed {
                shift_days,
                deadlines,
                stage_dues,
                ..
            } => {
                self.state = self.suspended_from.take().unwrap_or(CaseState::InReview);
                self.suspended_on = None;
                self.suspension = None;
                self.suspended_days += shift_days;
                self.deadlines = deadlines.clone();
                for (i, d) in stage_dues {
                    if let Some(s) = self.stages.get_mut(*i) {
                        s.due = Some(*d);
                    }
                }
            }
            EventKind::Extended {
                statutory_due,
                promised_due,
                ..
            } => {
                self.extended = true;
                self.deadlines.statutory_due = Some(*statutory_due);
                self.deadlines.promised_due = Some(*promised_due);
            }
            EventKind::Decided {
                granted,
                licence_no,
                on,
                delivery_due,
                completes,
                ..
            } => {
                self.state = CaseState::Decided;
                self.granted = Some(*granted);
                self.licence_no = licence_no.clone();
                self.decided_on = Some(*on);
                self.deadlines.delivery_due = *delivery_due;
                for i in completes {
                    if let Some(s) = self.stages.get_mut(*i) {
                        s.started_on.get_or_insert(*on);
                        s.completed_on = Some(*on);
                        s.approved = Some(*granted);
                        s.by = e.actor.name.clone();
                    }
                }
            }
            EventKind::FeesAssessed { total_fen, .. } => self.fee_due_fen = *total_fen,
            EventKind::PaymentRecorded { amount_fen, .. } => self.paid_fen += amount_fen,
            EventKind::Refunded { amount_fen, .. } => self.refunded_fen += amount_fen,
            EventKind::Delivered { on, completes, .. } => {
                self.state = CaseState::Delivered;
                for i in completes {
                    if let Some(s) = self.stages.get_mut(*i) {
                        s.started_on.get_or_insert(*on);
                        s.completed_on = Some(*on);
                        s.by = e.actor.name.clone();
                    }
                }
            }
            EventKind::Completed { on } => {
                self.state = CaseState::Completed;
                self.completed_on = Some(*on);
            }
            EventKind::Withdrawn { .. } => {
                self.state = CaseState::Withdrawn;
                self.completed_on = Some(day);
            }
            EventKind::Terminated { .. } => {
                self.state = CaseState::Terminated;
                self.completed_on = Some(day);
            }
        }
    }

    fn start_stages(&mut self, started: &[(usize, NaiveDate)], on: NaiveDate) {
        for (i, due) in started {
            if let Some(s) = self.stages.get_mut(*i) {
                s.started_on = Some(on);
                s.due = Some(*due);
            }
        }
    }

    /// Amount still owed, in fen (refunds give money back, so they do not reduce what is owed).
    pub fn fee_outstanding(&self) -> i64 {
        (self.fee_due_fen - (self.paid_fen - self.refunded_fen)).max(0)
    }

    /// Stages currently in progress.
    pub fn active_stages(&self) -> Vec<usize> {
        self.stages
            .iter()
            .enumerate()
            .filter(|(_, s)| s.is_active())
            .map(|(i, _)| i)
            .collect()
    }

    /// Mandatory materials not received.
    pub fn missing_materials(&self) -> Vec<String> {
        self.materials
            .iter()
            .filter(|m| m.mandatory && m.status != MaterialStatus::Received)
            .map(|m| m.name.clone())
            .collect()
    }

    /// The dates of the deadline that matters now, for queues and warnings.
    pub fn current_deadline(&self) -> Option<NaiveDate> {
        match self.state {
            CaseState::Submitted => self.deadlines.correction_due,
            CaseState::InReview => self.deadlines.promised_due,
            CaseState::Decided => self.deadlines.delivery_due.or(self.deadlines.promised_due),
            _ => None,
        }
    }

    /// Index of the next step's stages, after `completed` more are done: a step is a single stage
    /// or a whole parallel group; decision and later stages are not started here.
    /// Is the case decided above the level that accepted it (art. 43 first review below)?
    pub fn is_two_level(&self) -> bool {
        self.filing.decide_place != self.filing.place
    }

    /// How many leading stages the accepting (lower) level does: up to the last stage named as a
    /// village, township or first-review step (村, 乡镇, 街道, 初审). All of them for one-level cases.
    pub fn place_stage_count(&self) -> usize {
        if !self.is_two_level() {
            return self.stages.len();
        }
        const LOWER: [&str; 4] = ["村", "乡镇", "街道", "初审"];
        self.stages
            .iter()
            .rposition(|s| LOWER.iter().any(|k| s.name.contains(k)))
            .map(|i| i + 1)
            .unwrap_or(0)
    }

    /// Region whose staff do stage `i`.
    pub fn stage_place(&self, i: usize) -> &RegionCode {
        if i < self.place_stage_count() {
            &self.filing.place
        } else {
            &self.filing.decide_place
        }
    }

    fn next_step(&self, done: &[usize]) -> Vec<usize> {
        let mut stop = after_decision(&self.stages).unwrap_or(self.stages.len());
        if self.is_two_level() && self.forwarded_on.is_none() {
            // The deciding level's stages wait for the first review to be forwarded.
            stop = stop.min(self.place_stage_count());
        }
        let is_done = |i: usize| self.stages[i].completed_on.is_some() || done.contains(&i);
        let Some(first) = (0..stop).find(|&i| !is_done(i)) else {
            return vec![];
        };
        // Already running: nothing new starts until the running step finishes.
        let running = (0..stop).any(|i| self.stages[i].started_on.is_some() && !is_done(i));
        if running {
            return vec![];
        }
        match self.stages[first].parallel_group {
            Some(g) => (first..stop)
                .take_while(|&i| self.stages[i].parallel_group == Some(g))
                .filter(|&i| !is_done(i))
                .collect(),
            None => vec![first],
        }
    }

    /// How many leading stages are review stages (the ones before the decision stage; all when
    /// the process names none).
    pub fn review_stage_count(&self) -> usize {
        after_decision(&self.stages).unwrap_or(self.stages.len())
    }

    /// Review stages not yet completed; a decision waits for none to be left.
    pub fn review_stages_pending(&self) -> Vec<String> {
        self.stages[..self.review_stage_count()]
            .iter()
            .filter(|s| s.completed_on.is_none())
            .map(|s| s.name.clone())
            .collect()
    }
}

fn need_reason(s: &str, what: &'static str) -> Result<(), CaseError> {
    if s.trim().is_empty() {
        Err(CaseError::ReasonRequired(what))
    } else {
        Ok(())
    }
}

/// Opens a case: the `Filed` event, followed by `Submitted` for window and proxy filings (the
/// materials are received on the spot). Online filings start as drafts.
pub fn open(filing: Filing, at: DateTime<Utc>, cal: &WorkingCalendar) -> Vec<EventKind> {
    let channel = filing.channel;
    let mut events = vec![EventKind::Filed { filing }];
    if channel != Channel::Online {
        let today = local_date(at);
        events.push(EventKind::Submitted {
            received_on: today,
            correction_due: cal.add_working_days(today, CORRECTION_LIMIT_DAYS),
        });
    }
    events
}

/// Decides a command: the events it produces, or why it is refused.
pub fn decide(
    case: &Case,
    cmd: &Command,
    actor: &Actor,
    at: DateTime<Utc>,
    cal: &WorkingCalendar,
) -> Result<Decision, CaseError> {
    use CaseState as S;
    let today = local_date(at);
    let f = &case.filing;
    let wrong = || CaseError::WrongState {
        state: case.state.label(),
        action: cmd.verb(),
    };
    if case.state.is_final() {
        return Err(wrong());
    }
    // Who may act: the applicant or their agent for the applicant's commands; staff by role,
    // department and place for the rest.
    let as_applicant = || -> Result<ActorRef, CaseError> {
        let own = actor.user_id.is_some()
            && (actor.user_id == f.applicant.user_id || actor.user_id == f.agent_user_id);
        if own {
            let role = if actor.user_id == f.agent_user_id {
                Role::VillageAgent
            } else {
                Role::Applicant
            };
            Ok(ActorRef {
                user_id: actor.user_id,
                name: actor.name.clone(),
                role: Some(role),
                place: None,
            })
        } else {
            Err(CaseError::NotAllowed(cmd.verb()))
        }
    };
    let as_staff =
        |roles: &[Role], region: &RegionCode, dept: Option<&str>| -> Result<ActorRef, CaseError> {
            roles
                .iter()
                .find_map(|r| actor.find(*r, region, dept))
                .map(|r| ActorRef {
                    user_id: actor.user_id,
                    name: actor.name.clone(),
                    role: Some(r.role),
                    place: Some(region.clone()),
                })
                .ok_or(CaseError::NotAllowed(cmd.verb()))
        };
    let window = || as_staff(&[Role::WindowClerk], &f.place, None);
    let head = || {
        as_staff(
            &[Role::DepartmentHead],
            &f.decide_place,
            Some(&f.item.department),
        )
    };
    let one = |actor: ActorRef, e: EventKind| {
        Ok(Decision {
            events: vec![e],
            actor,
        })
    };

    match cmd {
        Command::UpdateDraft { applicant, form } => {
            let a = as_applicant()?;
            if case.state != S::Draft {
                return Err(wrong());
            }
            one(
                a,
                EventKind::DraftUpdated {
                    applicant: applicant.clone(),
                    form: form.clone(),
                },
            )
        }
        Command::Submit => {
            let a = as_applicant()?;
            if case.state != S::Draft {
                return Err(wrong());
            }
            one(
                a,
                EventKind::Submitted {
                    received_on: today,
                    correction_due: cal.add_working_days(today, CORRECTION_LIMIT_DAYS),
                },
            )
        }
        Command::UploadMaterial { index, sha256 } => {
            let a = as_applicant().or_else(|_| window())?;
            if !matches!(case.state, S::Draft | S::Submitted | S::CorrectionRequested) {
                return Err(wrong());
            }
            if *index >= case.materials.len() {
                return Err(CaseError::NoSuchMaterial);
            }
            one(
                a,
                EventKind::MaterialUploaded {
                    index: *index,
                    sha256: sha256.clone(),
                },
            )
        }
        Command::MarkMaterial {
            index,
            status,
            reason,
        } => {
            let a = window()?;
            if case.state != S::Submitted {
                return Err(wrong());
            }
            if *index >= case.materials.len() {
                return Err(CaseError::NoSuchMaterial);
            }
            if *status == MaterialStatus::Defective {
                need_reason(reason, "材料问题说明")?;
            }
            one(
                a,
                EventKind::MaterialMarked {
                    index: *index,
                    status: *status,
                    reason: reason.trim().to_string(),
                },
            )
        }
        Command::RequestCorrection { defects } => {
            let a = window()?;
            if case.state != S::Submitted {
                return Err(wrong());
            }
            // 一次性告知: the notice names every known problem, whatever the clerk wrote by hand.
            let known = case
                .materials
                .iter()
                .filter(|m| {
                    m.status == MaterialStatus::Defective
                        || (m.mandatory && m.status == MaterialStatus::Pending)
                })
                .map(|m| Defect {
                    material: m.name.clone(),
                    reason: if m.status == MaterialStatus::Defective {
                        m.reason.clone()
                    } else {
                        "未提交".into()
                    },
                });
            let mut defects = defects.clone();
            for k in known {
                if !defects.iter().any(|d| d.material == k.material) {
                    defects.push(k);
                }
            }
            if defects.is_empty()
                || defects
                    .iter()
                    .any(|d| d.material.trim().is_empty() || d.reason.trim().is_empty())
            {
                return Err(CaseError::NoDefects);
            }
            let late = case.deadlines.correction_due.is_some_and(|d| today > d);
            one(
                a,
                EventKind::CorrectionRequested {
                    defects,
                    repeat: case.correction_notices > 0,
                    late,
                },
            )
        }
        Command::Resubmit => {
            let a = as_applicant().or_else(|_| window())?;
            if case.state != S::CorrectionRequested {
                return Err(wrong());
            }
            one(
                a,
                EventKind::Resubmitted {
                    received_on: today,
                    correction_due: cal.add_working_days(today, CORRECTION_LIMIT_DAYS),
                },
            )
        }
        Command::Refuse { reasons } => {
            let a = window()?;
            if !matches!(case.state, S::Submitted | S::CorrectionRequested) {
                return Err(wrong());
            }
            need_reason(reasons, "不予受理的理由")?;
            one(
                a,
                EventKind::Refused {
                    reasons: reasons.trim().to_string(),
                },
            )
        }
        Command::Accept | Command::AutoAccept => {
            let (a, by_system, accepted_on) = if matches!(cmd, Command::AutoAccept) {
                if !actor.system {
                    return Err(CaseError::NotAllowed(cmd.verb()));
                }
                // art. 32: only once the correction window has passed, and as of the day of receipt.
                match (case.state, case.deadlines.correction_due, case.received_on) {
                    (S::Submitted, Some(due), Some(received)) if today > due => {
                        (ActorRef::system(), true, received)
                    }
                    _ => return Err(wrong()),
                }
            } else {
                let a = window()?;
                if case.state != S::Submitted {
                    return Err(wrong());
                }
                // Immediate items with a fee cannot be handled on the spot (no fee before acceptance).
                if f.item.kind == ItemKind::Immediate && f.item.fee_total() == 0 {
                    return Err(CaseError::UseImmediate);
                }
                let missing = case.missing_materials();
                if !missing.is_empty() {
                    return Err(CaseError::MaterialMissing(missing.join("、")));
                }
                (a, false, today)
            };
            let statutory_due = cal.add_working_days(accepted_on, f.item.statutory_days());
            let promised_due = cal.add_working_days(
                accepted_on,
                f.item.promised_limit_days.clamp(1, f.item.statutory_days()),
            );
            let started = case
                .next_step(&[])
                .into_iter()
                .map(|i| {
                    (
                        i,
                        cal.add_working_days(accepted_on, case.stages[i].limit_days.max(1)),
                    )
                })
                .collect();
            // With one standard the fee is known; with several, the window assesses which apply.
            let fee_total_fen = if f.item.fees.len() == 1 {
                f.item.fees[0].amount_fen
            } else {
                0
            };
            // A leading stage that *is* the acceptance (named …受理) is closed by accepting.
            let closes_first = !by_system
                && case
                    .stages
                    .first()
                    .is_some_and(|s| s.name.ends_with("受理"));
            let started: Vec<(usize, NaiveDate)> = if closes_first {
                vec![(0, accepted_on)]
            } else {
                started
            };
            let mut events = vec![EventKind::Accepted {
                accepted_on,
                by_system,
                statutory_due,
                promised_due,
                started,
                fee_total_fen,
            }];
            if closes_first {
                let next = case
                    .next_step(&[0])
                    .into_iter()
                    .map(|i| {
                        (
                            i,
                            cal.add_working_days(accepted_on, case.stages[i].limit_days.max(1)),
                        )
                    })
                    .collect();
                events.push(EventKind::StageCompleted {
                    index: 0,
                    approved: true,
                    opinion: "材料齐全,予以受理".into(),
                    on: accepted_on,
                    started: next,
                });
            }
            if case.is_two_level() {
                // The law allows the lower level 20 working days, but never past the promise made
                // for the whole case.
                events.push(EventKind::FirstReviewStarted {
                    due: cal
                        .add_working_days(accepted_on, FIRST_REVIEW_DAYS)
                        .min(promised_due),
                });
            }
            Ok(Decision { events, actor: a })
        }
        Command::Forward { reason } => {
            match case.state {
                // 转办 before acceptance: to the center one level up, which takes it into its queue.
                S::Submitted => {
                    let a = window()?;
                    need_reason(reason, "转办理由")?;
                    let level = f.place.implied_level();
                    let up = match level {
                        crate::region::Level::City => return Err(CaseError::NoHigherLevel),
                        crate::region::Level::County => crate::region::Level::City,
                        crate::region::Level::Township => crate::region::Level::County,
                        crate::region::Level::Village => crate::region::Level::Township,
                    };
                    one(
                        a,
                        EventKind::Transferred {
                            from: f.place.clone(),
                            to: f.place.ancestor(up),
                            reason: reason.trim().to_string(),
                        },
                    )
                }
                // 转报 after the first review (art. 43).
                S::InReview if case.is_two_level() && case.forwarded_on.is_none() => {
                    let a = as_staff(&[Role::WindowClerk, Role::DepartmentHead], &f.place, None)?;
                    let pending: Vec<String> = case.stages[..case.place_stage_count()]
                        .iter()
                        .filter(|s| s.completed_on.is_none())
                        .map(|s| s.name.clone())
                        .collect();
                    if !pending.is_empty() {
                        return Err(CaseError::FirstReviewPending(pending.join("、")));
                    }
                    let mut after = case.clone();
                    after.forwarded_on = Some(today);
                    let started = after
                        .next_step(&[])
                        .into_iter()
                        .map(|i| {
                            (
                                i,
                                cal.add_working_days(today, case.stages[i].limit_days.max(1)),
                            )
                        })
                        .collect();
                    one(
                        a,
                        EventKind::Forwarded {
                            on: today,
                            to: f.decide_place.clone(),
                            started,
                        },
                    )
                }
                _ => Err(wrong()),
            }
        }
        Command::CompleteStage {
            index,
            approved,
            opinion,
        } => {
            if case.state != S::InReview {
                return Err(wrong());
            }
            let stage = case
                .stages
                .get(*index)
                .filter(|s| s.is_active())
                .ok_or(CaseError::NoSuchStage)?;
            let at = case.stage_place(*index);
            let a = as_staff(
                &[Role::Reviewer, Role::DepartmentHead],
                at,
                Some(&stage.department),
            )?;
            // In a two-level case each level does its own stages: a county reviewer's subtree
            // covers the township, but the township's first review (初审) is the township's.
            if case.is_two_level()
                && !actor.roles.iter().any(|r| {
                    matches!(r.role, Role::Reviewer | Role::DepartmentHead)
                        && r.level == at.implied_level()
                        && r.region.contains(r.level, at)
                        && r.department.as_deref() == Some(stage.department.as_str())
                })
            {
                return Err(CaseError::NotAllowed(cmd.verb()));
            }
            if !approved {
                need_reason(opinion, "不同意的理由")?;
            }
            let started = case
                .next_step(&[*index])
                .into_iter()
                .map(|i| {
                    (
                        i,
                        cal.add_working_days(today, case.stages[i].limit_days.max(1)),
                    )
                })
                .collect();
            one(
                a,
                EventKind::StageCompleted {
                    index: *index,
                    approved: *approved,
                    opinion: opinion.trim().to_string(),
                    on: today,
                    started,
                },
            )
        }
        Command::Suspend {
            procedure,
            reason,
            expected_days,
        } => {
            if case.state != S::InReview {
                return Err(wrong());
            }
            let a = as_staff(
                &[Role::Reviewer, Role::DepartmentHead],
                &f.decide_place,
                None,
            )
            .or_else(|_| as_staff(&[Role::Reviewer, Role::DepartmentHead], &f.place, None))?;
            need_reason(reason, "进入特别程序的理由")?;
            if *expected_days == 0 {
                return Err(CaseError::ReasonRequired("特别程序的预计时长"));
            }
            one(
                a,
                EventKind::Suspended {
                    procedure: *procedure,
                    reason: reason.trim().to_string(),
                    expected_days: *expected_days,
                    on: today,
                },
            )
        }
        Command::Resume => {
            if case.state != S::Suspended {
                return Err(wrong());
            }
            let a = as_staff(
                &[Role::Reviewer, Role::DepartmentHead],
                &f.decide_place,
                None,
            )
            .or_else(|_| as_staff(&[Role::Reviewer, Role::DepartmentHead], &f.place, None))?;
            let from = case.suspended_on.unwrap_or(today);
            let shift = cal.working_days_between(from, today).max(0) as u32;
            let mv = |d: Option<NaiveDate>| d.map(|d| cal.add_working_days(d, shift));
            let deadlines = Deadlines {
                correction_due: mv(case.deadlines.correction_due),
                statutory_due: mv(case.deadlines.statutory_due),
                promised_due: mv(case.deadlines.promised_due),
                delivery_due: mv(case.deadlines.delivery_due),
                first_review_due: mv(case.deadlines.first_review_due),
            };
            let stage_dues = case
                .stages
                .iter()
                .enumerate()
                .filter(|(_, s)| s.is_active())
                .filter_map(|(i, s)| s.due.map(|d| (i, cal.add_working_days(d, shift))))
                .collect();
            one(
                a,
                EventKind::Resumed {
                    on: today,
                    shift_days: shift,
                    deadlines,
                    stage_dues,
                },
            )
        }
        Command::Extend { reason } => {
            let a = head()?;
            if !matches!(case.state, S::InReview | S::Suspended) {
                return Err(wrong());
            }
            if case.extended {
                return Err(CaseError::AlreadyExtended);
            }
            need_reason(reason, "延期理由")?;
            let days = f.item.extension_days();
            let (Some(s), Some(p)) = (case.deadlines.statutory_due, case.deadlines.promised_due)
            else {
                return Err(wrong());
            };
            one(
                a,
                EventKind::Extended {
                    days,
                    reason: reason.trim().to_string(),
                    statutory_due: cal.add_working_days(s, days),
                    promised_due: cal.add_working_days(p, days),
                },
            )
        }
        Command::Decide {
            granted,
            reasons,
            licence_no,
        } => {
            let a = head()?;
            if case.state != S::InReview {
                return Err(wrong());
            }
            let pending = case.review_stages_pending();
            if !pending.is_empty() {
                return Err(CaseError::StagesPending(pending.join("、")));
            }
            // A joint decision waits for every part; any part's denial denies, with every
            // department's reasons combined into the one result.
            let denials: Vec<String> = case
                .stages
                .iter()
                .filter(|s| s.approved == Some(false))
                .map(|s| format!("{}:{}", s.name, s.opinion))
                .collect();
            if *granted && !denials.is_empty() {
                return Err(CaseError::PartsDenied);
            }
            let reasons = if *granted || denials.is_empty() {
                reasons.trim().to_string()
            } else {
                let own = reasons.trim();
                let mut all = denials.join(";");
                if !own.is_empty() {
                    all = format!("{own};{all}");
                }
                all
            };
            if !granted {
                need_reason(&reasons, "不予许可的理由")?;
            }
            let completes = after_decision(&case.stages).into_iter().collect();
            let delivery_due = granted.then(|| cal.add_working_days(today, DELIVERY_LIMIT_DAYS));
            let licence = if *granted {
                licence_no.clone().filter(|l| !l.trim().is_empty())
            } else {
                None
            };
            one(
                a,
                EventKind::Decided {
                    granted: *granted,
                    reasons,
                    licence_no: licence,
                    on: today,
                    delivery_due,
                    completes,
                },
            )
        }
        Command::AssessFees { lines } => {
            let a = window()?;
            if !matches!(case.state, S::InReview | S::Suspended | S::Decided) {
                return Err(wrong());
            }
            if f.item.fees.is_empty() {
                return Err(CaseError::FeeForFreeItem);
            }
            let mut total: i64 = 0;
            for (i, qty) in lines {
                let fee = f.item.fees.get(*i).ok_or(CaseError::InvalidAmount)?;
                if *qty == 0 || *qty > 10_000 {
                    return Err(CaseError::InvalidAmount);
                }
                total += fee.amount_fen * *qty as i64;
            }
            if total < case.paid_fen - case.refunded_fen {
                // Lowering below what was paid needs a refund first.
                return Err(CaseError::RefundTooLarge);
            }
            one(
                a,
                EventKind::FeesAssessed {
                    lines: lines.clone(),
                    total_fen: total,
                },
            )
        }
        Command::RecordPayment {
            amount_fen,
            method,
            receipt_no,
        } => {
            let a = window()?;
            if !matches!(case.state, S::InReview | S::Suspended | S::Decided) {
                return Err(wrong());
            }
            if *amount_fen <= 0 {
                return Err(CaseError::InvalidAmount);
            }
            if f.item.fees.is_empty() {
                return Err(CaseError::FeeForFreeItem);
            }
            if *amount_fen > case.fee_outstanding() {
                return Err(CaseError::FeeAboveStandard {
                    due: crate::catalog::format_yuan(case.fee_due_fen),
                    paid: crate::catalog::format_yuan(case.paid_fen - case.refunded_fen),
                    amount: crate::catalog::format_yuan(*amount_fen),
                });
            }
            need_reason(receipt_no, "票据号")?;
            one(
                a,
                EventKind::PaymentRecorded {
                    amount_fen: *amount_fen,
                    method: *method,
                    receipt_no: receipt_no.clone(),
                },
            )
        }
        Command::Refund { amount_fen, reason } => {
            let a = window()?;
            if *amount_fen <= 0 {
                return Err(CaseError::InvalidAmount);
            }
            if *amount_fen > case.paid_fen - case.refunded_fen {
                return Err(CaseError::RefundTooLarge);
            }
            need_reason(reason, "退费原因")?;
            one(
                a,
                EventKind::Refunded {
                    amount_fen: *amount_fen,
                    reason: reason.trim().to_string(),
                },
            )
        }
        Command::Deliver { method, recipient } => {
            let a =
                window().or_else(|_| as_staff(&[Role::VillageAgent], &f.applicant_region, None))?;
            if case.state != S::Decided {
                return Err(wrong());
            }
            if case.granted == Some(true) && case.fee_outstanding() > 0 {
                return Err(CaseError::FeeUnpaid {
                    due: crate::catalog::format_yuan(case.fee_due_fen),
                    paid: crate::catalog::format_yuan(case.paid_fen - case.refunded_fen),
                });
            }
            need_reason(recipient, "签收人")?;
            let from = after_decision(&case.stages)
                .map(|i| i + 1)
                .unwrap_or(case.stages.len());
            let completes = (from..case.stages.len())
                .filter(|i| case.stages[*i].completed_on.is_none())
                .collect();
            one(
                a,
                EventKind::Delivered {
                    method: *method,
                    recipient: recipient.trim().to_string(),
                    on: today,
                    completes,
                },
            )
        }
        Command::Complete => {
            let a = window()?;
            if case.state != S::Delivered {
                return Err(wrong());
            }
            one(a, EventKind::Completed { on: today })
        }
        Command::Withdraw { reason } => {
            // The applicant withdraws; at a window the clerk records a written withdrawal.
            let a = as_applicant().or_else(|_| window())?;
            if !matches!(
                case.state,
                S::Draft | S::Submitted | S::CorrectionRequested | S::InReview | S::Suspended
            ) {
                return Err(wrong());
            }
            one(
                a,
                EventKind::Withdrawn {
                    reason: reason.trim().to_string(),
                },
            )
        }
        Command::Terminate { reason } => {
            let a = head()?;
            if matches!(case.state, S::Draft | S::Delivered) {
                return Err(wrong());
            }
            need_reason(reason, "终止理由")?;
            one(
                a,
                EventKind::Terminated {
                    reason: reason.trim().to_string(),
                },
            )
        }
        Command::HandleImmediately { licence_no } => {
            let a = window()?;
            if case.state != S::Submitted {
                return Err(wrong());
            }
            if f.item.kind != ItemKind::Immediate {
                return Err(CaseError::NotImmediate);
            }
            let missing = case.missing_materials();
            if !missing.is_empty() {
                return Err(CaseError::MaterialMissing(missing.join("、")));
            }
            if f.item.fee_total() > 0 {
                // A fee is collected before the result is handed over; immediate items with fees
                // go through the normal path.
                return Err(CaseError::FeeUnpaid {
                    due: crate::catalog::format_yuan(f.item.fee_total()),
                    paid: "0.00".into(),
                });
            }
            let all: Vec<usize> = (0..case.stages.len()).collect();
            // Due on the spot; on a day off (weekend service) that is the next working day.
            let due = cal.next_working_day_from(today);
            Ok(Decision {
                actor: a,
                events: vec![
                    EventKind::Accepted {
                        accepted_on: today,
                        by_system: false,
                        statutory_due: due,
                        promised_due: due,
                        started: all.iter().map(|i| (*i, due)).collect(),
                        fee_total_fen: 0,
                    },
                    EventKind::Decided {
                        granted: true,
                        reasons: String::new(),
                        licence_no: licence_no.clone(),
                        on: today,
                        delivery_due: Some(due),
                        completes: all,
                    },
                    EventKind::Delivered {
                        method: DeliveryMethod::Window,
                        recipient: f.applicant.name.clone(),
                        on: today,
                        completes: vec![],
                    },
                    EventKind::Completed { on: today },
                ],
            })
        }
    }
}

/// Seals new event kinds into chained events after the case's last one.
#[allow(clippy::too_many_arguments)]
pub fn seal(
    case_number: &str,
    last_seq: u32,
    last_hash: &str,
    at: DateTime<Utc>,
    actor: &ActorRef,
    comment: &str,
    attachments: &[String],
    kinds: Vec<EventKind>,
) -> Vec<CaseEvent> {
    let mut prev = last_hash.to_string();
    let mut out = Vec::with_capacity(kinds.len());
    for (i, kind) in kinds.into_iter().enumerate() {
        let mut e = CaseEvent {
            case_number: case_number.to_string(),
            seq: last_seq + 1 + i as u32,
            at,
            actor: actor.clone(),
            kind,
            comment: comment.to_string(),
            attachments: attachments.to_vec(),
            idempotency_key: None,
            prev_hash: prev.clone(),
            hash: String::new(),
        };
        e.hash = e.compute_hash();
        prev = e.hash.clone();
        out.push(e);
    }
    out
}

/// Like [`seal`], recording the client's idempotency key on every new event.
#[allow(clippy::too_many_arguments)]
pub fn seal_with_key(
    case_number: &str,
    last_seq: u32,
    last_hash: &str,
    at: DateTime<Utc>,
    actor: &ActorRef,
    comment: &str,
    attachments: &[String],
    kinds: Vec<EventKind>,
    key: Option<&str>,
) -> Vec<CaseEvent> {
    let mut events = seal(
        case_number,
        last_seq,
        last_hash,
        at,
        actor,
        comment,
        attachments,
        kinds,
    );
    if let Some(k) = key {
        let mut prev = last_hash.to_string();
        for e in &mut events {
            e.idempotency_key = Some(k.to_string());
            e.prev_hash = prev.clone();
            e.hash = e.compute_hash();
            prev = e.hash.clone();
        }
    }
    events
}
