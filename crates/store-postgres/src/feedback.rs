//! Ratings (好差评), their follow-ups, and complaints. "Once per case per channel" and "one
//! follow-up per rating" rest on unique indexes, so racing writers in several processes cannot
//! break them; a rating and its follow-up are written in one transaction.

use crate::query::Query;
use crate::regions::region_code;
use crate::{corrupt, db, violated, PgStore};
use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use domain::access::Scope;
use domain::feedback::{
    Complainant, Complaint, ComplaintKind, ComplaintStatus, ComplaintSubject, Entry, FollowUp,
    FollowUpStatus, Rating, RatingChannel, RatingLevel,
};
use store::vault::{Field, Vault};
use store::{
    already_rated, check_feedback_version, complaint_code_taken, stale_feedback, FeedbackStore,
    Result, StoreError,
};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::Json;
use tokio_postgres::Row;

const RATING_COLUMNS: &str =
    "id, case_number, channel, level, comment, rated_at, unit_region, department";
const FOLLOW_UP_COLUMNS: &str = "id, rating_id, case_number, level, unit_region, department, \
     opened_on, due, status, appealed, report, history_json, version";
const COMPLAINT_COLUMNS: &str = "id, code, kind, subject, subject_ref, case_number, unit_region, \
     department, body, complainant_name, complainant_phone, filed_at, filed_on, accept_due, \
     answer_days, accepted_on, answer_due, status, reply, history_json, version";

/// A unique violation is `on_unique`; a foreign key to `cases` failing is `NotFound("case")`.
fn mapped(e: tokio_postgres::Error, on_unique: impl FnOnce() -> StoreError) -> StoreError {
    if violated(&e, &SqlState::UNIQUE_VIOLATION).is_some() {
        on_unique()
    } else if violated(&e, &SqlState::FOREIGN_KEY_VIOLATION).is_some() {
        StoreError::NotFound("case")
    } else {
        db(e)
    }
}

fn level(s: String) -> Result<RatingLevel> {
    RatingLevel::parse(&s).ok_or_else(|| corrupt("rating level", s))
}

fn version(v: i64) -> Result<u32> {
    u32::try_from(v).map_err(|_| corrupt("version", v))
}

fn rating_from_row(row: &Row) -> Result<Rating> {
    let channel: String = row.get("channel");
    Ok(Rating {
        id: row.get("id"),
        case_number: row.get("case_number"),
        channel: RatingChannel::parse(&channel)
            .ok_or_else(|| corrupt("rating channel", channel))?,
        level: level(row.get("level"))?,
        comment: row.get("comment"),
        rated_at: row.get("rated_at"),
        unit: region_code(row.get("unit_region"))?,
        department: row.get("department"),
    })
}

fn follow_up_from_row(row: &Row) -> Result<FollowUp> {
    let status: String = row.get("status");
    let Json(history) = row
        .try_get::<_, Json<Vec<Entry>>>("history_json")
        .map_err(db)?;
    Ok(FollowUp {
        id: row.get("id"),
        rating_id: row.get("rating_id"),
        case_number: row.get("case_number"),
        level: level(row.get("level"))?,
        unit: region_code(row.get("unit_region"))?,
        department: row.get("department"),
        opened_on: row.get("opened_on"),
        due: row.get("due"),
        status: FollowUpStatus::parse(&status)
            .ok_or_else(|| corrupt("follow-up status", status))?,
        appealed: row.get("appealed"),
        report: row.get("report"),
        history,
        version: version(row.get("version"))?,
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

fn complaint_from_row(row: &Row) -> Result<Complaint> {
    let kind: String = row.get("kind");
    let subject: String = row.get("subject");
    let status: String = row.get("status");
    let name: Option<String> = row.get("complainant_name");
    let phone: Option<String> = row.get("complainant_phone");
    let answer_days: i64 = row.get("answer_days");
    let Json(history) = row
        .try_get::<_, Json<Vec<Entry>>>("history_json")
        .map_err(db)?;
    Ok(Complaint {
        id: row.get("id"),
        code: row.get("code"),
        kind: ComplaintKind::parse(&kind).ok_or_else(|| corrupt("complaint kind", kind))?,
        subject: ComplaintSubject::parse(&subject)
            .ok_or_else(|| corrupt("complaint subject", subject))?,
        subject_ref: row.get("subject_ref"),
        case_number: row.get("case_number"),
        unit: region_code(row.get("unit_region"))?,
        department: row.get("department"),
        body: row.get("body"),
        complainant: match (name, phone) {
            (Some(name), Some(phone)) => Some(Complainant { name, phone }),
            _ => None,
        },
        filed_at: row.get("filed_at"),
        filed_on: row.get("filed_on"),
        accept_due: row.get("accept_due"),
        answer_days: u32::try_from(answer_days).map_err(|_| corrupt("answer days", answer_days))?,
        accepted_on: row.get("accepted_on"),
        answer_due: row.get("answer_due"),
        status: ComplaintStatus::parse(&status)
            .ok_or_else(|| corrupt("complaint status", status))?,
        reply: row.get("reply"),
        history,
        version: version(row.get("version"))?,
    })
}

impl PgStore {
    async fn query_rows<T>(
        &self,
        sql: &str,
        arg: &(dyn tokio_postgres::types::ToSql + Sync),
        from_row: fn(&Row) -> Result<T>,
    ) -> Result<Vec<T>> {
        let conn = self.conn().await?;
        let stmt = conn.prepare_cached(sql).await.map_err(db)?;
        conn.query(&stmt, &[arg])
            .await
            .map_err(db)?
            .iter()
            .map(from_row)
            .collect()
    }

    async fn query_opt_row<T>(
        &self,
        sql: &str,
        arg: &(dyn tokio_postgres::types::ToSql + Sync),
        from_row: fn(&Row) -> Result<T>,
    ) -> Result<Option<T>> {
        let conn = self.conn().await?;
        let stmt = conn.prepare_cached(sql).await.map_err(db)?;
        conn.query_opt(&stmt, &[arg])
            .await
            .map_err(db)?
            .as_ref()
            .map(from_row)
            .transpose()
    }

    /// After an update matched no row: a missing record or a stale version.
    async fn stale_or_missing(
        &self,
        table: &str,
        what: &'static str,
        label: &str,
        id: i64,
        expected: u32,
    ) -> StoreError {
        let conn = match self.conn().await {
            Ok(c) => c,
            Err(e) => return e,
        };
        let row = conn
            .query_opt(
                &format!("SELECT version FROM {table} WHERE id = $1"),
                &[&id],
            )
            .await;
        match row {
            Ok(None) => StoreError::NotFound(what),
            Ok(Some(r)) => stale_feedback(label, id, expected, r.get::<_, i64>(0) as u32),
            Err(e) => db(e),
        }
    }
}

#[async_trait]
impl FeedbackStore for PgStore {
    async fn add_rating(
        &self,
        r: &Rating,
        follow_up: Option<&FollowUp>,
    ) -> Result<(i64, Option<i64>)> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(db)?;
        let stmt = tx
            .prepare_cached(
                "INSERT INTO ratings (case_number, channel, level, comment, rated_at,
                    unit_region, department) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .await
            .map_err(db)?;
        let rating_id: i64 = tx
            .query_one(
                &stmt,
                &[
                    &r.case_number,
                    &r.channel.as_str(),
                    &r.level.as_str(),
                    &r.comment,
                    &r.rated_at,
                    &r.unit.as_str(),
                    &r.department,
                ],
            )
            .await
            .map_err(|e| mapped(e, || already_rated(r.channel)))?
            .get(0);
        let follow_up_id = match follow_up {
            None => None,
            Some(f) => {
                let stmt = tx
                    .prepare_cached(
                        "INSERT INTO follow_ups (rating_id, case_number, level, unit_region,
                            department, opened_on, due, status, appealed, report, history_json,
                            version)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
                    )
                    .await
                    .map_err(db)?;
                let id: i64 = tx
                    .query_one(
                        &stmt,
                        &[
                            &rating_id,
                            &f.case_number,
                            &f.level.as_str(),
                            &f.unit.as_str(),
                            &f.department,
                            &f.opened_on,
                            &f.due,
                            &f.status.as_str(),
                            &f.appealed,
                            &f.report,
                            &Json(&f.history),
                            &i64::from(f.version),
                        ],
                    )
                    .await
                    .map_err(|e| mapped(e, || already_rated(r.channel)))?
                    .get(0);
                Some(id)
            }
        };
        tx.commit().await.map_err(db)?;
        Ok((rating_id, follow_up_id))
    }

    async fn ratings_for_case(&self, case_number: &str) -> Result<Vec<Rating>> {
        self.query_rows(
            &format!(
                "SELECT {RATING_COLUMNS} FROM ratings WHERE case_number = $1 ORDER BY rated_at, id"
            ),
            &case_number,
            rating_from_row,
        )
        .await
    }

    async fn list_ratings(&self, scope: &Scope, limit: u32) -> Result<Vec<Rating>> {
        let mut q = Query::new(&format!("SELECT {RATING_COLUMNS} FROM ratings WHERE "));
        q.scope("unit_region", scope);
        let l = q.bind(i64::from(limit));
        q.push(&format!(" ORDER BY rated_at DESC, id DESC LIMIT {l}"));
        let conn = self.conn().await?;
        q.run(&conn).await?.iter().map(rating_from_row).collect()
    }

    async fn get_follow_up(&self, id: i64) -> Result<Option<FollowUp>> {
        self.query_opt_row(
            &format!("SELECT {FOLLOW_UP_COLUMNS} FROM follow_ups WHERE id = $1"),
            &id,
            follow_up_from_row,
        )
        .await
    }

    async fn follow_ups_for_case(&self, case_number: &str) -> Result<Vec<FollowUp>> {
        self.query_rows(
            &format!(
                "SELECT {FOLLOW_UP_COLUMNS} FROM follow_ups WHERE case_number = $1 ORDER BY id"
            ),
            &case_number,
            follow_up_from_row,
        )
        .await
    }

    async fn list_follow_ups(&self, scope: &Scope, open_only: bool) -> Result<Vec<FollowUp>> {
        let mut q = Query::new(&format!(
            "SELECT {FOLLOW_UP_COLUMNS} FROM follow_ups WHERE "
        ));
        q.scope("unit_region", scope);
        if open_only {
            q.push(" AND status <> 'closed'");
        }
        q.push(" ORDER BY due, id");
        let conn = self.conn().await?;
        q.run(&conn).await?.iter().map(follow_up_from_row).collect()
    }

    async fn save_follow_up(&self, f: &FollowUp, expected_version: u32) -> Result<()> {
        check_feedback_version("follow_up", f.id, f.version, expected_version)?;
        let conn = self.conn().await?;
        // The version check and the write are one statement.
        let stmt = conn
            .prepare_cached(
                "UPDATE follow_ups SET case_number = $1, level = $2, unit_region = $3,
                    department = $4, opened_on = $5, due = $6, status = $7, appealed = $8,
                    report = $9, history_json = $10, version = $11
                 WHERE id = $12 AND version = $13",
            )
            .await
            .map_err(db)?;
        let n = conn
            .execute(
                &stmt,
                &[
                    &f.case_number,
                    &f.level.as_str(),
                    &f.unit.as_str(),
                    &f.department,
                    &f.opened_on,
                    &f.due,
                    &f.status.as_str(),
                    &f.appealed,
                    &f.report,
                    &Json(&f.history),
                    &i64::from(f.version),
                    &f.id,
                    &i64::from(expected_version),
                ],
            )
            .await
            .map_err(|e| mapped(e, || db_conflict("follow_ups")))?;
        drop(conn);
        if n == 1 {
            return Ok(());
        }
        Err(self
            .stale_or_missing(
                "follow_ups",
                "follow_up",
                "回访整改单",
                f.id,
                expected_version,
            )
            .await)
    }

    async fn create_complaint(&self, c: &Complaint) -> Result<i64> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(
                "INSERT INTO complaints (code, kind, subject, subject_ref, case_number,
                    unit_region, department, body, complainant_name, complainant_phone, filed_at,
                    filed_on, accept_due, answer_days, accepted_on, answer_due, status, reply,
                    history_json, version)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
                    $17, $18, $19, $20)
                 RETURNING id",
            )
            .await
            .map_err(db)?;
        Ok(conn
            .query_one(&stmt, &complaint_params(self.vault(), c).as_params())
            .await
            .map_err(|e| mapped(e, complaint_code_taken))?
            .get(0))
    }

    async fn get_complaint(&self, id: i64) -> Result<Option<Complaint>> {
        self.query_opt_row(
            &format!("SELECT {COMPLAINT_COLUMNS} FROM complaints WHERE id = $1"),
            &id,
            complaint_from_row,
        )
        .await?
        .map(|c| opened(self.vault(), c))
        .transpose()
    }

    async fn find_complaint(&self, code: &str) -> Result<Option<Complaint>> {
        self.query_opt_row(
            &format!("SELECT {COMPLAINT_COLUMNS} FROM complaints WHERE code = $1"),
            &code,
            complaint_from_row,
        )
        .await?
        .map(|c| opened(self.vault(), c))
        .transpose()
    }

    async fn list_complaints(&self, scope: &Scope, open_only: bool) -> Result<Vec<Complaint>> {
        let mut q = Query::new(&format!(
            "SELECT {COMPLAINT_COLUMNS} FROM complaints WHERE "
        ));
        q.scope("unit_region", scope);
        if open_only {
            q.push(" AND status IN ('received', 'accepted')");
        }
        q.push(" ORDER BY filed_at DESC, id DESC");
        let conn = self.conn().await?;
        q.run(&conn)
            .await?
            .iter()
            .map(|r| opened(self.vault(), complaint_from_row(r)?))
            .collect()
    }

    async fn complaints_for_case(&self, case_number: &str) -> Result<Vec<Complaint>> {
        self.query_rows(
            &format!(
                "SELECT {COMPLAINT_COLUMNS} FROM complaints WHERE case_number = $1 ORDER BY id"
            ),
            &case_number,
            complaint_from_row,
        )
        .await?
        .into_iter()
        .map(|c| opened(self.vault(), c))
        .collect()
    }

    async fn save_complaint(&self, c: &Complaint, expected_version: u32) -> Result<()> {
        check_feedback_version("complaint", c.id, c.version, expected_version)?;
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(
                "UPDATE complaints SET code = $1, kind = $2, subject = $3, subject_ref = $4,
                    case_number = $5, unit_region = $6, department = $7, body = $8,
                    complainant_name = $9, complainant_phone = $10, filed_at = $11,
                    filed_on = $12, accept_due = $13, answer_days = $14, accepted_on = $15,
                    answer_due = $16, status = $17, reply = $18, history_json = $19,
                    version = $20
                 WHERE id = $21 AND version = $22",
            )
            .await
            .map_err(db)?;
        let p = complaint_params(self.vault(), c);
        let expected = i64::from(expected_version);
        let mut params = p.as_params();
        params.push(&c.id);
        params.push(&expected);
        let n = conn
            .execute(&stmt, &params)
            .await
            .map_err(|e| mapped(e, complaint_code_taken))?;
        drop(conn);
        if n == 1 {
            return Ok(());
        }
        Err(self
            .stale_or_missing("complaints", "complaint", "投诉件", c.id, expected_version)
            .await)
    }
}

/// A unique violation where none is expected (no unique column is updated).
fn db_conflict(table: &str) -> StoreError {
    StoreError::Backend(format!("unexpected unique violation on {table}"))
}

/// A complaint's columns after `id`, owned so they can be borrowed as parameters.
struct ComplaintParams {
    text: [String; 6],
    opt: [Option<String>; 4],
    unit: String,
    complaint: Complaint,
    answer_days: i64,
    history: Json<Vec<Entry>>,
    version: i64,
}

fn complaint_params(vault: &Vault, c: &Complaint) -> ComplaintParams {
    ComplaintParams {
        text: [
            c.code.clone(),
            c.kind.as_str().to_string(),
            c.subject.as_str().to_string(),
            c.subject_ref.clone(),
            c.status.as_str().to_string(),
            c.reply.clone(),
        ],
        opt: [
            c.case_number.clone(),
            c.department.clone(),
            c.complainant.as_ref().map(|p| p.name.clone()),
            c.complainant
                .as_ref()
                .map(|p| vault.seal_text(Field::ComplainantPhone, &p.phone)),
        ],
        unit: c.unit.as_str().to_string(),
        complaint: c.clone(),
        answer_days: i64::from(c.answer_days),
        history: Json(c.history.clone()),
        version: i64::from(c.version),
    }
}

impl ComplaintParams {
    fn as_params(&self) -> Vec<&(dyn tokio_postgres::types::ToSql + Sync)> {
        let c = &self.complaint;
        vec![
            &self.text[0],
            &self.text[1],
            &self.text[2],
            &self.text[3],
            &self.opt[0],
            &self.unit,
            &self.opt[1],
            &c.body,
            &self.opt[2],
            &self.opt[3],
            &c.filed_at,
            &c.filed_on,
            &c.accept_due,
            &self.answer_days,
            &c.accepted_on,
            &c.answer_due,
            &self.text[4],
            &self.text[5],
            &self.history,
            &self.version,
        ]
    }
}
