//! A case as the fold of its events, and what can be read off it.

use super::*;

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
            receipts: Vec::new(),
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
            EventKind::PaymentRecorded {
                amount_fen,
                method,
                receipt_no,
                paper_no,
            } => {
                self.paid_fen += amount_fen;
                self.receipts.push(PaidReceipt {
                    receipt_no: receipt_no.clone(),
                    paper_no: paper_no.clone(),
                    amount_fen: *amount_fen,
                    method: *method,
                    refunded_fen: 0,
                });
            }
            EventKind::Refunded {
                amount_fen,
                receipt_no,
                ..
            } => {
                self.refunded_fen += amount_fen;
                if let Some(r) = self
                    .receipts
                    .iter_mut()
                    .find(|r| &r.receipt_no == receipt_no)
                {
                    r.refunded_fen += amount_fen;
                }
            }
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
    /// Mandatory materials the applicant has neither uploaded nor handed in: an online submission
    /// waits for them.
    pub fn materials_not_provided(&self) -> Vec<String> {
        self.materials
            .iter()
            .filter(|m| m.mandatory && m.files.is_empty() && m.status != MaterialStatus::Received)
            .map(|m| m.name.clone())
            .collect()
    }

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

    pub(super) fn next_step(&self, done: &[usize]) -> Vec<usize> {
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
