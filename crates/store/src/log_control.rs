//! Log-control packages (SEC-3): a package per supplier and period with the entries its
//! draw picked; each judgement, the reveal of a data subject and the sign-off committed
//! with its audit event — the sign-off with the legal hold and the case its unjustified
//! entries open, in one transaction.

use crate::log::NewHold;
use crate::{AuditRecord, NewSecurityReport, Result, Store, StoreError};
use domain::audit_action::AuditAction;
use domain::authz::{Actor, ActorKind};
use domain::log_control::{Judgement, PackageState, ReasonCode, Stratum};
use domain::time::Timestamp;
use sqlx::Row as _;
use sqlx::any::AnyRow;
use uuid::Uuid;

/// A package as it is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct PackageRow {
    pub id: Uuid,
    pub supplier_id: Uuid,
    pub period_from: String,
    pub period_to: String,
    pub seq_from: u64,
    pub seq_to: u64,
    pub seed_hash: String,
    pub seed: String,
    pub candidates: u64,
    pub entries: u64,
    pub state: PackageState,
    pub due_at: String,
    pub created_at: String,
    pub created_by: String,
    pub automatic: bool,
    pub signed_at: Option<String>,
    pub signed_by: Option<String>,
    pub statement: Option<String>,
    pub case_id: Option<Uuid>,
    pub reminded_at: Option<String>,
    pub escalated_at: Option<String>,
    /// Entries judged so far.
    pub judged: u64,
    pub unjustified: u64,
    pub version: i64,
}

/// One sampled access of a package.
#[derive(Debug, Clone, PartialEq)]
pub struct PackageEntry {
    pub n: u32,
    pub seq: u64,
    pub at: String,
    pub system_id: String,
    pub account_id: String,
    pub username: String,
    pub person_id: Option<Uuid>,
    pub action: String,
    pub subject_index: String,
    /// The data subject's number within the package ("citizen 3").
    pub pseudonym: u32,
    pub reasons: Vec<Stratum>,
    pub judgement: Option<Judgement>,
    pub reason_code: Option<ReasonCode>,
    pub note: Option<String>,
    pub judged_by: Option<String>,
    pub judged_at: Option<String>,
}

/// A drawn package, to be stored.
#[derive(Debug, Clone)]
pub struct NewPackage {
    pub id: Uuid,
    pub supplier_id: Uuid,
    pub period_from: Timestamp,
    pub period_to: Timestamp,
    pub seq_from: u64,
    pub seq_to: u64,
    pub seed_hash: String,
    pub seed: String,
    pub candidates: u64,
    pub due_at: Timestamp,
    pub entries: Vec<PackageEntry>,
}

/// What a sign-off with unjustified entries opens: the case for the security officer
/// and the hold on the entries' events.
#[derive(Debug, Clone)]
pub struct UnjustifiedCase {
    pub report: NewSecurityReport,
    pub conclusion: String,
    pub hold: NewHold,
}

const COLUMNS: &str = "id, supplier_id, period_from, period_to, seq_from, seq_to, seed_hash, seed, candidates, entries, state, due_at, \
                       created_at, created_by, automatic, signed_at, signed_by, statement, case_id, reminded_at, escalated_at, version";

fn judged_columns() -> &'static str {
    "(SELECT COUNT(*) FROM log_control_entries e WHERE e.package_id = p.id AND e.judgement IS NOT NULL) AS judged, \
     (SELECT COUNT(*) FROM log_control_entries e WHERE e.package_id = p.id AND e.judgement = 'unjustified') AS unjustified"
}

fn package(r: &AnyRow) -> Result<PackageRow> {
    let id = |s: Option<String>| s.and_then(|s| s.parse().ok());
    let n = |c: &str| -> Result<u64> { Ok(r.try_get::<i64, _>(c)?.max(0) as u64) };
    let state: String = r.try_get("state")?;
    Ok(PackageRow {
        id: r.try_get::<String, _>("id")?.parse().map_err(|_| StoreError::Corrupt("log control package id".into()))?,
        supplier_id: r.try_get::<String, _>("supplier_id")?.parse().map_err(|_| StoreError::Corrupt("package supplier".into()))?,
        period_from: r.try_get("period_from")?,
        period_to: r.try_get("period_to")?,
        seq_from: n("seq_from")?,
        seq_to: n("seq_to")?,
        seed_hash: r.try_get("seed_hash")?,
        seed: r.try_get("seed")?,
        candidates: n("candidates")?,
        entries: n("entries")?,
        state: PackageState::parse(&state).ok_or_else(|| StoreError::Corrupt(format!("package state {state}")))?,
        due_at: r.try_get("due_at")?,
        created_at: r.try_get("created_at")?,
        created_by: r.try_get("created_by")?,
        automatic: r.try_get::<i64, _>("automatic")? != 0,
        signed_at: r.try_get("signed_at")?,
        signed_by: r.try_get("signed_by")?,
        statement: r.try_get("statement")?,
        case_id: id(r.try_get("case_id")?),
        reminded_at: r.try_get("reminded_at")?,
        escalated_at: r.try_get("escalated_at")?,
        judged: n("judged")?,
        unjustified: n("unjustified")?,
        version: r.try_get("version")?,
    })
}

fn entry(r: &AnyRow) -> Result<PackageEntry> {
    let reasons: String = r.try_get("reasons")?;
    let judgement: Option<String> = r.try_get("judgement")?;
    let reason: Option<String> = r.try_get("reason_code")?;
    Ok(PackageEntry {
        n: r.try_get::<i64, _>("n")? as u32,
        seq: r.try_get::<i64, _>("seq")? as u64,
        at: r.try_get("at")?,
        system_id: r.try_get("system_id")?,
        account_id: r.try_get("account_id")?,
        username: r.try_get("username")?,
        person_id: r.try_get::<Option<String>, _>("person_id")?.and_then(|p| p.parse().ok()),
        action: r.try_get("action")?,
        subject_index: r.try_get("subject_index")?,
        pseudonym: r.try_get::<i64, _>("pseudonym")? as u32,
        reasons: reasons.split(',').filter_map(Stratum::parse).collect(),
        judgement: judgement.as_deref().and_then(Judgement::parse),
        reason_code: reason.as_deref().and_then(ReasonCode::parse),
        note: r.try_get("note")?,
        judged_by: r.try_get("judged_by")?,
        judged_at: r.try_get("judged_at")?,
    })
}

impl Store {
    /// Records the hash of a draw's seed before the draw (SEC-3).
    pub async fn commit_log_control_seed(&self, p: &NewPackage, actor: &Actor, now: Timestamp) -> Result<()> {
        let event = AuditRecord::new(actor, AuditAction::LogControlCommit, "log_control", Some(p.id), now).details(serde_json::json!({
            "supplier_id": p.supplier_id, "period_from": p.period_from.to_string(), "period_to": p.period_to.to_string(),
            "seed_sha256": p.seed_hash,
        }));
        self.record_audit(&event).await
    }

    /// Stores a drawn package and its entries, with the audit event that reveals the seed.
    /// A second package of one supplier and period is refused (`Conflict`).
    pub async fn create_log_control_package(&self, p: &NewPackage, actor: &Actor, now: Timestamp) -> Result<()> {
        let mut tx = self.begin().await?;
        let inserted = sqlx::query(&format!(
            "INSERT INTO log_control_packages ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'open', $11, $12, $13, $14, \
             NULL, NULL, NULL, NULL, NULL, NULL, 1)"
        ))
        .bind(p.id.to_string())
        .bind(p.supplier_id.to_string())
        .bind(p.period_from.to_string())
        .bind(p.period_to.to_string())
        .bind(p.seq_from as i64)
        .bind(p.seq_to as i64)
        .bind(&p.seed_hash)
        .bind(&p.seed)
        .bind(p.candidates as i64)
        .bind(p.entries.len() as i64)
        .bind(p.due_at.to_string())
        .bind(now.to_string())
        .bind(&actor.name)
        .bind(crate::b2i(actor.kind == ActorKind::System))
        .execute(&mut *tx.tx)
        .await;
        if let Err(e) = inserted {
            let unique = matches!(&e, sqlx::Error::Database(d) if d.is_unique_violation());
            tx.rollback().await?;
            return Err(if unique { StoreError::Conflict { field: "period" } } else { e.into() });
        }
        for e in &p.entries {
            let reasons: Vec<&str> = e.reasons.iter().map(|r| r.code()).collect();
            sqlx::query(
                "INSERT INTO log_control_entries (package_id, n, seq, at, system_id, account_id, username, person_id, action, subject_index, \
                 pseudonym, reasons) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            )
            .bind(p.id.to_string())
            .bind(i64::from(e.n))
            .bind(e.seq as i64)
            .bind(&e.at)
            .bind(&e.system_id)
            .bind(&e.account_id)
            .bind(&e.username)
            .bind(e.person_id.map(|p| p.to_string()))
            .bind(&e.action)
            .bind(&e.subject_index)
            .bind(i64::from(e.pseudonym))
            .bind(reasons.join(","))
            .execute(&mut *tx.tx)
            .await?;
        }
        let event = AuditRecord::new(actor, AuditAction::LogControlDraw, "log_control", Some(p.id), now).details(serde_json::json!({
            "supplier_id": p.supplier_id, "period_from": p.period_from.to_string(), "period_to": p.period_to.to_string(),
            "seed": p.seed, "seed_sha256": p.seed_hash, "seq_from": p.seq_from, "seq_to": p.seq_to,
            "candidates": p.candidates, "entries": p.entries.len(),
            "seqs": p.entries.iter().map(|e| e.seq).collect::<Vec<_>>(),
        }));
        tx.commit(event).await
    }

    /// Packages, newest first; for a supplier, only its own.
    pub async fn log_control_packages(&self, supplier: Option<Uuid>, limit: u32) -> Result<Vec<PackageRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS}, {} FROM log_control_packages p WHERE ($1 = '' OR supplier_id = $1) ORDER BY created_at DESC, id DESC LIMIT $2",
            judged_columns()
        ))
        .bind(supplier.map(|s| s.to_string()).unwrap_or_default())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(package).collect()
    }

    /// A package and its entries in log order.
    pub async fn log_control_package(&self, id: Uuid) -> Result<Option<(PackageRow, Vec<PackageEntry>)>> {
        let Some(r) = sqlx::query(&format!("SELECT {COLUMNS}, {} FROM log_control_packages p WHERE id = $1", judged_columns()))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let entries = sqlx::query("SELECT * FROM log_control_entries WHERE package_id = $1 ORDER BY n")
            .bind(id.to_string())
            .fetch_all(&self.pool)
            .await?;
        Ok(Some((package(&r)?, entries.iter().map(entry).collect::<Result<_>>()?)))
    }

    /// Judges entry `n` of an open package at the version the reviewer saw.
    #[allow(clippy::too_many_arguments)]
    pub async fn judge_log_control_entry(
        &self,
        id: Uuid,
        version: i64,
        n: u32,
        judgement: Judgement,
        reason: ReasonCode,
        note: Option<&str>,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let bumped = sqlx::query("UPDATE log_control_packages SET version = version + 1 WHERE id = $1 AND version = $2 AND state = 'open'")
            .bind(id.to_string())
            .bind(version)
            .execute(&mut *tx.tx)
            .await?;
        if bumped.rows_affected() == 0 {
            let e = tx.stale("log_control_packages", id).await;
            tx.rollback().await?;
            return Err(e);
        }
        let done = sqlx::query(
            "UPDATE log_control_entries SET judgement = $3, reason_code = $4, note = $5, judged_by = $6, judged_at = $7 \
             WHERE package_id = $1 AND n = $2",
        )
        .bind(id.to_string())
        .bind(i64::from(n))
        .bind(judgement.code())
        .bind(reason.code())
        .bind(note)
        .bind(actor.name.clone())
        .bind(now.to_string())
        .execute(&mut *tx.tx)
        .await?;
        if done.rows_affected() == 0 {
            tx.rollback().await?;
            return Err(StoreError::NotFound);
        }
        let event = AuditRecord::new(actor, AuditAction::LogControlJudge, "log_control", Some(id), now)
            .details(serde_json::json!({ "entry": n, "judgement": judgement.code(), "reason": reason.code() }));
        tx.commit(event).await
    }

    /// Records that `actor` saw the data subject of entry `n` in clear.
    pub async fn record_log_control_reveal(&self, id: Uuid, n: u32, actor: &Actor, now: Timestamp) -> Result<()> {
        let event =
            AuditRecord::new(actor, AuditAction::LogControlReveal, "log_control", Some(id), now).details(serde_json::json!({ "entry": n }));
        self.record_audit(&event).await
    }

    /// Signs a package off at `version`; unjustified entries put their events on hold and
    /// open a case for the security officer, in the same transaction. Returns the case.
    pub async fn sign_off_log_control(
        &self,
        id: Uuid,
        version: i64,
        statement: &str,
        case: Option<&UnjustifiedCase>,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Option<Uuid>> {
        let mut tx = self.begin().await?;
        let case_id = match case {
            Some(c) => {
                let (hold_id, hold_event) = crate::log::retention::insert_hold(&mut tx, &c.hold, actor, now).await?;
                tx.pending.push(hold_event);
                let (case_id, event) =
                    crate::security_reports::insert_misuse_report(&mut tx, &c.report, &c.conclusion, hold_id, actor, now).await?;
                tx.pending.push(event);
                Some(case_id)
            }
            None => None,
        };
        let done = sqlx::query(
            "UPDATE log_control_packages SET state = 'signed', signed_at = $3, signed_by = $4, statement = $5, case_id = $6, \
             version = version + 1 WHERE id = $1 AND version = $2 AND state = 'open'",
        )
        .bind(id.to_string())
        .bind(version)
        .bind(now.to_string())
        .bind(actor.name.clone())
        .bind(statement)
        .bind(case_id.map(|c| c.to_string()))
        .execute(&mut *tx.tx)
        .await?;
        if done.rows_affected() == 0 {
            let e = tx.stale("log_control_packages", id).await;
            tx.rollback().await?;
            return Err(e);
        }
        tx.pending.push(
            AuditRecord::new(actor, AuditAction::LogControlSignOff, "log_control", Some(id), now)
                .details(serde_json::json!({ "case_id": case_id })),
        );
        tx.commit_pending().await?;
        Ok(case_id)
    }

    /// Marks a package reminded (`escalated`: escalated to the coordinator), with the
    /// audit event that says so and the `notify` row for whoever is told.
    pub async fn remind_log_control(
        &self,
        id: Uuid,
        escalated: bool,
        note: serde_json::Value,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let column = if escalated { "escalated_at" } else { "reminded_at" };
        sqlx::query(&format!("UPDATE log_control_packages SET {column} = $2 WHERE id = $1"))
            .bind(id.to_string())
            .bind(now.to_string())
            .execute(&mut *tx.tx)
            .await?;
        tx.enqueue(&crate::OutboxMessage { id: Uuid::now_v7(), topic: "notify".into(), payload: note.clone() }, now).await?;
        tx.commit(AuditRecord::new(actor, AuditAction::LogControlRemind, "log_control", Some(id), now).details(note)).await
    }

    /// The suppliers whose accounts reported accesses, with each supplier's latest
    /// package's end (for the periodic draw).
    pub async fn latest_log_control_periods(&self) -> Result<Vec<(Uuid, String)>> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT supplier_id, MAX(period_to) FROM log_control_packages GROUP BY supplier_id")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().filter_map(|(s, t)| Some((s.parse().ok()?, t))).collect())
    }

    /// Every person's blind index with the person, for the own-record and colleague strata.
    pub async fn person_indexes(&self) -> Result<Vec<(Uuid, String)>> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT id, national_id_index FROM registry_entries WHERE kind = 'person' AND national_id_index IS NOT NULL")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().filter_map(|(p, i)| Some((p.parse().ok()?, i))).collect())
    }
}
