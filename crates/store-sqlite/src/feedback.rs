//! Ratings (好差评), their follow-ups, and complaints. "Once per case per channel" and "one
//! follow-up per rating" rest on unique indexes, so racing writers cannot break them.

use crate::cases::{from_json, to_json};
use crate::{
    backend, conversion, day_text, is_unique_violation, missing_ref, parse_code, parse_day,
    parse_ts, scope_condition, ts, Db, SqliteStore,
};
use async_trait::async_trait;
use domain::access::Scope;
use domain::feedback::{
    Complainant, Complaint, ComplaintKind, ComplaintStatus, ComplaintSubject, FollowUp,
    FollowUpStatus, Rating, RatingChannel, RatingLevel,
};
use rusqlite::types::Value;
use rusqlite::{params_from_iter, OptionalExtension, Row};
use store::vault::{Field, Vault};
use store::{
    already_rated, check_feedback_version, complaint_code_taken, stale_feedback, FeedbackStore,
    Result, StoreError,
};

const RATING_COLS: &str =
    "id, case_number, channel, level, comment, rated_at, unit_region, department";

fn rating_row(r: &Row<'_>) -> rusqlite::Result<Rating> {
    let channel: String = r.get(2)?;
    let level: String = r.get(3)?;
    Ok(Rating {
        id: r.get(0)?,
        case_number: r.get(1)?,
        channel: RatingChannel::parse(&channel)
            .ok_or_else(|| conversion(format!("unknown rating channel {channel}")))?,
        level: RatingLevel::parse(&level)
            .ok_or_else(|| conversion(format!("unknown rating level {level}")))?,
        comment: r.get(4)?,
        rated_at: parse_ts(&r.get::<_, String>(5)?)?,
        unit: parse_code(&r.get::<_, String>(6)?)?,
        department: r.get(7)?,
    })
}

const FOLLOW_UP_COLS: &str = "id, rating_id, case_number, level, unit_region, department, \
     opened_on, due, status, appealed, report, history_json, version";

fn follow_up_row(r: &Row<'_>) -> rusqlite::Result<FollowUp> {
    let level: String = r.get(3)?;
    let status: String = r.get(8)?;
    let version: i64 = r.get(12)?;
    Ok(FollowUp {
        id: r.get(0)?,
        rating_id: r.get(1)?,
        case_number: r.get(2)?,
        level: RatingLevel::parse(&level)
            .ok_or_else(|| conversion(format!("unknown rating level {level}")))?,
        unit: parse_code(&r.get::<_, String>(4)?)?,
        department: r.get(5)?,
        opened_on: parse_day(&r.get::<_, String>(6)?)?,
        due: parse_day(&r.get::<_, String>(7)?)?,
        status: FollowUpStatus::parse(&status)
            .ok_or_else(|| conversion(format!("unknown follow-up status {status}")))?,
        appealed: r.get::<_, i64>(9)? != 0,
        report: r.get(10)?,
        history: from_json(&r.get::<_, String>(11)?)?,
        version: u32::try_from(version)
            .map_err(|_| conversion(format!("follow-up version {version}")))?,
    })
}

/// A follow-up's columns after `id` and `rating_id`, encoded before the write job runs.
fn follow_up_values(f: &FollowUp) -> Result<Vec<Value>> {
    Ok(vec![
        Value::Text(f.case_number.clone()),
        Value::Text(f.level.as_str().to_string()),
        Value::Text(f.unit.as_str().to_string()),
        Value::Text(f.department.clone()),
        Value::Text(day_text(f.opened_on)),
        Value::Text(day_text(f.due)),
        Value::Text(f.status.as_str().to_string()),
        Value::Integer(i64::from(f.appealed)),
        Value::Text(f.report.clone()),
        Value::Text(to_json(&f.history)?),
        Value::Integer(i64::from(f.version)),
    ])
}

const COMPLAINT_COLS: &str = "id, code, kind, subject, subject_ref, case_number, unit_region, \
     department, body, complainant_name, complainant_phone, filed_at, filed_on, accept_due, \
     answer_days, accepted_on, answer_due, status, reply, history_json, version";

fn complaint_row(r: &Row<'_>) -> rusqlite::Result<Complaint> {
    let kind: String = r.get(2)?;
    let subject: String = r.get(3)?;
    let name: Option<String> = r.get(9)?;
    let phone: Option<String> = r.get(10)?;
    let accepted_on: Option<String> = r.get(15)?;
    let answer_due: Option<String> = r.get(16)?;
    let status: String = r.get(17)?;
    let answer_days: i64 = r.get(14)?;
    let version: i64 = r.get(20)?;
    Ok(Complaint {
        id: r.get(0)?,
        code: r.get(1)?,
        kind: ComplaintKind::parse(&kind)
            .ok_or_else(|| conversion(format!("unknown complaint kind {kind}")))?,
        subject: ComplaintSubject::parse(&subject)
            .ok_or_else(|| conversion(format!("unknown complaint subject {subject}")))?,
        subject_ref: r.get(4)?,
        case_number: r.get(5)?,
        unit: parse_code(&r.get::<_, String>(6)?)?,
        department: r.get(7)?,
        body: r.get(8)?,
        complainant: match (name, phone) {
            (Some(name), Some(phone)) => Some(Complainant { name, phone }),
            _ => None,
        },
        filed_at: parse_ts(&r.get::<_, String>(11)?)?,
        filed_on: parse_day(&r.get::<_, String>(12)?)?,
        accept_due: parse_day(&r.get::<_, String>(13)?)?,
        answer_days: u32::try_from(answer_days)
            .map_err(|_| conversion(format!("answer days {answer_days}")))?,
        accepted_on: accepted_on.as_deref().map(parse_day).transpose()?,
        answer_due: answer_due.as_deref().map(parse_day).transpose()?,
        status: ComplaintStatus::parse(&status)
            .ok_or_else(|| conversion(format!("unknown complaint status {status}")))?,
        reply: r.get(18)?,
        history: from_json(&r.get::<_, String>(19)?)?,
        version: u32::try_from(version)
            .map_err(|_| conversion(format!("complaint version {version}")))?,
    })
}

/// A complaint as read, with the complainant's phone opened (stored sealed: `store::vault`).
fn opened(vault: &Vault, mut c: Complaint) -> Result<Complaint> {
    if let Some(p) = c.complainant.as_mut() {
        p.phone = vault
            .open_text(Field::ComplainantPhone, &p.phone)
            .map_err(StoreError::Backend)?;
    }
    Ok(c)
}

/// A complaint's columns after `id`, encoded (the phone sealed) before the write job runs.
fn complaint_values(vault: &Vault, c: &Complaint) -> Result<Vec<Value>> {
    let text = |s: &str| Value::Text(s.to_string());
    let opt = |s: Option<&str>| s.map_or(Value::Null, |s| Value::Text(s.to_string()));
    Ok(vec![
        text(&c.code),
        text(c.kind.as_str()),
        text(c.subject.as_str()),
        text(&c.subject_ref),
        opt(c.case_number.as_deref()),
        text(c.unit.as_str()),
        opt(c.department.as_deref()),
        text(&c.body),
        opt(c.complainant.as_ref().map(|p| p.name.as_str())),
        c.complainant.as_ref().map_or(Value::Null, |p| {
            Value::Text(vault.seal_text(Field::ComplainantPhone, &p.phone))
        }),
        Value::Text(ts(c.filed_at)),
        Value::Text(day_text(c.filed_on)),
        Value::Text(day_text(c.accept_due)),
        Value::Integer(i64::from(c.answer_days)),
        c.accepted_on
            .map_or(Value::Null, |d| Value::Text(day_text(d))),
        c.answer_due
            .map_or(Value::Null, |d| Value::Text(day_text(d))),
        text(c.status.as_str()),
        text(&c.reply),
        Value::Text(to_json(&c.history)?),
        Value::Integer(i64::from(c.version)),
    ])
}

/// Runs a list query whose WHERE clause is `cond` with `p` bound.
fn list<T>(
    c: &rusqlite::Connection,
    sql: &str,
    p: Vec<Value>,
    row: fn(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>> {
    let mut st = c.prepare_cached(sql).db()?;
    let rows = st.query_map(params_from_iter(p), row).db()?;
    rows.collect::<rusqlite::Result<_>>().db()
}

#[async_trait]
impl FeedbackStore for SqliteStore {
    async fn add_rating(
        &self,
        rating: &Rating,
        follow_up: Option<&FollowUp>,
    ) -> Result<(i64, Option<i64>)> {
        let r = rating.clone();
        let f = follow_up.map(follow_up_values).transpose()?;
        self.write(move |tx| {
            tx.prepare_cached(
                "INSERT INTO ratings (case_number, channel, level, comment, rated_at,
                    unit_region, department) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .db()?
            .execute(rusqlite::params![
                r.case_number,
                r.channel.as_str(),
                r.level.as_str(),
                r.comment,
                ts(r.rated_at),
                r.unit.as_str(),
                r.department,
            ])
            .map_err(|e| {
                if is_unique_violation(&e) {
                    already_rated(r.channel)
                } else {
                    missing_ref("case")(e)
                }
            })?;
            let rating_id = tx.last_insert_rowid();
            let Some(mut values) = f else {
                return Ok((rating_id, None));
            };
            values.insert(0, Value::Integer(rating_id));
            tx.prepare_cached(
                "INSERT INTO follow_ups (rating_id, case_number, level, unit_region, department,
                    opened_on, due, status, appealed, report, history_json, version)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )
            .db()?
            .execute(params_from_iter(values))
            .map_err(missing_ref("case"))?;
            Ok((rating_id, Some(tx.last_insert_rowid())))
        })
        .await
    }

    async fn ratings_for_case(&self, case_number: &str) -> Result<Vec<Rating>> {
        let n = case_number.to_string();
        self.read(move |c| {
            list(
                c,
                &format!(
                    "SELECT {RATING_COLS} FROM ratings WHERE case_number = ?1 ORDER BY rated_at, id"
                ),
                vec![Value::Text(n)],
                rating_row,
            )
        })
        .await
    }

    async fn list_ratings(&self, scope: &Scope, limit: u32) -> Result<Vec<Rating>> {
        let scope = scope.clone();
        self.read(move |c| {
            let mut p = Vec::new();
            let cond = scope_condition("unit_region", &scope, &mut p);
            p.push(Value::Integer(i64::from(limit)));
            list(
                c,
                &format!(
                    "SELECT {RATING_COLS} FROM ratings WHERE {cond}
                     ORDER BY rated_at DESC, id DESC LIMIT ?"
                ),
                p,
                rating_row,
            )
        })
        .await
    }

    async fn get_follow_up(&self, id: i64) -> Result<Option<FollowUp>> {
        self.read(move |c| {
            c.prepare_cached(&format!(
                "SELECT {FOLLOW_UP_COLS} FROM follow_ups WHERE id = ?1"
            ))
            .db()?
            .query_row([id], follow_up_row)
            .optional()
            .db()
        })
        .await
    }

    async fn follow_ups_for_case(&self, case_number: &str) -> Result<Vec<FollowUp>> {
        let n = case_number.to_string();
        self.read(move |c| {
            list(
                c,
                &format!(
                    "SELECT {FOLLOW_UP_COLS} FROM follow_ups WHERE case_number = ?1 ORDER BY id"
                ),
                vec![Value::Text(n)],
                follow_up_row,
            )
        })
        .await
    }

    async fn list_follow_ups(&self, scope: &Scope, open_only: bool) -> Result<Vec<FollowUp>> {
        let scope = scope.clone();
        self.read(move |c| {
            let mut p = Vec::new();
            let cond = scope_condition("unit_region", &scope, &mut p);
            let open = if open_only {
                " AND status <> 'closed'"
            } else {
                ""
            };
            list(
                c,
                &format!(
                    "SELECT {FOLLOW_UP_COLS} FROM follow_ups WHERE {cond}{open} ORDER BY due, id"
                ),
                p,
                follow_up_row,
            )
        })
        .await
    }

    async fn save_follow_up(&self, f: &FollowUp, expected_version: u32) -> Result<()> {
        check_feedback_version("follow_up", f.id, f.version, expected_version)?;
        let id = f.id;
        let mut values = follow_up_values(f)?;
        values.push(Value::Integer(id));
        values.push(Value::Integer(i64::from(expected_version)));
        self.write(move |tx| {
            // The version check and the write are one statement.
            let n = tx
                .prepare_cached(
                    "UPDATE follow_ups SET case_number = ?1, level = ?2, unit_region = ?3,
                        department = ?4, opened_on = ?5, due = ?6, status = ?7, appealed = ?8,
                        report = ?9, history_json = ?10, version = ?11
                     WHERE id = ?12 AND version = ?13",
                )
                .db()?
                .execute(params_from_iter(values))
                .map_err(missing_ref("case"))?;
            if n == 1 {
                return Ok(());
            }
            let stored: Option<i64> = tx
                .prepare_cached("SELECT version FROM follow_ups WHERE id = ?1")
                .db()?
                .query_row([id], |r| r.get(0))
                .optional()
                .map_err(backend)?;
            Err(match stored {
                None => StoreError::NotFound("follow_up"),
                Some(v) => stale_feedback("回访整改单", id, expected_version, v as u32),
            })
        })
        .await
    }

    async fn create_complaint(&self, complaint: &Complaint) -> Result<i64> {
        let values = complaint_values(self.vault(), complaint)?;
        self.write(move |tx| {
            tx.prepare_cached(
                "INSERT INTO complaints (code, kind, subject, subject_ref, case_number,
                    unit_region, department, body, complainant_name, complainant_phone, filed_at,
                    filed_on, accept_due, answer_days, accepted_on, answer_due, status, reply,
                    history_json, version)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                    ?17, ?18, ?19, ?20)",
            )
            .db()?
            .execute(params_from_iter(values))
            .map_err(|e| {
                if is_unique_violation(&e) {
                    complaint_code_taken()
                } else {
                    missing_ref("case")(e)
                }
            })?;
            Ok(tx.last_insert_rowid())
        })
        .await
    }

    async fn get_complaint(&self, id: i64) -> Result<Option<Complaint>> {
        self.read(move |c| {
            c.prepare_cached(&format!(
                "SELECT {COMPLAINT_COLS} FROM complaints WHERE id = ?1"
            ))
            .db()?
            .query_row([id], complaint_row)
            .optional()
            .db()
        })
        .await?
        .map(|c| opened(self.vault(), c))
        .transpose()
    }

    async fn find_complaint(&self, code: &str) -> Result<Option<Complaint>> {
        let code = code.to_string();
        self.read(move |c| {
            c.prepare_cached(&format!(
                "SELECT {COMPLAINT_COLS} FROM complaints WHERE code = ?1"
            ))
            .db()?
            .query_row([code], complaint_row)
            .optional()
            .db()
        })
        .await?
        .map(|c| opened(self.vault(), c))
        .transpose()
    }

    async fn list_complaints(&self, scope: &Scope, open_only: bool) -> Result<Vec<Complaint>> {
        let scope = scope.clone();
        self.read(move |c| {
            let mut p = Vec::new();
            let cond = scope_condition("unit_region", &scope, &mut p);
            let open = if open_only {
                " AND status IN ('received', 'accepted')"
            } else {
                ""
            };
            list(
                c,
                &format!(
                    "SELECT {COMPLAINT_COLS} FROM complaints WHERE {cond}{open}
                     ORDER BY filed_at DESC, id DESC"
                ),
                p,
                complaint_row,
            )
        })
        .await?
        .into_iter()
        .map(|c| opened(self.vault(), c))
        .collect()
    }

    async fn complaints_for_case(&self, case_number: &str) -> Result<Vec<Complaint>> {
        let n = case_number.to_string();
        self.read(move |c| {
            list(
                c,
                &format!(
                    "SELECT {COMPLAINT_COLS} FROM complaints WHERE case_number = ?1 ORDER BY id"
                ),
                vec![Value::Text(n)],
                complaint_row,
            )
        })
        .await?
        .into_iter()
        .map(|c| opened(self.vault(), c))
        .collect()
    }

    async fn save_complaint(&self, complaint: &Complaint, expected_version: u32) -> Result<()> {
        check_feedback_version(
            "complaint",
            complaint.id,
            complaint.version,
            expected_version,
        )?;
        let id = complaint.id;
        let mut values = complaint_values(self.vault(), complaint)?;
        values.push(Value::Integer(id));
        values.push(Value::Integer(i64::from(expected_version)));
        self.write(move |tx| {
            let n = tx
                .prepare_cached(
                    "UPDATE complaints SET code = ?1, kind = ?2, subject = ?3, subject_ref = ?4,
                        case_number = ?5, unit_region = ?6, department = ?7, body = ?8,
                        complainant_name = ?9, complainant_phone = ?10, filed_at = ?11,
                        filed_on = ?12, accept_due = ?13, answer_days = ?14, accepted_on = ?15,
                        answer_due = ?16, status = ?17, reply = ?18, history_json = ?19,
                        version = ?20
                     WHERE id = ?21 AND version = ?22",
                )
                .db()?
                .execute(params_from_iter(values))
                .map_err(|e| {
                    if is_unique_violation(&e) {
                        complaint_code_taken()
                    } else {
                        missing_ref("case")(e)
                    }
                })?;
            if n == 1 {
                return Ok(());
            }
            let stored: Option<i64> = tx
                .prepare_cached("SELECT version FROM complaints WHERE id = ?1")
                .db()?
                .query_row([id], |r| r.get(0))
                .optional()
                .map_err(backend)?;
            Err(match stored {
                None => StoreError::NotFound("complaint"),
                Some(v) => stale_feedback("投诉件", id, expected_version, v as u32),
            })
        })
        .await
    }
}
