//! Feedback (SPEC §9, §11): ratings' follow-ups, complaints and petitions (投诉, 信访, 举报), who
//! may handle or supervise them, the working days they are given (administrators' settings), and
//! the monthly published statistics. The rules themselves are `domain::feedback`'s typed actions.

use crate::access::Caller;
use crate::{Error, Result, Services};
use chrono::{Datelike, NaiveDate};
use domain::access::{Action, Role, Scope};
use domain::case::Case;
use domain::feedback::{
    self as fb, Complainant, Complaint, ComplaintInput, ComplaintKind, ComplaintSubject, FollowUp,
};
use domain::{CaseNumber, RegionCode};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use store::User;

mod actions;
pub use actions::{act_on_complaint, act_on_follow_up, appeal, rate, Rated};

/// Settings administrators change: working days for a follow-up and for answering a complaint.
pub const FOLLOW_UP_DAYS_SETTING: &str = "feedback_follow_up_days";
pub const ANSWER_DAYS_SETTING: &str = "complaint_answer_days";

pub async fn setting_days(state: &Services, key: &str, default: u32) -> Result<u32> {
    Ok(state
        .store
        .get_setting(key)
        .await?
        .and_then(|v| v.trim().parse().ok())
        .filter(|d| (1..=60).contains(d))
        .unwrap_or(default))
}

pub fn is_admin(u: &User) -> bool {
    u.grants().iter().any(|g| g.role == Role::Administrator)
}

/// The unit's own staff: case handlers and the center's managers of that region.
pub fn may_handle(u: &User, unit: &RegionCode) -> bool {
    u.authorize(Action::HandleCases, unit).is_ok() || u.authorize(Action::ManageStaff, unit).is_ok()
}

pub fn may_supervise(u: &User, unit: &RegionCode) -> bool {
    u.authorize(Action::Supervise, unit).is_ok()
}

/// Every subtree in which the user handles or supervises feedback.
pub fn feedback_scopes(u: &User) -> Vec<Scope> {
    [Action::HandleCases, Action::ManageStaff, Action::Supervise]
        .into_iter()
        .map(|a| u.scope(a))
        .collect()
}

/// The case a number and its query code name together (the query code proves the asker is its
/// applicant).
pub async fn case_by_code(state: &Services, number: &CaseNumber, code: &str) -> Result<Case> {
    state
        .store
        .find_case_by_query_code(number.as_str(), code.trim().to_ascii_uppercase().as_str())
        .await?
        .ok_or_else(crate::lookups::lookup_failed)
}

/// Follow-ups and complaints in any of the user's subtrees, each once.
pub async fn visible_feedback(
    state: &Services,
    u: &User,
    open_only: bool,
) -> Result<(Vec<FollowUp>, Vec<Complaint>)> {
    let mut fus: BTreeMap<i64, FollowUp> = BTreeMap::new();
    let mut ks: BTreeMap<i64, Complaint> = BTreeMap::new();
    for scope in feedback_scopes(u) {
        for f in state.store.list_follow_ups(&scope, open_only).await? {
            fus.insert(f.id, f);
        }
        for k in state.store.list_complaints(&scope, open_only).await? {
            ks.insert(k.id, k);
        }
    }
    let mut fus: Vec<FollowUp> = fus.into_values().collect();
    fus.sort_by(|a, b| a.due.cmp(&b.due).then(a.id.cmp(&b.id)));
    let mut ks: Vec<Complaint> = ks.into_values().collect();
    ks.sort_by(|a, b| b.filed_at.cmp(&a.filed_at).then(b.id.cmp(&a.id)));
    Ok((fus, ks))
}

pub async fn load_follow_up(state: &Services, u: &User, id: i64) -> Result<FollowUp> {
    let f = state
        .store
        .get_follow_up(id)
        .await?
        .ok_or(Error::NotFound("回访整改单"))?;
    if !may_handle(u, &f.unit) && !may_supervise(u, &f.unit) {
        return Err(Error::Forbidden);
    }
    Ok(f)
}

pub async fn load_complaint(state: &Services, u: &User, id: i64) -> Result<Complaint> {
    let k = state
        .store
        .get_complaint(id)
        .await?
        .ok_or(Error::NotFound("投诉件"))?;
    if !may_handle(u, &k.unit) && !may_supervise(u, &k.unit) {
        return Err(Error::Forbidden);
    }
    Ok(k)
}

/// A follow-up the caller handles or supervises, with the rating that opened it.
pub async fn follow_up_with_rating(
    state: &Services,
    u: &User,
    id: i64,
) -> Result<(FollowUp, Option<fb::Rating>)> {
    let f = load_follow_up(state, u, id).await?;
    let rating = state
        .store
        .ratings_for_case(&f.case_number)
        .await?
        .into_iter()
        .find(|r| r.id == f.rating_id);
    Ok((f, rating))
}

/// A case's ratings and the follow-ups they opened. The caller has proved its right to the case
/// (its query code, [`case_by_code`]) by holding it.
pub async fn case_ratings(
    state: &Services,
    case: &Case,
) -> Result<(Vec<fb::Rating>, Vec<FollowUp>)> {
    let number = &case.filing.number;
    Ok((
        state.store.ratings_for_case(number).await?,
        state.store.follow_ups_for_case(number).await?,
    ))
}

/// An administrator sets the working days a follow-up is given and a complaint's answer is due in
/// (each 1 to 60).
pub async fn save_time_limits(
    state: &Services,
    u: &User,
    follow_up_days: &str,
    answer_days: &str,
) -> Result<()> {
    if !is_admin(u) {
        return Err(Error::Forbidden);
    }
    let parse = |v: &str, field: &str| -> Result<u32> {
        v.trim()
            .parse::<u32>()
            .ok()
            .filter(|d| (1..=60).contains(d))
            .ok_or_else(|| Error::bad_field("invalid_days", field, "时限应为1至60个工作日"))
    };
    let fdays = parse(follow_up_days, "follow_up_days")?;
    let adays = parse(answer_days, "answer_days")?;
    state
        .store
        .set_setting(FOLLOW_UP_DAYS_SETTING, &fdays.to_string())
        .await?;
    state
        .store
        .set_setting(ANSWER_DAYS_SETTING, &adays.to_string())
        .await?;
    crate::audit::by_user(
        state,
        u,
        domain::audit::AuditAction::SettingsChanged,
        format!("setting:{FOLLOW_UP_DAYS_SETTING},{ANSWER_DAYS_SETTING}"),
        format!("回访 {fdays} 个工作日,答复 {adays} 个工作日"),
    )
    .await?;
    Ok(())
}

pub async fn place_name(state: &Services, code: &RegionCode) -> String {
    match state.store.get_place(code).await {
        Ok(Some(p)) => p.name,
        _ => match state.store.get_region(code).await {
            Ok(Some(r)) => r.name,
            _ => code.to_string(),
        },
    }
}

// ---------------------------------------------------------------------------------------------
// Complaints: the public form and lookup

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ComplaintForm {
    pub kind: String,
    pub subject: String,
    pub subject_ref: String,
    pub case: String,
    pub place: String,
    pub department: String,
    pub body: String,
    pub name: String,
    pub phone: String,
}

/// What the public complaint form offers: every service place, and the departments by name
/// (code, name), sorted by name.
pub struct ComplaintTargets {
    pub places: Vec<domain::region::ServicePlace>,
    pub departments: Vec<(String, String)>,
}

pub async fn complaint_targets(state: &Services) -> Result<ComplaintTargets> {
    let places = state.store.list_places(&Scope::All).await?;
    // Citizens choose a department by its name; the code stays internal.
    let mut departments: Vec<(String, String)> = crate::lookups::department_names(state)
        .await?
        .into_iter()
        .collect();
    // "某市市场监督管理局" → "市场监督管理局": the place is chosen separately.
    let cities: Vec<String> = state
        .store
        .list_regions(&Scope::All)
        .await?
        .into_iter()
        .filter(|r| r.level == domain::Level::City)
        .map(|r| r.name)
        .collect();
    for d in departments.iter_mut() {
        if let Some(rest) = cities.iter().find_map(|c| d.1.strip_prefix(c.as_str())) {
            d.1 = rest.to_string();
        }
    }
    departments.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(ComplaintTargets {
        places,
        departments,
    })
}

/// Routes a complaint: a case goes to its deciding place and the item's department; anything else
/// to the place the complainant chose.
pub async fn route_complaint(state: &Services, f: &ComplaintForm) -> Result<ComplaintInput> {
    let kind = ComplaintKind::parse(&f.kind)
        .ok_or_else(|| Error::bad_field("invalid_kind", "kind", "请选择类别"))?;
    let subject = ComplaintSubject::parse(&f.subject)
        .ok_or_else(|| Error::bad_field("invalid_subject", "subject", "请选择反映对象"))?;
    let complainant =
        (!f.name.trim().is_empty() || !f.phone.trim().is_empty()).then(|| Complainant {
            name: f.name.clone(),
            phone: f.phone.clone(),
        });
    let case_number = f.case.trim();
    if subject == ComplaintSubject::Case || !case_number.is_empty() {
        // A number that cannot be one names no case either.
        let found = match CaseNumber::parse(case_number) {
            Ok(n) => state.store.get_case(n.as_str()).await?,
            Err(_) => None,
        };
        let c =
            found.ok_or_else(|| Error::bad_field("case_not_found", "case", "办件编号不存在"))?;
        let subject_ref = if subject == ComplaintSubject::Case || f.subject_ref.trim().is_empty() {
            c.filing.number.clone()
        } else {
            f.subject_ref.clone()
        };
        return Ok(ComplaintInput {
            kind,
            subject,
            subject_ref,
            case_number: Some(c.filing.number.clone()),
            // Staff are complained about where they served the applicant.
            unit: if subject.about_staff() {
                fb::handling_unit(subject, &c.filing.place)
            } else {
                c.filing.decide_place.clone()
            },
            department: Some(c.filing.item.department.clone()),
            body: f.body.clone(),
            complainant,
        });
    }
    let unit = RegionCode::parse(f.place.trim())
        .map_err(|_| Error::bad_field("place_required", "place", "请选择责任场所"))?;
    if state.store.get_region(&unit).await?.is_none() {
        return Err(Error::bad_field(
            "place_required",
            "place",
            "请选择责任场所",
        ));
    }
    let department = Some(f.department.trim().to_string()).filter(|d| !d.is_empty());
    Ok(ComplaintInput {
        kind,
        subject,
        subject_ref: f.subject_ref.clone(),
        case_number: None,
        unit: fb::handling_unit(subject, &unit),
        department,
        body: f.body.clone(),
        complainant,
    })
}

pub fn new_code() -> String {
    use rand::RngCore;
    let mut b = [0u8; fb::CODE_LEN];
    rand::thread_rng().fill_bytes(&mut b);
    fb::follow_code(&b)
}

pub async fn file_complaint(state: &Services, f: &ComplaintForm) -> Result<Complaint> {
    let input = route_complaint(state, f).await?;
    let days = setting_days(state, ANSWER_DAYS_SETTING, fb::DEFAULT_ANSWER_DAYS).await?;
    let cal = state.calendar_for(&input.unit).await?;
    // A random code can collide: retry with a fresh one.
    for _ in 0..5 {
        let mut k = fb::file_complaint(
            input.clone(),
            new_code(),
            days,
            state.clock.now(),
            state.clock.today(),
            &cal,
        )?;
        match state.store.create_complaint(&k).await {
            Ok(id) => {
                k.id = id;
                return Ok(k);
            }
            Err(store::StoreError::Conflict {
                code: "complaint_code_taken",
                ..
            }) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(Error::Internal("no free complaint code".into()))
}

/// What the complainant sees: no staff names, no personal data.
#[derive(Serialize, utoipa::ToSchema)]
pub struct PublicComplaint {
    pub code: String,
    pub kind: ComplaintKind,
    pub status: fb::ComplaintStatus,
    pub status_label: &'static str,
    pub unit: RegionCode,
    pub accept_due: NaiveDate,
    pub answer_due: Option<NaiveDate>,
    pub reply: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct OverdueComplaint {
    pub id: i64,
    pub kind: ComplaintKind,
    pub unit: RegionCode,
    pub deadline: fb::ComplaintDeadline,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct OverdueFollowUp {
    pub id: i64,
    pub case_number: String,
    pub unit: RegionCode,
    pub due: NaiveDate,
    pub days_late: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Overdue {
    pub complaints: Vec<OverdueComplaint>,
    pub follow_ups: Vec<OverdueFollowUp>,
}

// ---------------------------------------------------------------------------------------------
// Monthly statistics (published figures)

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct StatRow {
    pub key: String,
    pub name: String,
    /// Cases received (申报受理收件) in the month.
    pub received: u32,
    /// Cases completed (办结) in the month.
    pub completed: u32,
    /// Of those, completed by the promised date.
    pub on_time: u32,
}

impl StatRow {
    /// On-time rate in percent, `None` when nothing was completed.
    pub fn on_time_rate(&self) -> Option<f64> {
        (self.completed > 0).then(|| f64::from(self.on_time) * 100.0 / f64::from(self.completed))
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Statistics {
    pub month: String,
    pub total: StatRow,
    pub by_department: Vec<StatRow>,
    pub by_place: Vec<StatRow>,
}

pub fn month_bounds(s: &str, today: NaiveDate) -> Result<(NaiveDate, NaiveDate)> {
    // Read as given: a month field holds `YYYY-MM` or nothing, and anything else is refused
    // rather than quietly read as this month.
    let first = if s.is_empty() {
        today.with_day(1).unwrap_or(today)
    } else if s.len() != 7 {
        return Err(Error::bad_field(
            "invalid_month",
            "month",
            "月份格式应为YYYY-MM",
        ));
    } else {
        NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d")
            .map_err(|_| Error::bad_field("invalid_month", "month", "月份格式应为YYYY-MM"))?
    };
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .ok_or_else(|| Error::bad_field("invalid_month", "month", "月份无效"))?;
    Ok((first, next))
}

/// Figures of one month over every case: received by date of receipt, completed by date of
/// completion, on time against the promised date. Added up from the month's day rows of receipts
/// and completions (`period_figures`), so the page costs the same however many cases are stored;
/// a month already over is kept in memory after its first visit.
pub async fn statistics(state: &Services, month: &str) -> Result<Statistics> {
    let today = state.clock.today();
    let (from, to) = month_bounds(month, today)?;
    let cached = state
        .caches
        .past_months
        .read()
        .expect("cache lock")
        .get(&from)
        .cloned();
    let figures = match cached {
        Some(f) if to <= today => f,
        _ => {
            let f = Arc::new(state.store.period_figures(from, to).await?);
            if to <= today {
                state
                    .caches
                    .past_months
                    .write()
                    .expect("cache lock")
                    .insert(from, f.clone());
            }
            f
        }
    };
    let names = crate::lookups::department_names(state).await?;
    let places: HashMap<String, String> = state
        .store
        .list_places(&Scope::All)
        .await?
        .into_iter()
        .map(|p| (p.region_code.to_string(), p.name))
        .collect();
    let mut total = StatRow {
        key: "all".into(),
        name: "合计".into(),
        ..Default::default()
    };
    let mut by_dept: BTreeMap<String, StatRow> = BTreeMap::new();
    let mut by_place: BTreeMap<String, StatRow> = BTreeMap::new();
    for f in figures.iter() {
        let dept = &f.department;
        let place = f.place.to_string();
        let rows = [
            &mut total,
            by_dept.entry(dept.clone()).or_insert_with(|| StatRow {
                key: dept.clone(),
                name: names.get(dept).cloned().unwrap_or_else(|| dept.clone()),
                ..Default::default()
            }),
            by_place.entry(place.clone()).or_insert_with(|| StatRow {
                name: places.get(&place).cloned().unwrap_or_else(|| place.clone()),
                key: place.clone(),
                ..Default::default()
            }),
        ];
        for r in rows {
            r.received += f.received;
            r.completed += f.completed;
            r.on_time += f.on_time;
        }
    }
    Ok(Statistics {
        month: from.format("%Y-%m").to_string(),
        total,
        by_department: by_dept.into_values().collect(),
        by_place: by_place.into_values().collect(),
    })
}

/// Overdue complaints and follow-ups in the caller's subtrees: the feedback part of supervision's
/// warnings, computed from each record's running deadline on today's date.
pub async fn overdue(state: &Services, u: &User) -> Result<Overdue> {
    if !u.grants.iter().any(|g| g.role.is_staff()) {
        return Err(Error::Forbidden);
    }
    let (fus, ks) = visible_feedback(state, u, true).await?;
    let today = state.clock.today();
    let cal = state.calendar();
    let complaints = fb::overdue_complaints(&ks, today, &cal)
        .into_iter()
        .map(|(k, d)| OverdueComplaint {
            id: k.id,
            kind: k.kind,
            unit: k.unit.clone(),
            deadline: d,
        })
        .collect();
    let follow_ups = fus
        .iter()
        .filter_map(|f| {
            f.overdue_days(today, &cal)
                .map(|days_late| OverdueFollowUp {
                    id: f.id,
                    case_number: f.case_number.clone(),
                    unit: f.unit.clone(),
                    due: f.due,
                    days_late,
                })
        })
        .collect();
    Ok(Overdue {
        complaints,
        follow_ups,
    })
}

/// A complaint by its follow code (the complainant's only key; spaces, dashes and case aside).
pub async fn complaint_by_code(state: &Services, code: &str) -> Result<Complaint> {
    state
        .store
        .find_complaint(&fb::normalize_code(code))
        .await?
        .ok_or(Error::NotFound("投诉件"))
}

/// A complaint as its complainant follows it with the follow code: no personal data.
pub async fn public_complaint(state: &Services, code: &str) -> Result<PublicComplaint> {
    let k = complaint_by_code(state, code).await?;
    Ok(PublicComplaint {
        code: k.code,
        kind: k.kind,
        status: k.status,
        status_label: k.status.label(),
        unit: k.unit,
        accept_due: k.accept_due,
        answer_due: k.answer_due,
        reply: k.reply,
    })
}
