//! Portvagt's own audit events, appended to the log (see [`crate::log`]) when their
//! transaction commits, and the outbox of side effects that workers carry out after commit.

use crate::sql::placeholders;
use crate::{Result, Store, Tx};
use audit::event::{EventBody, SOURCE_PORTVAGT};
use domain::audit_action::AuditAction;
use domain::authz::{Actor, Organisation};
use domain::time::Timestamp;
use uuid::Uuid;

/// One audit event of a state change or a refused attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    pub id: Uuid,
    pub occurred_at: Timestamp,
    pub actor: Actor,
    /// `registry.create`, `token.revoke`, `login.failed` …
    pub action: String,
    pub resource_kind: String,
    pub resource_id: Option<Uuid>,
    /// `success` or `denied` or `failed`.
    pub outcome: String,
    pub details: serde_json::Value,
}

impl AuditRecord {
    pub fn new(actor: &Actor, action: AuditAction, resource_kind: &str, resource_id: Option<Uuid>, now: Timestamp) -> Self {
        AuditRecord {
            id: Uuid::now_v7(),
            occurred_at: now,
            actor: actor.clone(),
            action: action.code().to_string(),
            resource_kind: resource_kind.to_string(),
            resource_id,
            outcome: "success".into(),
            details: serde_json::Value::Null,
        }
    }
    pub fn outcome(mut self, outcome: &str) -> Self {
        self.outcome = outcome.to_string();
        self
    }
    pub fn details(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }
}

/// An audit event as read back.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StoredAuditEvent {
    pub seq: i64,
    pub id: String,
    pub occurred_at: String,
    pub actor_kind: String,
    pub actor_id: String,
    pub actor_name: String,
    pub actor_role: String,
    pub supplier_id: Option<String>,
    pub action: String,
    pub resource_kind: String,
    pub resource_id: Option<String>,
    pub outcome: String,
    pub details: String,
}

/// A side effect to carry out after commit (provisioning, e-mail).
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxMessage {
    pub id: Uuid,
    pub topic: String,
    pub payload: serde_json::Value,
}

impl AuditRecord {
    /// The canonical log body of one of Portvagt's own events.
    pub(crate) fn to_body(&self) -> EventBody {
        let supplier = match self.actor.organisation {
            Organisation::Supplier(s) => Some(s.to_string()),
            Organisation::Municipality => None,
        };
        let kind = serde_json::to_value(self.actor.kind).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
        let at = self.occurred_at.to_string();
        EventBody {
            v: 1,
            id: self.id.to_string(),
            recorded_at: at.clone(),
            at,
            source: SOURCE_PORTVAGT.into(),
            actor: self.actor.id.to_string(),
            actor_kind: kind,
            actor_name: Some(self.actor.name.clone()),
            actor_role: Some(self.actor.role.as_str().to_string()),
            person_id: self.actor.person.map(|p| p.to_string()),
            supplier_id: supplier,
            action: self.action.clone(),
            resource_kind: Some(self.resource_kind.clone()),
            resource_id: self.resource_id.map(|u| u.to_string()),
            subject: None,
            subject_index: None,
            criterion: None,
            client_ip: None,
            outcome: self.outcome.clone(),
            details: self.details.clone(),
        }
    }
}

impl StoredAuditEvent {
    pub(crate) fn from_entry(seq: u64, b: EventBody) -> Self {
        StoredAuditEvent {
            seq: seq as i64,
            id: b.id,
            occurred_at: b.at,
            actor_kind: b.actor_kind,
            actor_id: b.actor,
            actor_name: b.actor_name.unwrap_or_default(),
            actor_role: b.actor_role.unwrap_or_default(),
            supplier_id: b.supplier_id,
            action: b.action,
            resource_kind: b.resource_kind.unwrap_or_default(),
            resource_id: b.resource_id,
            outcome: b.outcome,
            details: b.details.to_string(),
        }
    }
}

/// Rows per multi-row INSERT of outbox messages.
const BATCH: usize = 50;

/// Appends Portvagt's own events to the log inside a transaction.
pub(crate) async fn append_own(conn: &mut sqlx::AnyConnection, backend: crate::Backend, events: &[AuditRecord]) -> Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    let bodies: Vec<EventBody> = events.iter().map(AuditRecord::to_body).collect();
    let day = events.iter().map(|e| crate::log::day_of(&e.occurred_at)).max().unwrap_or(0);
    crate::log::append::append(conn, backend, &crate::log::append::prepare(&bodies), day).await?;
    Ok(())
}

impl Tx {
    /// Appends many audit events with multi-row statements (bulk lifecycle runs).
    pub async fn append_audit_many(&mut self, events: &[AuditRecord]) -> Result<()> {
        self.pending.extend_from_slice(events);
        Ok(())
    }

    /// Queues many side effects with multi-row statements.
    pub async fn enqueue_many(&mut self, messages: &[OutboxMessage], now: Timestamp) -> Result<()> {
        for chunk in messages.chunks(BATCH) {
            let sql = format!(
                "INSERT INTO outbox (id, topic, payload, created_at, available_at, attempts) VALUES {}",
                placeholders(chunk.len(), 6)
            );
            let mut q = sqlx::query(&sql);
            for m in chunk {
                q = q
                    .bind(m.id.to_string())
                    .bind(m.topic.clone())
                    .bind(m.payload.to_string())
                    .bind(now.to_string())
                    .bind(now.to_string())
                    .bind(0i64);
            }
            q.execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    /// Appends an audit event inside the transaction.
    pub async fn append_audit(&mut self, e: &AuditRecord) -> Result<()> {
        self.pending.push(e.clone());
        Ok(())
    }

    /// Queues a side effect inside the transaction.
    pub async fn enqueue(&mut self, m: &OutboxMessage, now: Timestamp) -> Result<()> {
        self.enqueue_at(m, now, now).await
    }

    /// Queues a side effect that is due at `available_at` (a retry after back-off).
    pub async fn enqueue_at(&mut self, m: &OutboxMessage, now: Timestamp, available_at: Timestamp) -> Result<()> {
        sqlx::query("INSERT INTO outbox (id, topic, payload, created_at, available_at, attempts) VALUES ($1, $2, $3, $4, $5, 0)")
            .bind(m.id.to_string())
            .bind(m.topic.clone())
            .bind(m.payload.to_string())
            .bind(now.to_string())
            .bind(available_at.to_string())
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }
}

impl Store {
    /// Records an event that changes no state (a refused attempt, a failed login), in a
    /// transaction of its own.
    pub async fn record_audit(&self, e: &AuditRecord) -> Result<()> {
        let mut tx = self.begin().await?;
        tx.append_audit(e).await?;
        tx.commit_pending().await
    }

    /// The newest of Portvagt's own audit events, newest first, optionally about one
    /// resource.
    pub async fn recent_audit(&self, resource_id: Option<Uuid>, limit: u32) -> Result<Vec<StoredAuditEvent>> {
        let q = crate::log::LogQuery {
            key: resource_id.map(|r| format!("r:{r}")),
            source: Some(SOURCE_PORTVAGT.into()),
            limit,
            ..Default::default()
        };
        let page = self.query_log(&q).await?;
        Ok(page.entries.into_iter().map(|e| StoredAuditEvent::from_entry(e.seq, e.body)).collect())
    }

    /// The newest events of one action, newest first.
    pub async fn recent_by_action(&self, action: &str, limit: u32) -> Result<Vec<StoredAuditEvent>> {
        let q = crate::log::LogQuery { key: Some(format!("o:{action}")), limit, ..Default::default() };
        let page = self.query_log(&q).await?;
        Ok(page.entries.into_iter().map(|e| StoredAuditEvent::from_entry(e.seq, e.body)).collect())
    }

    /// When an action was last recorded, if ever.
    pub async fn last_audit_at(&self, action: &str) -> Result<Option<String>> {
        let q = crate::log::LogQuery { key: Some(format!("o:{action}")), limit: 1, ..Default::default() };
        Ok(self.query_log(&q).await?.entries.into_iter().next().map(|e| e.body.at))
    }

    /// The number of events in the log.
    pub async fn count_audit(&self) -> Result<u64> {
        self.log_size().await
    }

    pub async fn count_outbox(&self, topic: &str) -> Result<u64> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE topic = $1").bind(topic.to_string()).fetch_one(&self.pool).await?;
        Ok(n as u64)
    }
}
