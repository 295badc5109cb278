//! Personal data at rest (issue 16, part 6): what the use cases add to the store's sealing
//! (`store::vault`): sealing what was written before, once per database and recorded, and finding
//! a person's cases by ID number through the blind index.

use crate::audit::{self, Actor};
use crate::error::{Error, Result};
use crate::services::Services;
use domain::access::Action;
use domain::audit::{AuditAction, Outcome};
use store::{CaseSummary, User};

/// Set (to the time) when every row written before sealing has been sealed.
pub const SEALED_SETTING: &str = "personal_data_sealed_at";

/// Cases per step: each step is one transaction, short enough not to hold up the write path.
const STEP: u32 = 200;

/// Seals the personal data written before it was encrypted, if this database has not been sealed
/// yet; records it in the audit log. Returns the rows changed (0 when it was done before). Runs
/// at every start before the server takes requests; steps skip sealed rows, so a start that was
/// interrupted (or two servers starting at once) only continues the work.
pub async fn seal_existing(state: &Services) -> Result<u64> {
    if state.store.get_setting(SEALED_SETTING).await?.is_some() {
        return Ok(0);
    }
    let mut after: Option<String> = None;
    let mut rows = 0;
    loop {
        let step = state
            .store
            .seal_personal_data(after.as_deref(), STEP)
            .await?;
        rows += step.rows;
        match step.last_case {
            Some(last) => after = Some(last),
            None => break,
        }
    }
    if rows > 0 {
        state.store.scrub_after_sealing().await?;
    }
    let now = state.clock.now();
    audit::record(
        state,
        Actor::System,
        AuditAction::PersonalDataSealed,
        "database",
        Outcome::Success,
        format!(
            "个人信息加密存储:{rows} 行已加密或建立索引({})",
            state.suite.label()
        ),
    )
    .await?;
    state
        .store
        .set_setting(SEALED_SETTING, &now.to_rfc3339())
        .await?;
    Ok(rows)
}

/// How many cases one lookup by ID number shows at most.
pub const LOOKUP_LIMIT: u32 = 100;

/// The cases of the applicant with this ID number (or credit code) that the caller may see, newest
/// first: the window finds a person's cases although no ID number is stored in clear. Staff only
/// (window and supervision roles); an applicant sees their own cases by their account.
pub async fn cases_by_id_number(
    state: &Services,
    u: &User,
    id_number: &str,
) -> Result<Vec<CaseSummary>> {
    use crate::access::Caller;
    if ![Action::HandleCases, Action::Supervise]
        .into_iter()
        .any(|a| u.can_anywhere(a))
    {
        return Err(Error::Forbidden);
    }
    let id = domain::identity::normalize_id_number(id_number);
    if id.is_empty() || id.len() > 18 {
        return Err(Error::bad_field(
            "invalid_id_number",
            "id_number",
            "请输入18位身份证号码或统一社会信用代码",
        ));
    }
    let found = state.store.cases_by_id_number(&id, LOOKUP_LIMIT).await?;
    Ok(found
        .into_iter()
        .filter(|c| crate::cases::can_view_summary(u, c))
        .collect())
}

/// A case as a user is shown it: the applicant's ID number and phone masked
/// (`3301**********1234`, `139****1001`) for everyone but the applicant themself; staff who need
/// the whole values reveal them ([`reveal`]), which the audit log records.
pub fn masked_for(u: &User, mut case: domain::case::Case) -> domain::case::Case {
    if case.filing.applicant.user_id != Some(u.id) {
        mask(&mut case.filing.applicant);
    }
    case
}

/// A case's log as a user is shown it: the `Filed` event's applicant masked as in [`masked_for`].
pub fn masked_log(
    u: &User,
    case: &domain::case::Case,
    mut events: Vec<domain::case::CaseEvent>,
) -> Vec<domain::case::CaseEvent> {
    if case.filing.applicant.user_id != Some(u.id) {
        for e in &mut events {
            if let domain::case::EventKind::Filed { filing } = &mut e.kind {
                mask(&mut filing.applicant);
            }
        }
    }
    events
}

fn mask(a: &mut domain::case::Applicant) {
    a.id_number = domain::identity::mask_id(&a.id_number);
    a.phone = domain::identity::mask_phone(&a.phone);
}

/// Whether this user may reveal the case's applicant's whole ID number and phone: staff who
/// handle cases over its place or deciding place.
pub fn may_reveal(u: &User, case: &domain::case::Case) -> bool {
    use crate::access::Caller;
    let f = &case.filing;
    [&f.place, &f.decide_place]
        .into_iter()
        .any(|r| u.authorize(Action::HandleCases, r).is_ok())
}

/// An applicant's whole ID number and phone, revealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revealed {
    pub name: String,
    pub id_number: String,
    pub phone: String,
}

/// The longest reason a reveal may give.
pub const REASON_MAX_CHARS: usize = 200;

/// Shows a case's applicant's whole ID number and phone to a member of staff who handles the case
/// (window, review, decision, delivery over its place or deciding place) and says why; recorded in
/// the audit log with the reason. Supervisors, agents and others see the masked values only.
pub async fn reveal(
    state: &Services,
    u: &User,
    number: &domain::case::CaseNumber,
    reason: &str,
) -> Result<Revealed> {
    let case = crate::cases::load_visible(state, u, number).await?;
    let f = &case.filing;
    if !may_reveal(u, &case) {
        return Err(Error::Forbidden);
    }
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > REASON_MAX_CHARS {
        return Err(Error::bad_field(
            "reason_required",
            "reason",
            format!("请填写查看完整信息的理由(1–{REASON_MAX_CHARS} 字)"),
        ));
    }
    audit::record(
        state,
        Actor::User(u),
        AuditAction::PersonalDataRevealed,
        format!("case:{}", f.number),
        Outcome::Success,
        reason,
    )
    .await?;
    Ok(Revealed {
        name: f.applicant.name.clone(),
        id_number: f.applicant.id_number.clone(),
        phone: f.applicant.phone.clone(),
    })
}
