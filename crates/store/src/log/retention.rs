//! Checkpoints, retention and legal holds (LOG-3, LOG-4).

use super::read::decode_chunk;
use super::{chunks_table, corrupt, index_table, refresh_views};
use crate::{AuditRecord, Result, Store, StoreError};
use audit::checkpoint::{Checkpoint, SigningKey};
use audit::merkle::{self, Frontier};
use domain::audit_action::AuditAction;
use domain::authz::Actor;
use domain::time::Timestamp;
use uuid::Uuid;

/// The signed text of a purge record.
pub(crate) fn purge_text(day: i64, first: i64, last: i64, at: &str) -> String {
    format!("purge\n{day}\n{first}\n{last}\n{at}\n")
}

/// A legal hold: events under any of `keys` recorded between the two days are kept
/// past retention until the hold is released (a misuse case, LOG-4).
#[derive(Debug, Clone, PartialEq)]
pub struct NewHold {
    pub case_ref: String,
    pub reason: String,
    pub keys: Vec<String>,
    pub from_day: i64,
    pub to_day: i64,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Hold {
    pub id: String,
    pub case_ref: String,
    pub reason: String,
    pub from_day: i64,
    pub to_day: i64,
    pub created_at: String,
    pub created_by: String,
    pub released_at: Option<String>,
    #[serde(skip)]
    pub keys: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct PurgeReport {
    pub days: Vec<i64>,
    pub events_deleted: u64,
    pub events_held: u64,
    pub held_released: u64,
}

type HoldRow = (String, String, String, String, i64, i64, String, String, Option<String>);

impl Store {
    /// Signs the current root if events were added since the last checkpoint.
    pub async fn checkpoint_log(&self, key: &SigningKey, origin: &str, now: Timestamp) -> Result<Option<Checkpoint>> {
        let (size, root) = self.log_head().await?;
        let last: Option<i64> = sqlx::query_scalar("SELECT MAX(size) FROM audit_checkpoints").fetch_one(&self.pool).await?;
        if size == 0 || last == Some(size as i64) {
            return Ok(None);
        }
        let c = key.checkpoint(origin, size, root, &now.to_string());
        sqlx::query("INSERT INTO audit_checkpoints (size, root, created_at, key_id, signature) VALUES ($1, $2, $3, $4, $5)")
            .bind(size as i64)
            .bind(merkle::to_hex(&c.root))
            .bind(&c.created_at)
            .bind(&c.key_id)
            .bind(&c.signature)
            .execute(&self.pool)
            .await?;
        Ok(Some(c))
    }

    /// Every checkpoint, oldest first.
    pub async fn checkpoints(&self, origin: &str) -> Result<Vec<Checkpoint>> {
        let rows: Vec<(i64, String, String, String, String)> =
            sqlx::query_as("SELECT size, root, created_at, key_id, signature FROM audit_checkpoints ORDER BY size")
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter()
            .map(|(size, root, created_at, key_id, signature)| {
                Ok(Checkpoint {
                    origin: origin.to_string(),
                    size: size as u64,
                    root: merkle::from_hex(&root).ok_or_else(|| StoreError::Corrupt(format!("checkpoint {size}: root is not a hash")))?,
                    created_at,
                    key_id,
                    signature,
                })
            })
            .collect()
    }

    pub async fn create_hold(&self, hold: &NewHold, actor: &Actor, now: Timestamp) -> Result<Uuid> {
        let mut tx = self.begin().await?;
        let (id, event) = insert_hold(&mut tx, hold, actor, now).await?;
        tx.commit(event).await?;
        Ok(id)
    }

    pub async fn release_hold(&self, id: Uuid, actor: &Actor, now: Timestamp) -> Result<()> {
        let mut tx = self.begin().await?;
        if let Err(e) = super::stamp_once(&mut tx, "audit_holds", ("released_by", "released_at"), id, actor, now).await {
            tx.rollback().await?;
            return Err(e);
        }
        tx.commit(AuditRecord::new(actor, AuditAction::AuditHoldRelease, "audit_hold", Some(id), now)).await
    }

    pub async fn holds(&self) -> Result<Vec<Hold>> {
        let rows: Vec<HoldRow> = sqlx::query_as(
            "SELECT id, case_ref, reason, keys, from_day, to_day, created_at, created_by, released_at FROM audit_holds ORDER BY created_at DESC",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, case_ref, reason, keys, from_day, to_day, created_at, created_by, released_at)| Hold {
                id,
                case_ref,
                reason,
                keys: serde_json::from_str(&keys).unwrap_or_default(),
                from_day,
                to_day,
                created_at,
                created_by,
                released_at,
            })
            .collect())
    }

    /// Deletes the payloads of every day before `cutoff_day`, keeping events under an
    /// active legal hold, and releases held events no hold covers any more. Each day is
    /// its own transaction: its tables are dropped, the held events copied out first, and
    /// a signed purge record written.
    pub async fn purge_log(&self, cutoff_day: i64, key: &SigningKey, actor: &Actor, now: Timestamp) -> Result<PurgeReport> {
        let mut report = PurgeReport::default();
        let active: Vec<Hold> = self.holds().await?.into_iter().filter(|h| h.released_at.is_none()).collect();
        let head_day: i64 = sqlx::query_scalar("SELECT day FROM audit_head WHERE id = 1").fetch_one(&self.pool).await?;
        let days: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT day, first_seq, last_seq FROM audit_days WHERE purged_at IS NULL AND day < $1 AND day < $2 ORDER BY day",
        )
        .bind(cutoff_day)
        .bind(head_day)
        .fetch_all(&self.pool)
        .await?;
        for (day, first, last) in days {
            let mut tx = self.begin().await?;
            // Staged keys of the day go into its index first, so holds see them (only
            // when the stage holds some: a day is usually merged long before its purge).
            let staged: Option<i64> = sqlx::query_scalar("SELECT run FROM audit_runs WHERE staged = 1 AND day = $1 LIMIT 1")
                .bind(day)
                .fetch_optional(&mut *tx.tx)
                .await?;
            if staged.is_some() {
                super::merge_stage(&mut tx.tx, self.backend).await?;
            }
            let keys: Vec<String> =
                active.iter().filter(|h| h.from_day <= day && day <= h.to_day).flat_map(|h| h.keys.iter().cloned()).collect();
            let mut held = 0u64;
            if !keys.is_empty() {
                let digests: Vec<String> = keys.iter().map(|k| audit::hex(&audit::event::key_digest(k))).collect();
                let json = serde_json::to_string(&digests).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let expand = match self.backend {
                    crate::Backend::Sqlite => "SELECT unhex(value) FROM json_each($1)",
                    crate::Backend::Postgres => "SELECT decode(jsonb_array_elements_text($1::jsonb), 'hex')",
                };
                let hits: Vec<(i64, i64)> =
                    sqlx::query_as(&format!("SELECT DISTINCT seq, chunk FROM {} WHERE run IN (SELECT run FROM audit_runs WHERE staged = 0 AND day = $2) AND key IN ({expand}) ORDER BY seq", index_table(day)))
                        .bind(json)
                        .bind(day)
                        .fetch_all(&mut *tx.tx)
                        .await?;
                for (seq, chunk) in hits {
                    let bytes: Vec<u8> = sqlx::query_scalar(&format!("SELECT bodies FROM {} WHERE first_seq = $1", chunks_table(day)))
                        .bind(chunk)
                        .fetch_one(&mut *tx.tx)
                        .await?;
                    let entries = decode_chunk(chunk, &bytes)?;
                    let e =
                        entries.iter().find(|e| e.seq as i64 == seq).ok_or_else(|| StoreError::Corrupt(format!("event {seq} missing")))?;
                    let body = audit::event::unpack(&bytes).and_then(|b| b.get((seq - chunk) as usize).cloned());
                    let body = body.ok_or_else(|| StoreError::Corrupt(format!("event {seq} missing")))?;
                    sqlx::query("INSERT INTO audit_chunks_held (first_seq, day, count, bodies) VALUES ($1, $2, 1, $3)")
                        .bind(seq)
                        .bind(day)
                        .bind(audit::event::pack(&[&body]))
                        .execute(&mut *tx.tx)
                        .await?;
                    for k in e.body.index_keys().iter().map(|k| audit::event::key_digest(k).to_vec()) {
                        sqlx::query("INSERT INTO audit_index_held (key, seq, chunk, day) VALUES ($1, $2, $2, $3)")
                            .bind(k)
                            .bind(seq)
                            .bind(day)
                            .execute(&mut *tx.tx)
                            .await?;
                    }
                    held += 1;
                }
            }
            super::exec_all(&mut tx.tx, &format!("DROP TABLE {}; DROP TABLE {};", chunks_table(day), index_table(day))).await?;
            sqlx::query("DELETE FROM audit_runs WHERE day = $1").bind(day).execute(&mut *tx.tx).await?;
            let at = now.to_string();
            sqlx::query("UPDATE audit_days SET purged_at = $1, held = $2, signature = $3 WHERE day = $4")
                .bind(&at)
                .bind(held as i64)
                .bind(key.sign(&purge_text(day, first, last, &at)))
                .bind(day)
                .execute(&mut *tx.tx)
                .await?;
            refresh_views(&mut tx.tx, self.backend).await?;
            let deleted = (last - first + 1) as u64 - held;
            tx.commit(
                AuditRecord::new(actor, AuditAction::AuditPurge, "audit_day", None, now)
                    .details(serde_json::json!({"day": day, "first_seq": first, "last_seq": last, "deleted": deleted, "held": held})),
            )
            .await?;
            report.days.push(day);
            report.events_deleted += deleted;
            report.events_held += held;
        }

        // Held events whose holds are all released go once they are past retention.
        let held: Vec<(Vec<u8>, i64, i64)> =
            sqlx::query_as("SELECT key, seq, day FROM audit_index_held WHERE day < $1").bind(cutoff_day).fetch_all(&self.pool).await?;
        let mut release: Vec<i64> = Vec::new();
        let mut keep: std::collections::HashSet<i64> = std::collections::HashSet::new();
        for (k, seq, day) in &held {
            if active.iter().any(|h| {
                h.from_day <= *day && *day <= h.to_day && h.keys.iter().any(|hk| audit::event::key_digest(hk).as_slice() == k.as_slice())
            }) {
                keep.insert(*seq);
            }
        }
        for (_, seq, _) in &held {
            if !keep.contains(seq) && !release.contains(seq) {
                release.push(*seq);
            }
        }
        if !release.is_empty() {
            let mut tx = self.begin().await?;
            for part in release.chunks(500) {
                let list = part.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(",");
                super::exec_all(
                    &mut tx.tx,
                    &format!(
                        "DELETE FROM audit_chunks_held WHERE first_seq IN ({list}); DELETE FROM audit_index_held WHERE seq IN ({list});"
                    ),
                )
                .await?;
            }
            tx.commit(
                AuditRecord::new(actor, AuditAction::AuditPurgeHeld, "audit_day", None, now)
                    .details(serde_json::json!({"released": release.len()})),
            )
            .await?;
            report.held_released = release.len() as u64;
        }
        Ok(report)
    }

    /// Refreshes the planner's statistics of the registry, account and request tables,
    /// so supplier-scoped lists are planned from the (small) supplier's rows rather than
    /// by walking a whole index. Run after bulk loads and daily.
    pub async fn analyze_tables(&self) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        for table in [
            "registry_entries",
            "registry_owners",
            "registry_refs",
            "accounts",
            "account_roles",
            "requests",
            "person_evidence",
            "web_sessions",
        ] {
            sqlx::query(&format!("ANALYZE {table}")).execute(&mut *conn).await?;
        }
        Ok(())
    }

    /// Refreshes the planner's statistics of the log's live day tables (run daily with
    /// the purge; a day's tables change only while it is the current day). On
    /// PostgreSQL the tables are vacuumed as well: they are only ever inserted into, so
    /// this marks their pages all-visible once instead of leaving it to an autovacuum
    /// that would start at some later hour and compete with look-ups.
    pub async fn analyze_log(&self) -> Result<()> {
        let days: Vec<i64> = sqlx::query_scalar("SELECT day FROM audit_days WHERE purged_at IS NULL").fetch_all(&self.pool).await?;
        let mut conn = self.pool.acquire().await?;
        for d in days {
            for table in [chunks_table(d), index_table(d)] {
                let sql = match self.backend {
                    crate::Backend::Sqlite => format!("ANALYZE {table}"),
                    crate::Backend::Postgres => format!("VACUUM (ANALYZE) {table}"),
                };
                sqlx::query(&sql).execute(&mut *conn).await?;
            }
        }
        Ok(())
    }

    /// The current frontier (tests and the verifier compare against it).
    pub(crate) async fn frontier(&self) -> Result<Frontier> {
        let bytes: Vec<u8> = sqlx::query_scalar("SELECT frontier FROM audit_head WHERE id = 1").fetch_one(&self.pool).await?;
        Frontier::from_bytes(&bytes).map_err(corrupt)
    }
}

/// Writes a legal hold in `tx` and returns its id and its audit event (a misuse case
/// places one in the transaction that concludes it).
pub(crate) async fn insert_hold(tx: &mut crate::Tx, hold: &NewHold, actor: &Actor, now: Timestamp) -> Result<(Uuid, AuditRecord)> {
    let id = Uuid::now_v7();
    sqlx::query("INSERT INTO audit_holds (id, case_ref, reason, keys, from_day, to_day, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(id.to_string())
        .bind(&hold.case_ref)
        .bind(&hold.reason)
        .bind(serde_json::to_string(&hold.keys).map_err(|e| StoreError::Corrupt(e.to_string()))?)
        .bind(hold.from_day)
        .bind(hold.to_day)
        .bind(now.to_string())
        .bind(actor.id.to_string())
        .execute(&mut *tx.tx)
        .await?;
    let event = AuditRecord::new(actor, AuditAction::AuditHoldCreate, "audit_hold", Some(id), now)
        .details(serde_json::json!({"case_ref": hold.case_ref, "from_day": hold.from_day, "to_day": hold.to_day, "keys": hold.keys.len()}));
    Ok((id, event))
}
