//! What applicants are told, in the words of the law and the service: the notice each event sends
//! and the next step a case asks of them. Pure functions of the case, so the words are the same on
//! every channel (messages, SMS, the public lookup, the kiosk).

use crate::case::{local_date, Case, CaseEvent, CaseState, EventKind};
use chrono::NaiveDate;

/// The notice an applicant receives for an event, if any.
pub fn notice_text(c: &Case, e: &EventKind) -> Option<String> {
    let f = &c.filing;
    let n = &f.number;
    let item = &f.item.name;
    let w = f.item.wording();
    Some(match e {
        EventKind::Submitted { correction_due, .. } => format!(
            "您申请的“{item}”(办件编号{n},查询码{})已收到材料,将于{correction_due}前完成预审。",
            f.query_code
        ),
        EventKind::CorrectionRequested { defects, .. } => {
            let list: Vec<String> = defects
                .iter()
                .map(|d| format!("{}:{}", d.material, d.reason))
                .collect();
            format!(
                "办件{n}需要补正材料:{}。请一次性补齐后重新提交。",
                list.join(";")
            )
        }
        EventKind::Resubmitted { .. } => format!("办件{n}的补正材料已收到。"),
        EventKind::Refused { reasons } => {
            format!("办件{n}不予受理。理由:{reasons}。{}", w.remedy_short())
        }
        EventKind::Accepted {
            promised_due,
            by_system,
            ..
        } => {
            let how = if *by_system {
                "依法视为已受理"
            } else {
                "已受理"
            };
            format!("办件{n}{how},承诺于{promised_due}前办结。")
        }
        EventKind::Suspended {
            procedure,
            expected_days,
            reason,
            ..
        } => {
            format!(
                "办件{n}进入{}程序,预计{expected_days}个工作日,期间不计入办理时限。原因:{reason}。",
                procedure.label()
            )
        }
        EventKind::Resumed { deadlines, .. } => format!(
            "办件{n}特别程序结束,承诺办结日期顺延至{}。",
            deadlines
                .promised_due
                .map(|d| d.to_string())
                .unwrap_or_default()
        ),
        EventKind::Extended {
            days,
            reason,
            promised_due,
            ..
        } => format!("办件{n}经批准延长{days}个工作日,至{promised_due}。理由:{reason}。"),
        EventKind::Decided {
            granted: true,
            delivery_due,
            ..
        } => format!(
            "办件{n}已作出决定({}),将于{}前送达。",
            w.decision_short(true),
            delivery_due.map(|d| d.to_string()).unwrap_or_default()
        ),
        EventKind::Decided {
            granted: false,
            reasons,
            ..
        } => format!(
            "办件{n}{}。理由:{reasons}。{}",
            w.decision_short(false),
            w.remedy_short()
        ),
        EventKind::Delivered { method, .. } => {
            format!("办件{n}的办理结果已送达({})。", method.label())
        }
        EventKind::Completed { .. } => format!("办件{n}已办结。欢迎对本次服务进行评价。"),
        EventKind::Withdrawn { .. } => format!("办件{n}已撤回。"),
        EventKind::Terminated { reason } => format!("办件{n}已终止办理。原因:{reason}。"),
        _ => return None,
    })
}

/// What the applicant must do next, in plain words.
pub fn next_step_for_applicant(c: &Case) -> String {
    match c.state {
        CaseState::Draft => "请补充申请信息和材料后提交。".into(),
        CaseState::Submitted => "材料已收到,正在预审,无需操作。".into(),
        CaseState::CorrectionRequested => "请按补正通知一次性补齐材料后重新提交。".into(),
        CaseState::InReview => "正在审查,无需操作。".into(),
        CaseState::Suspended => {
            "处于特别程序(听证、检测、鉴定或专家评审等),期间不计入办理时限。".into()
        }
        CaseState::Decided if c.fee_outstanding() > 0 => format!(
            "请缴纳费用{}元后领取结果。",
            crate::catalog::format_yuan(c.fee_outstanding())
        ),
        CaseState::Decided => "结果已作出,请按通知领取或等待送达。".into(),
        CaseState::Delivered | CaseState::Completed => "已办结,欢迎评价。".into(),
        CaseState::Refused => format!("不予受理。{}", c.filing.item.wording().remedy_short()),
        CaseState::Withdrawn | CaseState::Terminated => "本件已结束。".into(),
    }
}

/// The documents (文书, §5) a case has produced so far, as (key, title): the triplicate slip from
/// filing, then each notice or decision once the event that issues it has happened.
pub fn documents(c: &Case) -> Vec<(&'static str, &'static str)> {
    let mut v = vec![("slip", "三联单")];
    if c.correction_notices > 0 {
        v.push(("correction", "补正材料通知书"));
    }
    if c.accepted_on.is_some() {
        v.push(("acceptance", "受理通知书"));
    }
    if c.state == CaseState::Refused {
        v.push(("refusal", "不予受理通知书"));
    }
    if c.suspended_days > 0 || c.state == CaseState::Suspended {
        v.push(("special", "特别程序告知书"));
    }
    if c.extended {
        v.push(("extension", "延期告知书"));
    }
    if let Some(granted) = c.granted {
        v.push(("decision", c.filing.item.wording().decision_title(granted)));
        v.push(("receipt", "送达回证"));
    }
    v
}

/// The latest event of a kind: what a document prints (its date, its reasons) comes from it.
pub fn last_event(events: &[CaseEvent], pred: impl Fn(&EventKind) -> bool) -> Option<&CaseEvent> {
    events.iter().rev().find(|e| pred(&e.kind))
}

/// The date a document is issued on: the day of the (latest) event that issued it, in China.
pub fn document_date(c: &Case, events: &[CaseEvent], key: &str) -> Option<NaiveDate> {
    let day_of =
        |pred: &dyn Fn(&EventKind) -> bool| last_event(events, pred).map(|e| local_date(e.at));
    match key {
        "acceptance" => c.accepted_on,
        "refusal" => day_of(&|k| matches!(k, EventKind::Refused { .. })),
        "correction" => day_of(&|k| matches!(k, EventKind::CorrectionRequested { .. })),
        "special" => day_of(&|k| matches!(k, EventKind::Suspended { .. })),
        "extension" => day_of(&|k| matches!(k, EventKind::Extended { .. })),
        "decision" => c.decided_on,
        "receipt" => day_of(&|k| matches!(k, EventKind::Delivered { .. })),
        _ => c.received_on,
    }
}
