//! The outbox as the worker sees it, the IT operator's manual tasks, termination reports
//! and deletion confirmations.

use crate::sql::{Arg, Where, args, opt_ts, opt_uuid, ts, uuid};
use crate::{Result, Store, StoreError, Tx};
use domain::time::Timestamp;
use sqlx::Row;
use sqlx::any::AnyRow;
use uuid::Uuid;

/// An outbox row waiting to be carried out.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingMessage {
    pub id: Uuid,
    pub topic: String,
    pub payload: serde_json::Value,
    pub attempts: i64,
}

/// A provisioning action that failed and waits for its next attempt.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FailingMessage {
    pub id: Uuid,
    pub payload: serde_json::Value,
    pub attempts: i64,
    pub last_error: String,
    pub next_attempt_at: Timestamp,
}

/// An open manual task of an account, as the account's pages show it.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenTask {
    pub id: Uuid,
    pub account_id: Uuid,
    pub action: String,
    pub created_at: Timestamp,
}

/// A manual provisioning task for the IT operator.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TaskRow {
    pub id: Uuid,
    pub outbox_id: Uuid,
    pub account_id: Uuid,
    pub system_id: Uuid,
    pub request_id: Option<Uuid>,
    pub action: String,
    pub details: serde_json::Value,
    pub state: String,
    pub attempt: i64,
    pub created_at: Timestamp,
    pub decided_at: Option<Timestamp>,
    pub decided_by: Option<String>,
    pub note: Option<String>,
}

const TASK_COLUMNS: &str =
    "id, outbox_id, account_id, system_id, request_id, action, details, state, attempt, created_at, decided_at, decided_by, note";

fn task_row(r: &AnyRow) -> Result<TaskRow> {
    let details: String = r.try_get("details")?;
    Ok(TaskRow {
        id: uuid(&r.try_get::<String, _>("id")?)?,
        outbox_id: uuid(&r.try_get::<String, _>("outbox_id")?)?,
        account_id: uuid(&r.try_get::<String, _>("account_id")?)?,
        system_id: uuid(&r.try_get::<String, _>("system_id")?)?,
        request_id: opt_uuid(r.try_get("request_id")?)?,
        action: r.try_get("action")?,
        details: serde_json::from_str(&details).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        state: r.try_get("state")?,
        attempt: r.try_get("attempt")?,
        created_at: ts(&r.try_get::<String, _>("created_at")?)?,
        decided_at: opt_ts(r.try_get("decided_at")?)?,
        decided_by: r.try_get("decided_by")?,
        note: r.try_get("note")?,
    })
}

impl Store {
    /// Outbox rows of `topic` due at `now`, oldest first.
    pub async fn pending_messages(&self, topic: &str, now: Timestamp, limit: u32) -> Result<Vec<PendingMessage>> {
        let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
            "SELECT id, topic, payload, attempts FROM outbox WHERE topic = $1 AND completed_at IS NULL AND available_at <= $2 ORDER BY seq LIMIT $3",
        )
        .bind(topic.to_string())
        .bind(now.to_string())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(id, topic, payload, attempts)| {
                Ok(PendingMessage {
                    id: uuid(&id)?,
                    topic,
                    payload: serde_json::from_str(&payload).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    attempts,
                })
            })
            .collect()
    }

    /// Takes up to `limit` due rows of `topic` for this worker until `lease_until`: another
    /// worker (or instance) skips them meanwhile and takes them over when the lease runs
    /// out unfinished. Bookkeeping of the outbox itself, so it writes no audit event.
    pub async fn claim_messages(&self, topic: &str, now: Timestamp, lease_until: Timestamp, limit: u32) -> Result<Vec<PendingMessage>> {
        let candidates = self.pending_messages(topic, now, limit).await?;
        if candidates.is_empty() {
            return Ok(candidates);
        }
        let mut tx = self.begin().await?;
        let mut mine = Vec::with_capacity(candidates.len());
        for m in candidates {
            let res = sqlx::query("UPDATE outbox SET available_at = $1 WHERE id = $2 AND completed_at IS NULL AND available_at <= $3")
                .bind(lease_until.to_string())
                .bind(m.id.to_string())
                .bind(now.to_string())
                .execute(&mut *tx.tx)
                .await?;
            if res.rows_affected() == 1 {
                mine.push(m);
            }
        }
        tx.tx.commit().await?;
        Ok(mine)
    }

    /// Provisioning actions that failed at least once and are not done yet (PRV-2).
    pub async fn failing_messages(&self, topic: &str) -> Result<Vec<FailingMessage>> {
        self.unfinished(topic, " AND last_error IS NOT NULL").await
    }

    async fn unfinished(&self, topic: &str, and: &str) -> Result<Vec<FailingMessage>> {
        let rows: Vec<(String, String, i64, Option<String>, String)> = sqlx::query_as(&format!(
            "SELECT id, payload, attempts, last_error, available_at FROM outbox WHERE topic = $1 AND completed_at IS NULL{and} ORDER BY seq"
        ))
        .bind(topic.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(id, payload, attempts, error, at)| {
                Ok(FailingMessage {
                    id: uuid(&id)?,
                    payload: serde_json::from_str(&payload).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    attempts,
                    last_error: error.unwrap_or_default(),
                    next_attempt_at: ts(&at)?,
                })
            })
            .collect()
    }

    /// What is still to be done for these accounts, read at once: the open manual tasks
    /// of the accounts and every unfinished message of `topic` (the caller picks the
    /// accounts' own from their payload).
    pub async fn open_work_of(&self, accounts: &[Uuid], topic: &str) -> Result<(Vec<OpenTask>, Vec<FailingMessage>)> {
        let mut w = Where::default();
        let t = w.arg(Arg::Text(topic.to_string()));
        let list: Vec<String> = accounts.iter().map(|a| w.arg(Arg::Text(a.to_string()))).collect();
        let tasks = if list.is_empty() {
            String::new()
        } else {
            format!(
                "SELECT 'task' AS kind, id, account_id, action, created_at AS at, 0 AS attempts, NULL AS last_error, NULL AS payload \
                 FROM manual_tasks WHERE state = 'open' AND account_id IN ({}) UNION ALL ",
                list.join(", ")
            )
        };
        let sql = format!(
            "{tasks}SELECT 'message' AS kind, id, NULL AS account_id, NULL AS action, available_at AS at, attempts, last_error, payload \
             FROM outbox WHERE topic = {t} AND completed_at IS NULL ORDER BY 5, 2"
        );
        let rows = sqlx::query_with(&sql, args(&w.args)).fetch_all(&self.pool).await?;
        let (mut open, mut messages) = (Vec::new(), Vec::new());
        for r in &rows {
            let id = uuid(&r.try_get::<String, _>(1)?)?;
            let at = ts(&r.try_get::<String, _>(4)?)?;
            if r.try_get::<String, _>(0)? == "task" {
                let account_id = uuid(&r.try_get::<Option<String>, _>(2)?.unwrap_or_default())?;
                open.push(OpenTask { id, account_id, action: r.try_get::<Option<String>, _>(3)?.unwrap_or_default(), created_at: at });
            } else {
                let payload: String = r.try_get::<Option<String>, _>(7)?.unwrap_or_default();
                messages.push(FailingMessage {
                    id,
                    payload: serde_json::from_str(&payload).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    attempts: r.try_get(5)?,
                    last_error: r.try_get::<Option<String>, _>(6)?.unwrap_or_default(),
                    next_attempt_at: at,
                });
            }
        }
        Ok((open, messages))
    }

    pub async fn task(&self, id: Uuid) -> Result<Option<TaskRow>> {
        let row = sqlx::query(&format!("SELECT {TASK_COLUMNS} FROM manual_tasks WHERE id = $1"))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(|r| task_row(r).and_then(|t| self.open_task(t))).transpose()
    }

    /// Opens a sealed initial password for the operator.
    fn open_task(&self, mut t: TaskRow) -> Result<TaskRow> {
        if let Some(sealed) = t.details.get("initial_password").and_then(|v| v.as_str()).map(String::from) {
            t.details["initial_password"] = serde_json::Value::String(self.key().open(&t.id.to_string(), &sealed)?);
        }
        Ok(t)
    }

    pub async fn list_tasks(&self, state: Option<&str>, request: Option<Uuid>) -> Result<Vec<TaskRow>> {
        let mut w = Where::default();
        if let Some(s) = state {
            let p = w.arg(Arg::Text(s.to_string()));
            w.and(format!("state = {p}"));
        }
        if let Some(r) = request {
            let p = w.arg(Arg::Text(r.to_string()));
            w.and(format!("request_id = {p}"));
        }
        let rows = sqlx::query_with(&format!("SELECT {TASK_COLUMNS} FROM manual_tasks{} ORDER BY created_at, id", w.sql()), args(&w.args))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| task_row(r).and_then(|t| self.open_task(t))).collect()
    }
}

impl Tx {
    /// Provisioning still outstanding for a request, as this transaction sees it: open
    /// tasks and actions not yet dispatched (a failed task's retry is one of those).
    pub async fn outstanding_for_request(&mut self, request: Uuid) -> Result<u64> {
        let tasks: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM manual_tasks WHERE request_id = $1 AND state = 'open'")
            .bind(request.to_string())
            .fetch_one(&mut *self.tx)
            .await?;
        let pattern = format!("%\"request_id\":\"{request}\"%");
        let outbox: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE topic = 'provision' AND completed_at IS NULL AND payload LIKE $1")
                .bind(pattern)
                .fetch_one(&mut *self.tx)
                .await?;
        Ok((tasks + outbox) as u64)
    }

    /// Turns an outbox row into a manual task, once (the outbox id is unique). An
    /// initial password in the details is stored sealed with the data key.
    pub async fn insert_task(&mut self, t: &TaskRow) -> Result<bool> {
        let mut details = t.details.clone();
        if let Some(pw) = details.get("initial_password").and_then(|v| v.as_str()).map(String::from) {
            details["initial_password"] = serde_json::Value::String(self.key.seal(&t.id.to_string(), &pw)?);
        }
        let res = sqlx::query(
            "INSERT INTO manual_tasks (id, outbox_id, account_id, system_id, request_id, action, details, state, attempt, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (outbox_id) DO NOTHING",
        )
        .bind(t.id.to_string())
        .bind(t.outbox_id.to_string())
        .bind(t.account_id.to_string())
        .bind(t.system_id.to_string())
        .bind(t.request_id.map(|r| r.to_string()))
        .bind(t.action.clone())
        .bind(details.to_string())
        .bind(t.state.clone())
        .bind(t.attempt)
        .bind(t.created_at.to_string())
        .execute(&mut *self.tx)
        .await?;
        Ok(res.rows_affected() == 1)
    }

    /// Records the operator's decision on an open task; `false` if it was decided already.
    pub async fn decide_task(&mut self, id: Uuid, state: &str, by: &str, note: Option<&str>, now: Timestamp) -> Result<bool> {
        let res = sqlx::query("UPDATE manual_tasks SET state = $1, decided_by = $2, note = $3, decided_at = $4, details = '{}' WHERE id = $5 AND state = 'open'")
            .bind(state.to_string())
            .bind(by.to_string())
            .bind(note.map(String::from))
            .bind(now.to_string())
            .bind(id.to_string())
            .execute(&mut *self.tx)
            .await?;
        Ok(res.rows_affected() == 1)
    }

    /// Marks an outbox row done.
    pub async fn complete_message(&mut self, id: Uuid, now: Timestamp) -> Result<()> {
        sqlx::query("UPDATE outbox SET completed_at = $1, attempts = attempts + 1 WHERE id = $2")
            .bind(now.to_string())
            .bind(id.to_string())
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Puts a message back for a later attempt after a failure.
    /// Calls off what is still to be done in a target system for an account that has
    /// ended: its open manual tasks and its waiting provisioning actions of the given
    /// kinds. Returns the creations called off: (handed to the IT operator as a task —
    /// who may have carried it out already —, not yet handed to anyone).
    pub async fn call_off_actions(&mut self, account: Uuid, actions: &[&str], by: &str, now: Timestamp) -> Result<(u64, u64)> {
        let mut creations = (0, 0);
        for action in actions {
            let res = sqlx::query(
                "UPDATE manual_tasks SET state = 'cancelled', decided_by = $1, decided_at = $2, details = '{}', note = 'the account ended first' \
                 WHERE account_id = $3 AND action = $4 AND state = 'open'",
            )
            .bind(by.to_string())
            .bind(now.to_string())
            .bind(account.to_string())
            .bind(action.to_string())
            .execute(&mut *self.tx)
            .await?;
            // The payload is the JSON the action was queued with (compact, keys as written).
            let res2 = sqlx::query(
                "UPDATE outbox SET completed_at = $1, last_error = 'called off: the account ended first' \
                 WHERE completed_at IS NULL AND topic = 'provision' AND payload LIKE $2 AND payload LIKE $3",
            )
            .bind(now.to_string())
            .bind(format!("%\"account_id\":\"{account}\"%"))
            .bind(format!("%\"action\":\"{action}\"%"))
            .execute(&mut *self.tx)
            .await?;
            if *action == "create" {
                creations = (res.rows_affected(), res2.rows_affected());
            }
        }
        Ok(creations)
    }

    /// Makes a waiting action due now (a retry someone asked for), keeping its last error;
    /// `false` when it is done already.
    pub async fn make_due(&mut self, id: Uuid, now: Timestamp) -> Result<bool> {
        let res = sqlx::query("UPDATE outbox SET available_at = $1 WHERE id = $2 AND completed_at IS NULL")
            .bind(now.to_string())
            .bind(id.to_string())
            .execute(&mut *self.tx)
            .await?;
        Ok(res.rows_affected() == 1)
    }

    pub async fn retry_message(&mut self, id: Uuid, error: &str, available_at: Timestamp) -> Result<()> {
        sqlx::query("UPDATE outbox SET attempts = attempts + 1, last_error = $1, available_at = $2 WHERE id = $3")
            .bind(error.to_string())
            .bind(available_at.to_string())
            .bind(id.to_string())
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    pub async fn insert_termination_report(
        &mut self,
        person: Uuid,
        reported_at: Timestamp,
        by: &str,
        disabled_at: Timestamp,
        accounts: u64,
    ) -> Result<()> {
        sqlx::query("INSERT INTO termination_reports (id, person_id, reported_at, reported_by, disabled_at, accounts) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(Uuid::now_v7().to_string())
            .bind(person.to_string())
            .bind(reported_at.to_string())
            .bind(by.to_string())
            .bind(disabled_at.to_string())
            .bind(accounts as i64)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    pub async fn confirm_deletion(&mut self, agreement: Uuid, by: &str, note: Option<&str>, now: Timestamp) -> Result<bool> {
        let res = sqlx::query("INSERT INTO deletion_confirmations (agreement_id, confirmed_at, confirmed_by, note) VALUES ($1, $2, $3, $4) ON CONFLICT (agreement_id) DO NOTHING")
            .bind(agreement.to_string())
            .bind(now.to_string())
            .bind(by.to_string())
            .bind(note.map(String::from))
            .execute(&mut *self.tx)
            .await?;
        Ok(res.rows_affected() == 1)
    }

    /// Revokes every API token tied to a person (X-4: their Portvagt sessions end).
    pub async fn revoke_person_tokens(&mut self, person: Uuid, now: Timestamp) -> Result<u64> {
        let res = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE person_id = $2 AND revoked_at IS NULL")
            .bind(now.to_string())
            .bind(person.to_string())
            .execute(&mut *self.tx)
            .await?;
        Ok(res.rows_affected())
    }
}

/// Termination reports: time from report to disable.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TerminationReport {
    pub person_id: Uuid,
    pub reported_at: Timestamp,
    pub reported_by: String,
    pub disabled_at: Timestamp,
    pub accounts: i64,
}

impl Store {
    pub async fn termination_reports(&self) -> Result<Vec<TerminationReport>> {
        let rows: Vec<(String, String, String, String, i64)> = sqlx::query_as(
            "SELECT person_id, reported_at, reported_by, disabled_at, accounts FROM termination_reports ORDER BY reported_at DESC",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(p, r, by, d, n)| {
                Ok(TerminationReport { person_id: uuid(&p)?, reported_at: ts(&r)?, reported_by: by, disabled_at: ts(&d)?, accounts: n })
            })
            .collect()
    }

    /// Agreements with a deletion confirmation, with its time.
    pub async fn deletion_confirmations(&self) -> Result<Vec<(Uuid, Timestamp)>> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT agreement_id, confirmed_at FROM deletion_confirmations").fetch_all(&self.pool).await?;
        rows.into_iter().map(|(a, t)| Ok((uuid(&a)?, ts(&t)?))).collect()
    }
}
