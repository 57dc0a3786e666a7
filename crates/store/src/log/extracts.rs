//! Citizen extracts: one data subject's events, with the accessing persons'
//! names only once a second person has approved showing them.

use crate::{AuditRecord, Result, Store, StoreError};
use domain::audit_action::AuditAction;
use domain::authz::Actor;
use domain::time::Timestamp;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq)]
pub struct Extract {
    pub id: Uuid,
    /// The subject's canonical identifier (decrypted).
    pub subject: String,
    pub created_by: Uuid,
    pub created_at: String,
    pub names_approved_by: Option<Uuid>,
    pub names_approved_at: Option<String>,
}

type ExtractRow = (String, String, String, String, Option<String>, Option<String>);

fn parse_uuid(s: &str) -> Result<Uuid> {
    Uuid::parse_str(s).map_err(|_| StoreError::Corrupt(format!("not a uuid: {s}")))
}

impl Store {
    pub async fn create_extract(&self, subject: &str, actor: &Actor, now: Timestamp) -> Result<Uuid> {
        let id = Uuid::now_v7();
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO audit_extracts (id, subject_sealed, created_by, created_at) VALUES ($1, $2, $3, $4)")
            .bind(id.to_string())
            .bind(self.key().seal(&id.to_string(), subject)?)
            // The person behind the maker, so that their other tokens count as them.
            .bind(actor.who().to_string())
            .bind(now.to_string())
            .execute(&mut *tx.tx)
            .await?;
        tx.commit(AuditRecord::new(actor, AuditAction::AuditExtractCreate, "audit_extract", Some(id), now)).await?;
        Ok(id)
    }

    pub async fn extract(&self, id: Uuid) -> Result<Option<Extract>> {
        let row: Option<ExtractRow> = sqlx::query_as(
            "SELECT id, subject_sealed, created_by, created_at, names_approved_by, names_approved_at FROM audit_extracts WHERE id = $1",
        )
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|(id, sealed, created_by, created_at, approved_by, approved_at)| {
            Ok(Extract {
                subject: self.key().open(&id, &sealed)?,
                id: parse_uuid(&id)?,
                created_by: parse_uuid(&created_by)?,
                created_at,
                names_approved_by: approved_by.as_deref().map(parse_uuid).transpose()?,
                names_approved_at: approved_at,
            })
        })
        .transpose()
    }

    /// The newest extracts, newest first.
    pub async fn recent_extracts(&self, limit: u32) -> Result<Vec<Extract>> {
        let rows: Vec<(String,)> = sqlx::query_as("SELECT id FROM audit_extracts ORDER BY created_at DESC, id DESC LIMIT $1")
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        let mut out = Vec::new();
        for (id,) in rows {
            if let Some(e) = self.extract(parse_uuid(&id)?).await? {
                out.push(e);
            }
        }
        Ok(out)
    }

    /// Records the reviewer's approval to show names; the caller checks who may give it.
    pub async fn approve_extract_names(&self, id: Uuid, actor: &Actor, now: Timestamp) -> Result<()> {
        let mut tx = self.begin().await?;
        if let Err(e) = super::stamp_once(&mut tx, "audit_extracts", ("names_approved_by", "names_approved_at"), id, actor, now).await {
            tx.rollback().await?;
            return Err(e);
        }
        tx.commit(AuditRecord::new(actor, AuditAction::AuditExtractApproveNames, "audit_extract", Some(id), now)).await
    }
}
