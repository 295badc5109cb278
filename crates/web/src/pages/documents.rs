//! Printable documents (文书, §5): A4 pages with the case number, the query code and a QR code of
//! the public lookup link; the triplicate slip (三联单) as three numbered copies of one record.

use super::PageResult;
use crate::auth::PageUser;
use crate::error::AppError;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use domain::case::{Case, EventKind};
use domain::catalog::format_yuan;
use domain::identity::mask_id;
use domain::notices::last_event;
use maud::{html, Markup, PreEscaped, DOCTYPE};

/// Documents that exist for this case now: (key, title) — `domain::notices::documents`.
pub use domain::notices::documents as available;

pub(super) fn qr_svg(text: &str) -> String {
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(110, 110)
            .quiet_zone(false)
            .build(),
        Err(_) => String::new(),
    }
}

const PRINT_CSS: &str = r#"
@page { size: A4; margin: 20mm 18mm; }
body { font-family: "SimSun","Songti SC","Noto Serif CJK SC","Noto Sans CJK SC",serif; color:#000; background:#fff; font-size: 12pt; line-height: 1.7; margin: 0; }
.sheet { max-width: 174mm; margin: 0 auto; padding: 0; page-break-after: always; }
@media screen { .sheet { padding: 10mm 0; } }
section.sheet:last-of-type { page-break-after: auto; }
h1 { text-align:center; font-size: 20pt; letter-spacing: .2em; margin: 0 0 4mm; }
.no { text-align:center; margin: 0 0 3mm; }
.head { display:flex; justify-content:space-between; align-items:flex-start; gap: 8mm; }
.qr { text-align:center; font-size: 9pt; } .qr svg { width: 28mm; height: 28mm; }
.sign { margin-top: 8mm; text-align: right; break-inside: avoid; } .stamp { color:#b3261e; border:2px solid #b3261e; border-radius:50%; display:inline-block; padding: 6mm 4mm; margin-right: 10mm; font-size:10pt; }
table { border-collapse: collapse; width: 100%; } td, th { border: 1px solid #000; padding: 1.2mm 2.5mm; text-align:left; vertical-align: top; }
th { white-space: nowrap; }
.copy { text-align:right; font-weight:bold; }
.noprint { margin: 10px auto; max-width: 174mm; font-family: sans-serif; }
/* The slip: three tear-off copies on one A4 sheet, each a third of the page. */
.slipsheet { padding: 0; font-size: 10pt; line-height: 1.45; }
.slipsheet .part { height: 78mm; overflow: hidden; box-sizing: border-box; padding-top: 2mm; }
.slipsheet .parthead { display:flex; justify-content:space-between; align-items:flex-start; gap: 4mm; margin-bottom: 2mm; }
.slipsheet .slipname { font-size: 13pt; letter-spacing: .1em; }
.slipsheet .serial { font-family: monospace; white-space: nowrap; }
.slipsheet .qr.small svg { width: 18mm; height: 18mm; }
table.slip th { width: 20mm; white-space: nowrap; background: #f3f3f3; }
table.slip td, table.slip th { padding: 1mm 2mm; }
.sigline { margin: 2mm 0 0; } .blank { display:inline-block; width: 36mm; border-bottom: 1px solid #000; }
.tear { text-align:center; color:#555; margin: 0; font-size: 9pt; white-space: nowrap; overflow: hidden; }
@media print { .noprint { display:none; } }
"#;

struct Issuer {
    name: String,
    date: Option<chrono::NaiveDate>,
}

fn sheet(
    title: &str,
    c: &Case,
    url: &str,
    copy: Option<&str>,
    issuer: &Issuer,
    body: Markup,
) -> Markup {
    let f = &c.filing;
    html! {
        section.sheet {
            @if let Some(cp) = copy { p.copy { (cp) } }
            h1 { (title) }
            p.no { "办件编号:" (f.number) }
            div.head {
                div {
                    p { strong { (f.applicant.name) } ":" }
                }
                // The address in words too, for an applicant without a QR scanner.
                div.qr {
                    (PreEscaped(qr_svg(url))) br; "查询码 " strong { (f.query_code) }
                    br; small.site { "扫码或访问 " (url.split('?').next().unwrap_or(url)) }
                }
            }
            (body)
            div.sign {
                span.stamp { "(印章)" }
                br; (issuer.name) br; (issuer.date.map(|d| d.format("%Y年%m月%d日").to_string()).unwrap_or_default())
            }
        }
    }
}

pub async fn document(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Path((number, kind)): Path<(String, String)>,
) -> PageResult {
    let number = crate::ids::case_number(&number)?;
    let d = app::documents::document(&state, &u, &number, &kind).await?;
    let (c, events, url) = (d.case, d.events, d.lookup_url);
    let f = &c.filing;
    let item = &f.item.name;
    let w = f.item.wording();
    let issuer = Issuer {
        name: d.issuer,
        date: d.date,
    };
    let when = |d: Option<chrono::NaiveDate>| {
        d.map(|d| d.format("%Y年%m月%d日").to_string())
            .unwrap_or_default()
    };
    let (title, pages): (&str, Vec<Markup>) = match kind.as_str() {
        "acceptance" => {
            let t = "受理通知书";
            // What was issued on the day of acceptance (a reprint shows it, not today's dates),
            // with any later change noted below.
            let issued =
                last_event(&events, |k| matches!(k, EventKind::Accepted { .. })).and_then(|e| {
                    match &e.kind {
                        EventKind::Accepted {
                            accepted_on,
                            statutory_due,
                            promised_due,
                            ..
                        } => Some((*accepted_on, *statutory_due, *promised_due)),
                        _ => None,
                    }
                });
            let (accepted_on, statutory_due, promised_due) = match issued {
                Some((a, s, p)) => (Some(a), Some(s), Some(p)),
                None => (
                    c.accepted_on,
                    c.deadlines.statutory_due,
                    c.deadlines.promised_due,
                ),
            };
            let changed = (statutory_due, promised_due)
                != (c.deadlines.statutory_due, c.deadlines.promised_due);
            (
                t,
                vec![sheet(
                    t,
                    &c,
                    &url,
                    None,
                    &issuer,
                    html! {
                        p { "你(单位)于" (when(c.received_on)) "提出的“" (item) "”申请,申请材料齐全、符合法定形式," (w.basis_for("第三十二条")) ",决定予以受理。" }
                        p { "本机关将于" strong { (when(promised_due)) } "前作出决定(承诺时限" (f.item.promised_limit_days) "个工作日;法定期限至" (when(statutory_due)) ")。依法需要听证、检验、检测、鉴定和专家评审的,所需时间不计算在期限内,届时将书面告知。" }
                        p { "受理日期:" (when(accepted_on)) }
                        @if changed {
                            p.note { "注:本件为补打,正文为受理当日所发内容。此后期限依法变更(中止或延长,已另行书面告知):现承诺办结日期为" (when(c.deadlines.promised_due)) ",法定期限至" (when(c.deadlines.statutory_due)) "。" }
                        }
                    },
                )],
            )
        }
        "refusal" => {
            let reasons = last_event(&events, |k| matches!(k, EventKind::Refused { .. }))
                .map(|e| match &e.kind {
                    EventKind::Refused { reasons } => reasons.clone(),
                    _ => String::new(),
                })
                .unwrap_or_default();
            let t = "不予受理通知书";
            (
                t,
                vec![sheet(
                    t,
                    &c,
                    &url,
                    None,
                    &issuer,
                    html! {
                        p { "你(单位)于" (when(c.received_on)) "提出的“" (item) "”申请,经审查," (w.basis_for("第三十二条")) ",决定不予受理。理由如下:" }
                        p { strong { (reasons) } }
                        p { (w.remedy()) }
                    },
                )],
            )
        }
        "correction" => {
            let ev = last_event(&events, |k| {
                matches!(k, EventKind::CorrectionRequested { .. })
            });
            let defects = match ev.map(|e| &e.kind) {
                Some(EventKind::CorrectionRequested { defects, .. }) => defects.clone(),
                _ => vec![],
            };
            let t = "补正材料通知书";
            (
                t,
                vec![sheet(
                    t,
                    &c,
                    &url,
                    None,
                    &issuer,
                    html! {
                        p { "你(单位)于" (when(c.received_on)) "提出的“" (item) "”申请,申请材料不齐全或者不符合法定形式。" (w.basis_for("第三十二条")) ",现一次性告知需要补正的全部内容如下:" }
                        table { thead { tr { th { "序号" } th { "材料" } th { "需补正的内容" } } }
                            tbody { @for (i, d) in defects.iter().enumerate() { tr { td { (i + 1) } td { (d.material) } td { (d.reason) } } } } }
                        p { "请补正全部材料后重新提交。补正材料齐全、符合法定形式的,本机关将予以受理。" }
                    },
                )],
            )
        }
        "special" => {
            let ev = last_event(&events, |k| matches!(k, EventKind::Suspended { .. }));
            let (proc_, reason, days, on) = match ev.map(|e| &e.kind) {
                Some(EventKind::Suspended {
                    procedure,
                    reason,
                    expected_days,
                    on,
                }) => (procedure.label(), reason.clone(), *expected_days, Some(*on)),
                _ => ("", String::new(), 0, None),
            };
            let t = "特别程序告知书";
            (
                t,
                vec![sheet(
                    t,
                    &c,
                    &url,
                    None,
                    &issuer,
                    html! {
                        p { "你(单位)申请的“" (item) "”,因" (reason) ",自" (when(on)) "起需要进行" strong { (proc_) } ",预计需要" strong { (days) } "个工作日。" }
                        p { (w.basis_for("第四十五条")) ",上述时间不计算在" (w.time_limit_name()) "内。特别程序结束后,办理期限相应顺延。" }
                    },
                )],
            )
        }
        "extension" => {
            let ev = last_event(&events, |k| matches!(k, EventKind::Extended { .. }));
            let (days, reason, due) = match ev.map(|e| &e.kind) {
                Some(EventKind::Extended {
                    days,
                    reason,
                    promised_due,
                    ..
                }) => (*days, reason.clone(), Some(*promised_due)),
                _ => (0, String::new(), None),
            };
            let t = "延期告知书";
            (
                t,
                vec![sheet(
                    t,
                    &c,
                    &url,
                    None,
                    &issuer,
                    html! {
                        p { "你(单位)申请的“" (item) "”,因" (reason) ",不能在规定期限内作出决定。" (if f.item.is_joint() { "经本级人民政府负责人批准," } else { "经本机关负责人批准," }) (w.basis_for(if f.item.is_joint() { "第四十二条第二款" } else { "第四十二条第一款" })) ",延长" strong { (days) } "个工作日,将于" strong { (when(due)) } "前作出决定。" }
                    },
                )],
            )
        }
        "decision" => {
            let granted = c.granted == Some(true);
            let reasons = last_event(&events, |k| matches!(k, EventKind::Decided { .. }))
                .map(|e| match &e.kind {
                    EventKind::Decided { reasons, .. } => reasons.clone(),
                    _ => String::new(),
                })
                .unwrap_or_default();
            let t = w.decision_title(granted);
            (
                t,
                vec![sheet(
                    t,
                    &c,
                    &url,
                    None,
                    &issuer,
                    html! {
                        @if granted {
                            p { "你(单位)于" (when(c.accepted_on)) "受理的“" (item) "”申请,经审查,符合法定条件、标准," (w.basis_for("第三十八条第一款")) "," (w.decision_words(true)) "。" }
                            @if let Some(l) = &c.licence_no { p { (f.item.result_name) "编号:" strong { (l) } } }
                            p { "本机关将于" (when(c.deadlines.delivery_due)) "前向你(单位)" (w.delivery_words()) "。" }
                        } @else {
                            p { "你(单位)于" (when(c.accepted_on)) "受理的“" (item) "”申请,经审查,不符合法定条件、标准," (w.basis_for("第三十八条第二款")) "," (w.decision_words(false)) "。理由如下:" }
                            p { strong { (reasons) } }
                            p { (w.remedy()) }
                        }
                    },
                )],
            )
        }
        "receipt" => {
            let ev = last_event(&events, |k| matches!(k, EventKind::Delivered { .. }));
            let (method, recipient, on) = match ev.map(|e| &e.kind) {
                Some(EventKind::Delivered {
                    method,
                    recipient,
                    on,
                    ..
                }) => (method.label(), recipient.clone(), Some(*on)),
                _ => ("", String::new(), None),
            };
            let t = "送达回证";
            (
                t,
                vec![sheet(
                    t,
                    &c,
                    &url,
                    None,
                    &issuer,
                    html! {
                        table {
                            tr { th { "送达文书" } td { (w.decision_title(c.granted == Some(true))) @if let Some(l) = &c.licence_no { "及" (f.item.result_name) "(" (l) ")" } } }
                            tr { th { "受送达人" } td { (f.applicant.name) } }
                            tr { th { "送达方式" } td { (method) } }
                            tr { th { "送达时间" } td { (when(on)) } }
                            tr { th { "受送达人签收" } td { (recipient) " " span style="display:inline-block;width:40mm;border-bottom:1px solid #000" {} } }
                            tr { th { "送达人" } td { span style="display:inline-block;width:40mm;border-bottom:1px solid #000" {} } }
                        }
                    },
                )],
            )
        }
        "slip" => {
            let t = "行政服务三联单";
            // Receipts as issued, in order: what was paid is on the slip reprinted afterwards too.
            let receipts: Vec<(i64, String)> = events
                .iter()
                .filter_map(|e| match &e.kind {
                    EventKind::PaymentRecorded {
                        amount_fen,
                        receipt_no,
                        ..
                    } => Some((*amount_fen, receipt_no.clone())),
                    _ => None,
                })
                .collect();
            let received: Vec<&str> = c
                .materials
                .iter()
                .filter(|m| m.status == domain::case::MaterialStatus::Received)
                .map(|m| m.name.as_str())
                .collect();
            let copies = [
                (1, "第一联 申请人留存"),
                (2, "第二联 窗口存档"),
                (3, "第三联 承办部门"),
            ];
            // The query code is the applicant's: only their copy carries it (in text and in the
            // QR code); the copies that stay at the window and go to the department point to the
            // lookup page without it.
            let without_code = url.split("&code=").next().unwrap_or(&url).to_string();
            let record = |serial: u32, copy: &str| {
                let applicants = serial == 1;
                html! {
                    div.part {
                        div.parthead {
                            div {
                                strong.slipname { (t) }
                                " " span.copyname { (copy) }
                                br; "办件编号 " (f.number)
                                @if applicants { " · 查询码 " strong { (f.query_code) } }
                            }
                            div.serial { "No. " (f.number) "-" (serial) }
                            div.qr.small { (PreEscaped(qr_svg(if applicants { &url } else { &without_code }))) }
                        }
                        table.slip {
                            tr { th { "事项" } td colspan="3" { (item) "(" (f.item.code) " 第" (f.item.version) "版)" } }
                            tr { th { "申请人" } td { (f.applicant.name) } th { "证件号码" } td { (mask_id(&f.applicant.id_number)) } }
                            tr { th { "收件日期" } td { (when(c.received_on)) } th { "承诺办结" } td { (when(c.deadlines.promised_due)) } }
                            tr {
                                th { "收费" }
                                td colspan="3" {
                                    @if c.fee_due_fen == 0 && receipts.is_empty() { "不收费" }
                                    @else {
                                        "应收 " (format_yuan(c.fee_due_fen)) " 元"
                                        @for (amount, no) in &receipts { ";已收 " (format_yuan(*amount)) " 元,票据号 " (no) }
                                    }
                                }
                            }
                            tr {
                                th { "已收材料" }
                                td colspan="3" {
                                    @if received.is_empty() { "尚未收取材料" }
                                    @else { @for (i, m) in received.iter().enumerate() { @if i > 0 { ";" } (m) } "(共" (received.len()) "项)" }
                                }
                            }
                            tr { th { "收件单位" } td { (issuer.name) } th { "日期" } td { (when(issuer.date)) } }
                        }
                        p.sigline { "申请人签字:" span.blank {} " 经办人签字:" span.blank {} }
                    }
                }
            };
            (
                t,
                vec![html! {
                    section.sheet.slipsheet {
                        @for (i, (serial, copy)) in copies.iter().enumerate() {
                            @if i > 0 { p.tear aria-hidden="true" { "✂ ·························· 沿虚线裁开 ··························" } }
                            (record(*serial, copy))
                        }
                    }
                }],
            )
        }
        _ => return Err(AppError::NotFound("文书").into()),
    };
    let page = html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head { meta charset="utf-8"; title { (title) " " (f.number) }; style { (PreEscaped(PRINT_CSS)) } }
            body {
                div.noprint { button type="button" data-print { "打印" } " " a href={ "/cases/" (f.number) } { "返回办件" } }
                @for p in pages { (p) }
                script src="/static/app.js" {}
            }
        }
    };
    Ok(page.into_response())
}
