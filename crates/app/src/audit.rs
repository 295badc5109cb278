//! 安全审计 (issue 16, part 4): the use cases write an entry for every security-relevant action;
//! the auditor, and nobody else, reads and exports the log. Entries are chained and sealed in
//! every checkpoint (`domain::audit`); the database refuses to change or delete them, except a
//! recorded prune of sealed entries older than the retention.

use crate::access::Caller;
use crate::{Error, Result, Services};
use domain::access::Action;
use domain::audit::{AuditAction, AuditEntry, NewAuditEntry, Outcome};
use store::record::AuditFilter;
use store::User;

tokio::task_local! {
    /// The client's address for the request being served; the web layer sets it per request.
    pub static SOURCE: String;
}

/// Where the current action comes from: the request's client, or this machine (the command line
/// and the server's own jobs).
pub fn source() -> String {
    SOURCE
        .try_with(Clone::clone)
        .unwrap_or_else(|_| "本机".to_string())
}

/// Who acted.
pub enum Actor<'a> {
    User(&'a User),
    /// A name without an account behind it (a sign-in with an unknown username).
    Named(&'a str),
    /// The server's own jobs.
    System,
    /// `yizhan` run on the server.
    CommandLine,
}

/// Appends one entry. An action whose entry cannot be written is reported as failed: the audit
/// must not be skippable.
pub async fn record(
    state: &Services,
    actor: Actor<'_>,
    action: AuditAction,
    object: impl Into<String>,
    outcome: Outcome,
    detail: impl Into<String>,
) -> Result<AuditEntry> {
    let e = entry(state.clock.now(), actor, action, object, outcome, detail);
    state.store.append_audit(e).await.map_err(|e| {
        tracing::error!(error = %e, "an audit entry could not be written");
        Error::from(e)
    })
}

/// A user changed something in the platform's settings or rules.
pub async fn by_user(
    state: &Services,
    u: &User,
    action: AuditAction,
    object: impl Into<String>,
    detail: impl Into<String>,
) -> Result<()> {
    record(
        state,
        Actor::User(u),
        action,
        object,
        Outcome::Success,
        detail,
    )
    .await?;
    Ok(())
}

/// Appends one entry straight to a store (the command line, which has no `Services`).
pub async fn record_in(
    store: &dyn store::Store,
    action: AuditAction,
    object: impl Into<String>,
    outcome: Outcome,
    detail: impl Into<String>,
) -> Result<AuditEntry> {
    let e = entry(
        chrono::Utc::now(),
        Actor::CommandLine,
        action,
        object,
        outcome,
        detail,
    );
    Ok(store.append_audit(e).await?)
}

fn entry(
    at: chrono::DateTime<chrono::Utc>,
    actor: Actor<'_>,
    action: AuditAction,
    object: impl Into<String>,
    outcome: Outcome,
    detail: impl Into<String>,
) -> NewAuditEntry {
    let (actor_id, actor) = match actor {
        Actor::User(u) => (Some(u.id), u.username.clone()),
        Actor::Named(n) => (None, n.chars().take(64).collect()),
        Actor::System => (None, "系统".to_string()),
        Actor::CommandLine => (None, "命令行".to_string()),
    };
    NewAuditEntry {
        at,
        actor_id,
        actor,
        source: source(),
        action,
        object: object.into(),
        outcome,
        detail: detail.into(),
    }
}

/// What the auditor searches by.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Search {
    /// 起始日期(含),YYYY-MM-DD,北京时间
    #[serde(default, deserialize_with = "blank_is_none")]
    pub from: Option<chrono::NaiveDate>,
    /// 截止日期(含)
    #[serde(default, deserialize_with = "blank_is_none")]
    pub until: Option<chrono::NaiveDate>,
    /// 操作人用户名
    pub actor: Option<String>,
    /// 操作类型
    #[serde(default, deserialize_with = "blank_is_none")]
    pub action: Option<AuditAction>,
    /// 只返回该编号之后的记录(翻页)
    pub after: Option<u64>,
    /// 条数,默认 200,至多 1000
    pub limit: Option<u32>,
}

/// A form's empty field is no filter; anything else must parse.
fn blank_is_none<'de, D, T>(d: D) -> std::result::Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    let s: Option<String> = serde::Deserialize::deserialize(d)?;
    match s.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => v.parse().map(Some).map_err(serde::de::Error::custom),
    }
}

fn may_read(u: &User) -> Result<()> {
    if u.can_anywhere(Action::ReadAudit) {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

fn filter(s: &Search, limit: u32) -> AuditFilter {
    let start = domain::time::start_of_local_day;
    AuditFilter {
        after_seq: s.after.unwrap_or(0),
        from: s.from.map(start),
        until: s.until.and_then(|d| d.succ_opt()).map(start),
        actor: s
            .actor
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_string),
        action: s.action,
        limit,
    }
}

/// The auditor's search, oldest first.
pub async fn search(state: &Services, u: &User, s: &Search) -> Result<Vec<AuditEntry>> {
    may_read(u)?;
    let limit = s.limit.unwrap_or(200).clamp(1, 1000);
    Ok(state.store.audit_entries(&filter(s, limit)).await?)
}

/// The search as an Excel workbook (every matching entry). The export is itself audited.
pub async fn export_xlsx(state: &Services, u: &User, s: &Search) -> Result<Vec<u8>> {
    may_read(u)?;
    let mut all = vec![];
    let mut f = filter(s, 5000);
    loop {
        let page = state.store.audit_entries(&f).await?;
        let Some(last) = page.last() else { break };
        f.after_seq = last.seq;
        all.extend(page);
    }
    let bytes = workbook(&all).map_err(|e| Error::Internal(format!("audit workbook: {e}")))?;
    record(
        state,
        Actor::User(u),
        AuditAction::PersonalDataExported,
        "audit_log",
        Outcome::Success,
        format!("导出审计记录 {} 条", all.len()),
    )
    .await?;
    Ok(bytes)
}

fn workbook(entries: &[AuditEntry]) -> std::result::Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("审计记录")?;
    let head = [
        "编号",
        "时间(北京)",
        "操作人",
        "来源地址",
        "操作",
        "对象",
        "结果",
        "说明",
        "哈希",
    ];
    for (c, h) in head.iter().enumerate() {
        ws.write_string(0, c as u16, *h)?;
    }
    for (i, e) in entries.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_number(r, 0, e.seq as f64)?;
        ws.write_string(
            r,
            1,
            domain::time::local(e.at)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string(),
        )?;
        ws.write_string(r, 2, &e.actor)?;
        ws.write_string(r, 3, &e.source)?;
        ws.write_string(r, 4, e.action.label())?;
        ws.write_string(r, 5, &e.object)?;
        ws.write_string(r, 6, e.outcome.label())?;
        ws.write_string(r, 7, &e.detail)?;
        ws.write_string(r, 8, hex::encode(e.hash))?;
    }
    wb.save_to_buffer()
}

/// Removes entries older than the retention that a checkpoint has sealed; the prune itself is an
/// entry. Returns how many went.
pub async fn prune(state: &Services, retention_days: i64) -> Result<u64> {
    let now = state.clock.now();
    let before = now - chrono::Duration::days(retention_days.max(183));
    // Only what a checkpoint sealed: the sealed audit head bounds the prune.
    let sealed = crate::checkpoints::sealed_audit_head(state.store.as_ref()).await?;
    let Some(sealed) = sealed else { return Ok(0) };
    let mut f = AuditFilter {
        until: Some(before),
        limit: 1000,
        ..Default::default()
    };
    let mut up_to = 0;
    loop {
        let page = state.store.audit_entries(&f).await?;
        let Some(last) = page.last() else { break };
        f.after_seq = last.seq;
        for e in &page {
            if e.seq <= sealed {
                up_to = e.seq;
            }
        }
    }
    if up_to == 0 {
        return Ok(0);
    }
    let n = state.store.prune_audit(up_to, before, now).await?;
    record(
        state,
        Actor::System,
        AuditAction::AuditPruned,
        format!("audit_log ≤ {up_to}"),
        Outcome::Success,
        format!("保留期外且已封存的 {n} 条记录已清理"),
    )
    .await?;
    Ok(n)
}
