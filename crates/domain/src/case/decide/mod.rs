//! [`decide`]: a command, checked against the case's state and the actor's roles, becomes the
//! events to append. One function per command, in `intake`, `review` and `close`; what they share
//! (who may act, the wrong-state error) is [`Ctx`].

use super::*;

mod close;
mod intake;
mod review;

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
    let cx = Ctx {
        case,
        cmd,
        actor,
        cal,
        today: local_date(at),
        f: &case.filing,
    };
    if case.state.is_final() {
        return Err(cx.wrong());
    }
    match cmd {
        Command::UpdateDraft { applicant, form } => intake::update_draft(&cx, applicant, form),
        Command::Submit => intake::submit(&cx),
        Command::UploadMaterial { index, sha256 } => intake::upload_material(&cx, *index, sha256),
        Command::MarkMaterial {
            index,
            status,
            reason,
        } => intake::mark_material(&cx, *index, *status, reason),
        Command::RequestCorrection { defects } => intake::request_correction(&cx, defects),
        Command::Resubmit => intake::resubmit(&cx),
        Command::Refuse { reasons } => intake::refuse(&cx, reasons),
        Command::Accept | Command::AutoAccept => intake::accept(&cx),
        Command::Forward { reason } => intake::forward(&cx, reason),
        Command::CompleteStage {
            index,
            approved,
            opinion,
        } => review::complete_stage(&cx, *index, *approved, opinion),
        Command::Suspend {
            procedure,
            reason,
            expected_days,
        } => review::suspend(&cx, *procedure, reason, *expected_days),
        Command::Resume => review::resume(&cx),
        Command::Extend { reason } => review::extend(&cx, reason),
        Command::Decide {
            granted,
            reasons,
            licence_no,
        } => review::decide(&cx, *granted, reasons, licence_no.as_deref()),
        Command::AssessFees { lines } => close::assess_fees(&cx, lines),
        Command::RecordPayment {
            amount_fen,
            method,
            receipt_no,
            paper_no,
        } => close::record_payment(&cx, *amount_fen, *method, receipt_no, paper_no.as_deref()),
        Command::Refund {
            amount_fen,
            reason,
            receipt_no,
        } => close::refund(&cx, *amount_fen, reason, receipt_no),
        Command::Deliver { method, recipient } => close::deliver(&cx, *method, recipient),
        Command::Complete => close::complete(&cx),
        Command::Withdraw { reason } => close::withdraw(&cx, reason),
        Command::Terminate { reason } => close::terminate(&cx, reason),
        Command::HandleImmediately { licence_no } => {
            close::handle_immediately(&cx, licence_no.as_deref())
        }
    }
}

/// What every command's decision reads: the case, the command, who acts, the day, the calendar.
pub(super) struct Ctx<'a> {
    case: &'a Case,
    cmd: &'a Command,
    actor: &'a Actor,
    cal: &'a WorkingCalendar,
    /// The moment of the command as a date in China.
    today: NaiveDate,
    f: &'a Filing,
}

impl Ctx<'_> {
    /// The command is not possible in the case's state.
    fn wrong(&self) -> CaseError {
        CaseError::WrongState {
            state: self.case.state.label(),
            action: self.cmd.verb(),
        }
    }

    /// The applicant, or the village agent filing for them, acting on their own case.
    fn as_applicant(&self) -> Result<ActorRef, CaseError> {
        let (actor, f) = (self.actor, self.f);
        let own = actor.user_id.is_some()
            && (actor.user_id == f.applicant.user_id || actor.user_id == f.agent_user_id);
        if !own {
            return Err(CaseError::NotAllowed(self.cmd.verb()));
        }
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
    }

    /// Staff holding one of `roles` over `region` (and `dept`, for departmental roles).
    fn as_staff(
        &self,
        roles: &[Role],
        region: &RegionCode,
        dept: Option<&str>,
    ) -> Result<ActorRef, CaseError> {
        roles
            .iter()
            .find_map(|r| self.actor.find(*r, region, dept))
            .map(|r| ActorRef {
                user_id: self.actor.user_id,
                name: self.actor.name.clone(),
                role: Some(r.role),
                place: Some(region.clone()),
            })
            .ok_or(CaseError::NotAllowed(self.cmd.verb()))
    }

    /// A window clerk of the accepting place.
    fn window(&self) -> Result<ActorRef, CaseError> {
        self.as_staff(&[Role::WindowClerk], &self.f.place, None)
    }

    /// The head of the item's department at the deciding place.
    fn head(&self) -> Result<ActorRef, CaseError> {
        self.as_staff(
            &[Role::DepartmentHead],
            &self.f.decide_place,
            Some(&self.f.item.department),
        )
    }
}

/// A decision of one event.
fn one(actor: ActorRef, e: EventKind) -> Result<Decision, CaseError> {
    Ok(Decision {
        events: vec![e],
        actor,
    })
}

/// Seals new event kinds into chained events after the case's last one, hashed with the case's
/// suite.
#[allow(clippy::too_many_arguments)]
pub fn seal(
    suite: Suite,
    case_number: &str,
    last_seq: u32,
    last_hash: &str,
    at: DateTime<Utc>,
    actor: &ActorRef,
    comment: &str,
    attachments: &[String],
    kinds: Vec<EventKind>,
) -> Vec<CaseEvent> {
    seal_with_key(
        suite,
        case_number,
        last_seq,
        last_hash,
        at,
        actor,
        comment,
        attachments,
        kinds,
        None,
    )
}

/// Like [`seal`], recording the client's idempotency key on every new event (each event is
/// hashed once, with its key).
#[allow(clippy::too_many_arguments)]
pub fn seal_with_key(
    suite: Suite,
    case_number: &str,
    last_seq: u32,
    last_hash: &str,
    at: DateTime<Utc>,
    actor: &ActorRef,
    comment: &str,
    attachments: &[String],
    kinds: Vec<EventKind>,
    key: Option<&IdempotencyKey>,
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
            idempotency_key: key.map(|k| k.key.clone()),
            request_hash: key.and_then(|k| k.request_hash.clone()),
            prev_hash: prev.clone(),
            hash: String::new(),
        };
        e.hash = e.compute_hash(suite);
        prev = e.hash.clone();
        out.push(e);
    }
    out
}
