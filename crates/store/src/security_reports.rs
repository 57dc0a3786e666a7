//! Security reports and their cases (SEC-1, SEC-2): a report's findings are kept as one
//! JSON document beside the columns its list and its case need; every change of the case
//! is committed with its audit event, and a misuse case's legal hold in the same
//! transaction.

use crate::log::NewHold;
use crate::{AuditRecord, Result, Store, StoreError};
use domain::audit_action::AuditAction;
use domain::authz::{Actor, ActorKind};
use domain::security_report::{CaseState, Finding, Severity};
use domain::time::Timestamp;
use sqlx::Row as _;
use sqlx::any::AnyRow;
use uuid::Uuid;

/// A report as it is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct SecurityReportRow {
    pub id: Uuid,
    pub period_from: String,
    pub period_to: String,
    pub created_at: String,
    pub created_by: String,
    pub automatic: bool,
    pub state: CaseState,
    pub department_id: Option<Uuid>,
    pub investigator: Option<String>,
    pub conclusion: Option<String>,
    pub closed_at: Option<String>,
    pub closed_by: Option<String>,
    pub delete_after: Option<String>,
    pub hold_id: Option<Uuid>,
    pub findings: u64,
    pub high: u64,
    /// Events read to make it.
    pub events: u64,
    pub version: i64,
}

/// A new report: its period, its findings and how many events were read.
#[derive(Debug, Clone)]
pub struct NewSecurityReport {
    pub period_from: Timestamp,
    pub period_to: Timestamp,
    pub findings: Vec<Finding>,
    pub events: u64,
    /// A report without findings needs no investigation: it is made closed, to be
    /// deleted after this time.
    pub delete_after_if_empty: Timestamp,
}

/// A change of a report's case.
#[derive(Debug, Clone)]
pub enum CaseChange {
    Assign(Uuid),
    Investigate,
    Close { conclusion: String, delete_after: Timestamp },
    Misuse { conclusion: String, hold: NewHold },
}

const COLUMNS: &str = "id, period_from, period_to, created_at, created_by, automatic, state, department_id, investigator, conclusion, \
                       closed_at, closed_by, delete_after, hold_id, findings, high, events, version";

fn row(r: &AnyRow) -> Result<SecurityReportRow> {
    let id = |s: Option<String>| s.and_then(|s| s.parse().ok());
    Ok(SecurityReportRow {
        id: r.try_get::<String, _>("id")?.parse().unwrap_or_default(),
        period_from: r.try_get("period_from")?,
        period_to: r.try_get("period_to")?,
        created_at: r.try_get("created_at")?,
        created_by: r.try_get("created_by")?,
        automatic: r.try_get::<i64, _>("automatic")? != 0,
        state: CaseState::parse(&r.try_get::<String, _>("state")?).unwrap_or(CaseState::Open),
        department_id: id(r.try_get("department_id")?),
        investigator: r.try_get("investigator")?,
        conclusion: r.try_get("conclusion")?,
        closed_at: r.try_get("closed_at")?,
        closed_by: r.try_get("closed_by")?,
        delete_after: r.try_get("delete_after")?,
        hold_id: id(r.try_get("hold_id")?),
        findings: r.try_get::<i64, _>("findings")? as u64,
        high: r.try_get::<i64, _>("high")? as u64,
        events: r.try_get::<i64, _>("events")? as u64,
        version: r.try_get("version")?,
    })
}

impl Store {
    /// Stores a report with its audit event; one without findings is stored closed.
    pub async fn create_security_report(&self, r: &NewSecurityReport, actor: &Actor, now: Timestamp) -> Result<Uuid> {
        let empty = r.findings.is_empty();
        let start = Start {
            state: if empty { CaseState::Closed } else { CaseState::Open },
            conclusion: None,
            closed: empty,
            delete_after: empty.then_some(r.delete_after_if_empty),
            hold_id: None,
        };
        let mut tx = self.begin().await?;
        let (id, high) = insert_report(&mut tx, r, &start, actor, now).await?;
        let event =
            AuditRecord::new(actor, AuditAction::SecurityReportCreate, "security_report", Some(id), now).details(serde_json::json!({
                "period_from": r.period_from.to_string(), "period_to": r.period_to.to_string(),
                "findings": r.findings.len(), "high": high, "events": r.events,
            }));
        tx.commit(event).await?;
        Ok(id)
    }

    /// A report and its findings.
    pub async fn security_report(&self, id: Uuid) -> Result<Option<(SecurityReportRow, Vec<Finding>)>> {
        let r = sqlx::query(&format!("SELECT {COLUMNS}, body FROM security_reports WHERE id = $1"))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        match r {
            None => Ok(None),
            Some(r) => {
                let body: String = r.try_get("body")?;
                let findings = serde_json::from_str(&body).map_err(|e| StoreError::Corrupt(format!("security report {id}: {e}")))?;
                Ok(Some((row(&r)?, findings)))
            }
        }
    }

    /// Reports, newest first; for a department, only those handed to it.
    pub async fn security_reports(&self, department: Option<Uuid>, limit: u32) -> Result<Vec<SecurityReportRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM security_reports WHERE ($1 = '' OR department_id = $1) ORDER BY created_at DESC, id DESC LIMIT $2"
        ))
        .bind(department.map(|d| d.to_string()).unwrap_or_default())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(row).collect()
    }

    /// Whether Portvagt has made a report for exactly this period already (the daily run
    /// makes one per day, on whichever instance gets there first).
    pub async fn automatic_report_exists(&self, from: &Timestamp, to: &Timestamp) -> Result<bool> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM security_reports WHERE automatic = 1 AND period_from = $1 AND period_to = $2")
                .bind(from.to_string())
                .bind(to.to_string())
                .fetch_one(&self.pool)
                .await?;
        Ok(n > 0)
    }

    /// Records that `actor` read a report (SEC-1: reading a report is audited).
    pub async fn record_report_read(&self, id: Uuid, actor: &Actor, now: Timestamp) -> Result<()> {
        self.record_audit(&AuditRecord::new(actor, AuditAction::SecurityReportRead, "security_report", Some(id), now)).await
    }

    /// Changes a report's case at `version`, with its audit event; a misuse conclusion
    /// places its legal hold in the same transaction.
    pub async fn change_security_report(&self, id: Uuid, version: i64, change: &CaseChange, actor: &Actor, now: Timestamp) -> Result<()> {
        let mut tx = self.begin().await?;
        let update = |sql: &'static str| sqlx::query(sql).bind(id.to_string()).bind(version);
        let (q, action, details) = match change {
            CaseChange::Assign(d) => (
                update("UPDATE security_reports SET department_id = $3, version = version + 1 WHERE id = $1 AND version = $2").bind(d.to_string()),
                AuditAction::SecurityReportAssign,
                serde_json::json!({ "department_id": d }),
            ),
            CaseChange::Investigate => (
                update("UPDATE security_reports SET state = 'investigating', investigator = $3, version = version + 1 WHERE id = $1 AND version = $2")
                    .bind(actor.name.clone()),
                AuditAction::SecurityReportInvestigate,
                serde_json::Value::Null,
            ),
            CaseChange::Close { conclusion, delete_after } => (
                update(
                    "UPDATE security_reports SET state = 'closed', conclusion = $3, closed_at = $4, closed_by = $5, delete_after = $6, \
                     version = version + 1 WHERE id = $1 AND version = $2",
                )
                .bind(conclusion.clone())
                .bind(now.to_string())
                .bind(actor.name.clone())
                .bind(delete_after.to_string()),
                AuditAction::SecurityReportClose,
                serde_json::json!({ "delete_after": delete_after.to_string() }),
            ),
            CaseChange::Misuse { conclusion, hold } => {
                let (hold_id, event) = crate::log::retention::insert_hold(&mut tx, hold, actor, now).await?;
                tx.pending.push(event);
                (
                    update(
                        "UPDATE security_reports SET state = 'misuse', conclusion = $3, closed_at = $4, closed_by = $5, hold_id = $6, \
                         version = version + 1 WHERE id = $1 AND version = $2",
                    )
                    .bind(conclusion.clone())
                    .bind(now.to_string())
                    .bind(actor.name.clone())
                    .bind(hold_id.to_string()),
                    AuditAction::SecurityReportMisuse,
                    serde_json::json!({ "hold_id": hold_id }),
                )
            }
        };
        let done = q.execute(&mut *tx.tx).await?;
        if done.rows_affected() == 0 {
            let e = tx.stale("security_reports", id).await;
            tx.rollback().await?;
            return Err(e);
        }
        tx.pending.push(AuditRecord::new(actor, action, "security_report", Some(id), now).details(details));
        tx.commit_pending().await
    }

    /// SEC-2: deletes the reports closed without misuse whose time is up, each deletion
    /// an audit event. Returns how many went.
    pub async fn delete_closed_reports(&self, actor: &Actor, now: Timestamp) -> Result<u64> {
        let due: Vec<String> = sqlx::query_scalar("SELECT id FROM security_reports WHERE state = 'closed' AND delete_after <= $1")
            .bind(now.to_string())
            .fetch_all(&self.pool)
            .await?;
        for id in &due {
            let mut tx = self.begin().await?;
            sqlx::query("DELETE FROM security_reports WHERE id = $1 AND state = 'closed'").bind(id).execute(&mut *tx.tx).await?;
            tx.commit(AuditRecord::new(actor, AuditAction::SecurityReportDelete, "security_report", id.parse().ok(), now)).await?;
        }
        Ok(due.len() as u64)
    }
}

/// How a report's case starts.
struct Start<'a> {
    state: CaseState,
    conclusion: Option<&'a str>,
    /// Concluded at once, by the actor who makes it.
    closed: bool,
    delete_after: Option<Timestamp>,
    hold_id: Option<Uuid>,
}

/// Inserts a report in the caller's transaction; returns its id and its high findings.
async fn insert_report(tx: &mut crate::Tx, r: &NewSecurityReport, start: &Start<'_>, actor: &Actor, now: Timestamp) -> Result<(Uuid, i64)> {
    let id = Uuid::now_v7();
    let high = r.findings.iter().filter(|f| f.severity == Severity::High).count() as i64;
    let body = serde_json::to_string(&r.findings).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    sqlx::query(&format!(
        "INSERT INTO security_reports ({COLUMNS}, body) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, NULL, $8, $9, $10, $11, $12, $13, $14, $15, 1, $16)"
    ))
    .bind(id.to_string())
    .bind(r.period_from.to_string())
    .bind(r.period_to.to_string())
    .bind(now.to_string())
    .bind(&actor.name)
    .bind(crate::b2i(actor.kind == ActorKind::System))
    .bind(start.state.code())
    .bind(start.conclusion)
    .bind(start.closed.then(|| now.to_string()))
    .bind(start.closed.then(|| actor.name.clone()))
    .bind(start.delete_after.map(|t| t.to_string()))
    .bind(start.hold_id.map(|h| h.to_string()))
    .bind(r.findings.len() as i64)
    .bind(high)
    .bind(r.events as i64)
    .bind(body)
    .execute(&mut *tx.tx)
    .await?;
    Ok((id, high))
}

/// Stores a report as a case in which misuse was found (the unjustified entries of a
/// signed-off log-control package), under `hold_id`, in the caller's transaction.
pub(crate) async fn insert_misuse_report(
    tx: &mut crate::Tx,
    r: &NewSecurityReport,
    conclusion: &str,
    hold_id: Uuid,
    actor: &Actor,
    now: Timestamp,
) -> Result<(Uuid, AuditRecord)> {
    let start = Start { state: CaseState::Misuse, conclusion: Some(conclusion), closed: true, delete_after: None, hold_id: Some(hold_id) };
    let (id, _) = insert_report(tx, r, &start, actor, now).await?;
    let event = AuditRecord::new(actor, AuditAction::SecurityReportMisuse, "security_report", Some(id), now)
        .details(serde_json::json!({ "hold_id": hold_id, "findings": r.findings.len() }));
    Ok((id, event))
}

/// What the security report needs of one account.
#[derive(Debug, Clone)]
pub struct ReportAccount {
    pub id: Uuid,
    pub system_id: Option<Uuid>,
    pub agreement_id: Option<Uuid>,
    pub person_id: Option<Uuid>,
    pub username: String,
    pub status: String,
    pub valid_from: String,
    pub valid_to: Option<String>,
    pub activated_at: Option<String>,
    pub disabled_at: Option<String>,
    pub roles: Vec<Uuid>,
}

impl Store {
    /// Every account with its roles, for the security report.
    pub async fn report_accounts(&self) -> Result<Vec<ReportAccount>> {
        let rows = sqlx::query(
            "SELECT id, system_id, agreement_id, person_id, username, status, valid_from, valid_to, activated_at, disabled_at FROM accounts",
        )
        .fetch_all(&self.pool)
        .await?;
        let roles: Vec<(String, String)> = sqlx::query_as("SELECT account_id, role_id FROM account_roles").fetch_all(&self.pool).await?;
        let mut by_account: std::collections::HashMap<String, Vec<Uuid>> = std::collections::HashMap::new();
        for (a, r) in roles {
            if let Ok(r) = r.parse() {
                by_account.entry(a).or_default().push(r);
            }
        }
        let uuid = |s: Option<String>| s.and_then(|s| s.parse().ok());
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let id: String = r.try_get("id")?;
            let Ok(parsed) = id.parse() else { continue };
            out.push(ReportAccount {
                id: parsed,
                system_id: uuid(r.try_get("system_id")?),
                agreement_id: uuid(r.try_get("agreement_id")?),
                person_id: uuid(r.try_get("person_id")?),
                username: r.try_get("username")?,
                status: r.try_get("status")?,
                valid_from: r.try_get("valid_from")?,
                valid_to: r.try_get("valid_to")?,
                activated_at: r.try_get("activated_at")?,
                disabled_at: r.try_get("disabled_at")?,
                roles: by_account.remove(&id).unwrap_or_default(),
            });
        }
        Ok(out)
    }

    /// Every supplier's care relations: (supplier, subject index, first day, last day).
    pub async fn client_relations(&self) -> Result<Vec<(Uuid, String, String, Option<String>)>> {
        let rows: Vec<(String, String, String, Option<String>)> =
            sqlx::query_as("SELECT supplier_id, subject_index, valid_from, valid_to FROM client_relations").fetch_all(&self.pool).await?;
        Ok(rows.into_iter().filter_map(|(s, i, f, t)| Some((s.parse().ok()?, i, f, t))).collect())
    }
}
