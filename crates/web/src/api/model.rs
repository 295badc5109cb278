//! What the API answers: reply types of their own, built from the stored and domain records, so a
//! field added to a record (an idempotency key list, a chain hash, a password hash, a lockout
//! counter) never reaches a client by accident and the document (`openapi.json`) is derived from
//! exactly what is sent. Value records whose JSON form *is* the published contract (a catalog item,
//! a service place, a material's state, a deadline) are embedded as they are; see DECISIONS.md.

use chrono::{DateTime, NaiveDate, Utc};
use domain::access::Grant;
use domain::case::{
    ActorRef, Case, CaseEvent, CaseState, Deadlines, EventKind, Filing, MaterialState,
    SpecialProcedure, StageProgress,
};
use domain::region::{Department, Level, Region};
use domain::RegionCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A person's account as the API shows it: no password hash, no sign-in counters.
#[derive(Serialize, ToSchema)]
pub struct UserView {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub phone: String,
    pub home_region: RegionCode,
    pub active: bool,
    /// No longer set: failed sign-ins lock an account for the address they came from, in
    /// counters of their own (docs/SECURITY.md); kept for clients that read it.
    pub locked_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub grants: Vec<Grant>,
}

impl From<&store::User> for UserView {
    fn from(u: &store::User) -> Self {
        UserView {
            id: u.id,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            phone: u.phone.clone(),
            home_region: u.home_region.clone(),
            active: u.active,
            locked_until: u.locked_until,
            created_at: u.created_at,
            grants: u.grants.clone(),
        }
    }
}

/// Signed in: the account, and the token to send as `X-CSRF-Token` with every write.
#[derive(Serialize, ToSchema)]
pub struct SignedIn {
    pub user: UserView,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
    /// What must come before anything else: `verify` (`POST /session/second-factor`) or `enrol`
    /// (`POST /me/second-factor/enrolment`, then `POST /me/second-factor`); absent when nothing.
    pub second_factor: Option<app::second_factor::Due>,
    /// The password must be changed (`PUT /me/password`) before anything else.
    pub password_change_due: bool,
}

impl SignedIn {
    /// The reply for a session just opened; `second_factor` is what it must still do.
    pub fn of(s: &app::accounts::SignedIn, second_factor: Option<app::second_factor::Due>) -> Self {
        SignedIn {
            user: UserView::from(&s.user),
            csrf_token: s.session.csrf_token.clone(),
            expires_at: s.session.expires_at,
            second_factor,
            password_change_due: s.session.password_change_due,
        }
    }
}

/// The caller's account and the session's CSRF token.
#[derive(Serialize, ToSchema)]
pub struct Me {
    pub user: UserView,
    pub csrf_token: String,
    /// As in [`SignedIn`].
    pub second_factor: Option<app::second_factor::Due>,
    pub password_change_due: bool,
}

#[derive(Serialize, ToSchema)]
pub struct Done {
    pub ok: bool,
}

/// An administrative division (行政区划).
#[derive(Serialize, ToSchema)]
pub struct RegionView {
    pub code: RegionCode,
    pub name: String,
    pub level: Level,
    pub parent: Option<RegionCode>,
}

impl From<Region> for RegionView {
    fn from(r: Region) -> Self {
        RegionView {
            code: r.code,
            name: r.name,
            level: r.level,
            parent: r.parent,
        }
    }
}

/// A department (部门) of one region.
#[derive(Serialize, ToSchema)]
pub struct DepartmentView {
    pub id: i64,
    pub region_code: RegionCode,
    /// Short code shared by the same kind of department at every level, e.g. `scjg`.
    pub code: String,
    pub name: String,
}

impl From<Department> for DepartmentView {
    fn from(d: Department) -> Self {
        DepartmentView {
            id: d.id,
            region_code: d.region_code,
            code: d.code,
            name: d.name,
        }
    }
}

/// A local closure (闭馆日): the region's places and its subtree's are closed that day.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct ClosureDoc {
    pub region_code: RegionCode,
    pub date: NaiveDate,
    pub reason: String,
}

impl From<store::Closure> for ClosureDoc {
    fn from(c: store::Closure) -> Self {
        ClosureDoc {
            region_code: c.region_code,
            date: c.date,
            reason: c.reason,
        }
    }
}

impl From<ClosureDoc> for store::Closure {
    fn from(c: ClosureDoc) -> Self {
        store::Closure {
            region_code: c.region_code,
            date: c.date,
            reason: c.reason,
        }
    }
}

/// The published schedule of holidays and make-up working days.
#[derive(Serialize, ToSchema)]
pub struct CalendarView {
    /// Years whose schedule is loaded; deadlines in other years are refused.
    pub loaded_years: Vec<i32>,
    pub days: Vec<domain::calendar::CalendarDay>,
}

#[derive(Serialize, ToSchema)]
pub struct CalendarImported {
    /// Days stored from the file.
    pub imported: usize,
    pub loaded_years: Vec<i32>,
}

/// The outcome of a catalog import: every row counted once.
#[derive(Serialize, ToSchema)]
pub struct ImportReport {
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
}

impl From<store::ImportSummary> for ImportReport {
    fn from(s: store::ImportSummary) -> Self {
        ImportReport {
            inserted: s.inserted,
            updated: s.updated,
            unchanged: s.unchanged,
        }
    }
}

/// A refused import: every wrong cell at once; nothing was imported.
#[derive(Serialize, ToSchema)]
pub struct ImportRefused {
    /// `import_failed`
    pub code: String,
    pub message: String,
    pub cells: Vec<CellErrorReply>,
}

#[derive(Serialize, ToSchema)]
pub struct CellErrorReply {
    pub sheet: String,
    /// 1-based row of the spreadsheet.
    pub row: usize,
    pub column: String,
    pub header: String,
    pub code: String,
    pub message: String,
}

/// 操作结果:办件状态、版本与本次新增的事件(默认的精简应答;请求头
/// `Prefer: return=representation` 时改为返回完整办件)。
#[derive(Serialize, ToSchema)]
pub struct CommandReply {
    /// 办件编号
    pub number: String,
    pub state: CaseState,
    /// 操作后的版本(事件数);下一操作基于此版本
    pub version: u32,
    /// 本次操作新增的事件;同一幂等键的重试为空
    pub events: Vec<NewEvent>,
    pub deadlines: Deadlines,
    /// 操作后正在进行的环节
    pub running_stages: Vec<RunningStage>,
}

/// 新增事件的序号、类型与时间
#[derive(Serialize, ToSchema)]
pub struct NewEvent {
    pub seq: u32,
    /// 事件类型(与事件日志中 `kind.type` 相同)
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub at: DateTime<Utc>,
}

/// 正在进行的环节
#[derive(Serialize, ToSchema)]
pub struct RunningStage {
    /// 环节序号,从 0 起(`complete_stage` 的 index)
    pub index: usize,
    pub name: String,
    pub department: String,
    pub due: Option<NaiveDate>,
}

impl CommandReply {
    pub fn of(case: &Case, events: &[CaseEvent]) -> CommandReply {
        CommandReply {
            number: case.filing.number.as_str().to_string(),
            state: case.state,
            version: case.version,
            events: events
                .iter()
                .map(|e| NewEvent {
                    seq: e.seq,
                    kind: e.kind.name(),
                    at: e.at,
                })
                .collect(),
            deadlines: case.deadlines.clone(),
            running_stages: case
                .active_stages()
                .into_iter()
                .map(|index| {
                    let s = &case.stages[index];
                    RunningStage {
                        index,
                        name: s.name.clone(),
                        department: s.department.clone(),
                        due: s.due,
                    }
                })
                .collect(),
        }
    }
}

/// What a command answers: the compact reply, or the whole case when the client asked for it.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum CommandResult {
    Compact(CommandReply),
    Full(Box<CaseView>),
}

/// A case (办件) as staff and the applicant see it.
#[derive(Serialize, ToSchema)]
pub struct CaseView {
    pub filing: Filing,
    pub state: CaseState,
    /// State to return to when a suspension ends.
    pub suspended_from: Option<CaseState>,
    pub suspended_on: Option<NaiveDate>,
    /// The special procedure under way and its expected working days.
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
    /// Each payment's receipt (issued by the platform) and what was refunded from it.
    pub receipts: Vec<domain::case::PaidReceipt>,
    pub suspended_days: u32,
    pub forwarded_on: Option<NaiveDate>,
    /// The number of events so far; a command is applied to this version.
    pub version: u32,
}

impl From<Case> for CaseView {
    fn from(c: Case) -> Self {
        CaseView {
            filing: c.filing,
            state: c.state,
            suspended_from: c.suspended_from,
            suspended_on: c.suspended_on,
            suspension: c.suspension,
            created_at: c.created_at,
            received_on: c.received_on,
            accepted_on: c.accepted_on,
            decided_on: c.decided_on,
            completed_on: c.completed_on,
            deadlines: c.deadlines,
            materials: c.materials,
            stages: c.stages,
            correction_notices: c.correction_notices,
            extended: c.extended,
            granted: c.granted,
            licence_no: c.licence_no,
            fee_due_fen: c.fee_due_fen,
            paid_fen: c.paid_fen,
            refunded_fen: c.refunded_fen,
            receipts: c.receipts,
            suspended_days: c.suspended_days,
            forwarded_on: c.forwarded_on,
            version: c.version,
        }
    }
}

/// One entry of a case's log, with what an outside party needs to check the hash chain:
/// `hash` is SHA-256 over `prev_hash` and the canonical JSON of the other fields.
#[derive(Serialize, ToSchema)]
pub struct EventView {
    pub case_number: String,
    pub seq: u32,
    pub at: DateTime<Utc>,
    pub actor: ActorRef,
    pub kind: EventKind,
    pub comment: String,
    pub attachments: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl From<CaseEvent> for EventView {
    fn from(e: CaseEvent) -> Self {
        EventView {
            case_number: e.case_number,
            seq: e.seq,
            at: e.at,
            actor: e.actor,
            kind: e.kind,
            comment: e.comment,
            attachments: e.attachments,
            idempotency_key: e.idempotency_key,
            prev_hash: e.prev_hash,
            hash: e.hash,
        }
    }
}

/// A row of a work queue.
#[derive(Serialize, ToSchema)]
pub struct QueueRow {
    pub number: String,
    pub item_code: String,
    pub item_name: String,
    pub department: String,
    pub applicant_name: String,
    pub state: CaseState,
    pub place: RegionCode,
    pub decide_place: RegionCode,
    pub applicant_region: RegionCode,
    /// The deadline that matters in the current state.
    pub due: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: u32,
}

impl From<store::CaseSummary> for QueueRow {
    fn from(s: store::CaseSummary) -> Self {
        QueueRow {
            number: s.number,
            item_code: s.item_code,
            item_name: s.item_name,
            department: s.department,
            applicant_name: s.applicant_name,
            state: s.state,
            place: s.place,
            decide_place: s.decide_place,
            applicant_region: s.applicant_region,
            due: s.due,
            created_at: s.created_at,
            updated_at: s.updated_at,
            version: s.version,
        }
    }
}

/// A stored material file.
#[derive(Serialize, ToSchema)]
pub struct Uploaded {
    pub sha256: String,
    pub content_type: String,
    pub size: usize,
}

/// An applicant notice (办件消息).
#[derive(Serialize, ToSchema)]
pub struct MessageView {
    pub id: i64,
    pub case_number: String,
    pub text: String,
    pub created_at: DateTime<Utc>,
}

impl From<store::Message> for MessageView {
    fn from(m: store::Message) -> Self {
        MessageView {
            id: m.id,
            case_number: m.case_number,
            text: m.text,
            created_at: m.created_at,
        }
    }
}

/// A published decision (结果公开); the applicant's name is masked.
#[derive(Serialize, ToSchema)]
pub struct ResultView {
    pub case_number: String,
    pub item_name: String,
    pub applicant_masked: String,
    pub decided_on: NaiveDate,
    pub licence_no: String,
    pub place: RegionCode,
}

impl From<store::PublishedResult> for ResultView {
    fn from(r: store::PublishedResult) -> Self {
        ResultView {
            case_number: r.case_number,
            item_name: r.item_name,
            applicant_masked: r.applicant_masked,
            decided_on: r.decided_on,
            licence_no: r.licence_no,
            place: r.place,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AutoAccepted {
    /// Cases accepted under art. 32 by this run.
    pub accepted: usize,
}
