//! The events a case is the fold of, hash-chained.

use super::*;

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
        #[serde(default, skip_serializing_if = "Option::is_none")]
        paper_no: Option<String>,
    },
    Refunded {
        amount_fen: i64,
        reason: String,
        /// The receipt refunded (empty in refunds recorded before receipts were referenced).
        #[serde(default, skip_serializing_if = "String::is_empty")]
        receipt_no: String,
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
    /// The line shown in a timeline (public view: no personal data), in the words of the case's
    /// item type (`crate::wording`).
    pub fn label(&self, w: &crate::wording::Wording) -> String {
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
            EventKind::FirstReviewStarted { due } if w.is_licensing() => {
                format!("本级初审开始,应于{due}前完成(行政许可法第四十三条)")
            }
            EventKind::FirstReviewStarted { due } => format!("本级初审开始,应于{due}前完成"),
            EventKind::Forwarded { .. } => "初审完成,报送上级决定".into(),
            EventKind::Transferred { .. } => "转办至上级服务中心".into(),
            EventKind::Resumed { shift_days, .. } => {
                format!("特别程序结束,期限顺延{shift_days}个工作日")
            }
            EventKind::Extended { days, .. } => format!("经批准延长{days}个工作日"),
            EventKind::Decided { granted, .. } => {
                format!("作出决定({})", w.decision_short(*granted))
            }
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
    /// The hash of the request that key came with (see `IdempotencyKey`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_hash: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// Hash of the genesis predecessor.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

impl CaseEvent {
    /// The suite's hash (SHA-256 or SM3) over the previous hash and the canonical JSON of every
    /// other field.
    pub fn compute_hash(&self, suite: Suite) -> String {
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
        if let Some(r) = &self.request_hash {
            body["request_hash"] = serde_json::Value::String(r.clone());
        }
        let json = serde_json::to_vec(&body).expect("event serializes");
        hex::encode(suite.digest(&[self.prev_hash.as_bytes(), &json]))
    }
}

/// The suite a log is chained with: the one its `Filed` event names.
pub fn chain_suite(events: &[CaseEvent]) -> Suite {
    match events.first().map(|e| &e.kind) {
        Some(EventKind::Filed { filing }) => filing.suite,
        _ => Suite::default(),
    }
}

/// Checks a case's chain: sequence, links and hashes. Returns the first bad seq.
pub fn verify_chain(events: &[CaseEvent]) -> Result<(), u32> {
    let suite = chain_suite(events);
    let mut prev = GENESIS_HASH.to_string();
    for (i, e) in events.iter().enumerate() {
        if e.seq as usize != i + 1 || e.prev_hash != prev || e.compute_hash(suite) != e.hash {
            return Err(e.seq);
        }
        prev = e.hash.clone();
    }
    Ok(())
}
