//! What is recorded about a person: activation evidence (ACC-4) and authenticators
//! (ACC-7).

use crate::sql::{date, opt_uuid, ts, uuid};
use crate::{Result, Store, StoreError, Tx};
use domain::time::{Date, Timestamp};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EvidenceRow {
    pub id: Uuid,
    pub person_id: Uuid,
    pub kind: String,
    pub recorded_at: Timestamp,
    pub recorded_by: String,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AuthenticatorRow {
    pub id: Uuid,
    pub person_id: Uuid,
    pub kind: String,
    pub serial: String,
    pub issued_on: Date,
    pub identity_checked_by: String,
    pub status: String,
    pub billed_supplier_id: Option<Uuid>,
}

impl Store {
    /// The kinds of evidence recorded for each of `persons`, in one statement.
    /// The kinds of evidence recorded for each person, with when each was last recorded.
    pub async fn evidence_kinds(&self, persons: &[Uuid]) -> Result<std::collections::HashMap<Uuid, Vec<(String, Timestamp)>>> {
        let mut out: std::collections::HashMap<Uuid, Vec<(String, Timestamp)>> = std::collections::HashMap::new();
        for chunk in persons.chunks(200) {
            let list: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT person_id, kind, MAX(recorded_at) FROM person_evidence WHERE person_id IN ({}) GROUP BY person_id, kind",
                list.join(", ")
            );
            let mut q = sqlx::query_as::<_, (String, String, String)>(&sql);
            for p in chunk {
                q = q.bind(p.to_string());
            }
            for (p, kind, at) in q.fetch_all(&self.pool).await? {
                out.entry(uuid(&p)?).or_default().push((kind, ts(&at)?));
            }
        }
        Ok(out)
    }

    pub async fn evidence(&self, person: Uuid) -> Result<Vec<EvidenceRow>> {
        let rows: Vec<(String, String, String, String, String, Option<String>)> = sqlx::query_as(
            "SELECT id, person_id, kind, recorded_at, recorded_by, note FROM person_evidence WHERE person_id = $1 ORDER BY recorded_at, id",
        )
        .bind(person.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(id, p, kind, at, by, note)| {
                Ok(EvidenceRow { id: uuid(&id)?, person_id: uuid(&p)?, kind, recorded_at: ts(&at)?, recorded_by: by, note })
            })
            .collect()
    }

    pub async fn authenticators(&self, person: Uuid) -> Result<Vec<AuthenticatorRow>> {
        type Row = (String, String, String, String, String, String, String, Option<String>);
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, person_id, kind, serial, issued_on, identity_checked_by, status, billed_supplier_id FROM authenticators WHERE person_id = $1 ORDER BY issued_on, id",
        )
        .bind(person.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(id, p, kind, serial, issued, by, status, billed)| {
                Ok(AuthenticatorRow {
                    id: uuid(&id)?,
                    person_id: uuid(&p)?,
                    kind,
                    serial,
                    issued_on: date(&issued)?,
                    identity_checked_by: by,
                    status,
                    billed_supplier_id: opt_uuid(billed)?,
                })
            })
            .collect()
    }
}

impl Tx {
    pub async fn insert_evidence(&mut self, e: &EvidenceRow) -> Result<()> {
        sqlx::query("INSERT INTO person_evidence (id, person_id, kind, recorded_at, recorded_by, note) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(e.id.to_string())
            .bind(e.person_id.to_string())
            .bind(e.kind.clone())
            .bind(e.recorded_at.to_string())
            .bind(e.recorded_by.clone())
            .bind(e.note.clone())
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    pub async fn insert_authenticator(&mut self, a: &AuthenticatorRow, now: Timestamp) -> Result<()> {
        sqlx::query(
            "INSERT INTO authenticators (id, person_id, kind, serial, issued_on, identity_checked_by, status, billed_supplier_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(a.id.to_string())
        .bind(a.person_id.to_string())
        .bind(a.kind.clone())
        .bind(a.serial.clone())
        .bind(a.issued_on.to_string())
        .bind(a.identity_checked_by.clone())
        .bind(a.status.clone())
        .bind(a.billed_supplier_id.map(|s| s.to_string()))
        .bind(now.to_string())
        .execute(&mut *self.tx)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict { field: "serial" },
            _ => StoreError::Database(e),
        })?;
        Ok(())
    }
}
