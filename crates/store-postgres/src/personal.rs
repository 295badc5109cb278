//! Sealing what was written before personal data was encrypted (issue 16, part 6): one step of
//! `MetaStore::seal_personal_data`, in one transaction. The event log's update guard is disabled
//! only inside that transaction (`ALTER TABLE … DISABLE TRIGGER` is transactional), so no other
//! session ever sees the log unguarded, and a failed step leaves it as it was.

use crate::{db, PgStore};
use deadpool_postgres::GenericClient;
use store::codec::Body;
use store::vault::{snapshot_id_number, Field, Vault, SEALED_TEXT};
use store::{Result, SealStep, StoreError};

impl PgStore {
    pub(crate) async fn seal_step(&self, after: Option<&str>, cases: u32) -> Result<SealStep> {
        let vault = self.vault();
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(db)?;
        let mut rows = 0;
        if after.is_none() {
            rows += seal_texts(&tx, vault, "users", "phone", Field::UserPhone).await?;
            rows += seal_texts(
                &tx,
                vault,
                "complaints",
                "complainant_phone",
                Field::ComplainantPhone,
            )
            .await?;
        }
        let batch = tx
            .query(
                "SELECT number, case_json FROM cases WHERE number > $1 ORDER BY number LIMIT $2",
                &[&after.unwrap_or(""), &i64::from(cases)],
            )
            .await
            .map_err(db)?;
        let Some(last) = batch.last().map(|r| r.get::<_, String>(0)) else {
            tx.commit().await.map_err(db)?;
            return Ok(SealStep {
                rows,
                last_case: None,
            });
        };
        let mut lifted = false;
        for row in &batch {
            let (number, stored): (String, Vec<u8>) = (row.get(0), row.get(1));
            let json = vault
                .open_body(Body::Case, &stored)
                .map_err(|e| StoreError::Backend(format!("case {number}: {e}")))?;
            let id = snapshot_id_number(&json).map_err(StoreError::Backend)?;
            rows += tx
                .execute(
                    "INSERT INTO applicant_index (id_key, case_number) VALUES ($1, $2)
                     ON CONFLICT DO NOTHING",
                    &[&vault.id_key(&id), &number],
                )
                .await
                .map_err(db)?;
            if !Vault::is_sealed_body(&stored) {
                tx.execute(
                    "UPDATE cases SET case_json = $1 WHERE number = $2",
                    &[&vault.seal_body(Body::Case, &json), &number],
                )
                .await
                .map_err(db)?;
                rows += 1;
            }
            let events = tx
                .query(
                    "SELECT seq, event_json FROM case_events WHERE case_number = $1 ORDER BY seq",
                    &[&number],
                )
                .await
                .map_err(db)?;
            for e in &events {
                let (seq, body): (i64, Vec<u8>) = (e.get(0), e.get(1));
                if Vault::is_sealed_body(&body) {
                    continue;
                }
                if !lifted {
                    tx.batch_execute(
                        "ALTER TABLE case_events DISABLE TRIGGER case_events_no_update",
                    )
                    .await
                    .map_err(db)?;
                    lifted = true;
                }
                let sealed = vault
                    .reseal_body(Body::Event, &body)
                    .map_err(|e| StoreError::Backend(format!("case {number} event {seq}: {e}")))?;
                tx.execute(
                    "UPDATE case_events SET event_json = $1 WHERE case_number = $2 AND seq = $3",
                    &[&sealed, &number, &seq],
                )
                .await
                .map_err(db)?;
                rows += 1;
            }
        }
        if lifted {
            tx.batch_execute("ALTER TABLE case_events ENABLE TRIGGER case_events_no_update")
                .await
                .map_err(db)?;
        }
        tx.commit().await.map_err(db)?;
        Ok(SealStep {
            rows,
            last_case: Some(last),
        })
    }
}

/// Seals a text column's clear values (a few thousand users or complaints: all in one step).
async fn seal_texts(
    tx: &impl GenericClient,
    vault: &Vault,
    table: &str,
    column: &str,
    field: Field,
) -> Result<u64> {
    let clear = tx
        .query(
            &format!(
                "SELECT id, {column} FROM {table}
                 WHERE {column} IS NOT NULL AND left({column}, {n}) <> '{SEALED_TEXT}'",
                n = SEALED_TEXT.len()
            ),
            &[],
        )
        .await
        .map_err(db)?;
    let update = format!("UPDATE {table} SET {column} = $1 WHERE id = $2");
    for row in &clear {
        let (id, text): (i64, String) = (row.get(0), row.get(1));
        tx.execute(&update, &[&vault.seal_text(field, &text), &id])
            .await
            .map_err(db)?;
    }
    Ok(clear.len() as u64)
}
