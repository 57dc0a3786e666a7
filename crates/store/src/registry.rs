//! Registry records: validated JSON beside relational keys, owners and references.

use crate::search::Names;
use crate::sql::{Arg, Where, args, fetch_page_capped, joined, ts, uuid};
use crate::{Backend, Result, Store, StoreError, Tx, b2i};
use domain::time::Timestamp;
use sqlx::Row;
use sqlx::any::AnyRow;
use uuid::Uuid;

/// A record to write. The caller has validated it; the store keeps it.
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub id: Uuid,
    pub kind: &'static str,
    pub name: String,
    /// The unique key and the field it comes from (for the conflict error).
    pub unique_key: Option<(&'static str, String)>,
    pub body: serde_json::Value,
    /// The canonical national identity number to encrypt, if one was given.
    pub national_id: Option<String>,
    pub owners: Vec<Uuid>,
    pub references: Vec<Uuid>,
}

/// A stored record.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryRow {
    pub id: Uuid,
    pub kind: String,
    pub active: bool,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub body: serde_json::Value,
    pub owners: Vec<Uuid>,
}

/// Which records to list.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub kind: &'static str,
    /// Only records owned by this supplier (a supplier actor's tenancy, or a filter).
    pub owned_by: Vec<Uuid>,
    /// Only records referring to this record (e.g. the roles of a system).
    pub referring_to: Option<Uuid>,
    pub active: Option<bool>,
    /// Name contains (case-insensitive).
    pub name_contains: Option<String>,
    /// Exact national identity number, matched through the blind index.
    pub national_id: Option<String>,
    /// This record only.
    pub id: Option<Uuid>,
    /// Only these records (`Some(empty)` finds none).
    pub only: Option<Vec<Uuid>>,
    /// ACC-4: only persons with a live account who lack evidence of any of these kinds.
    pub missing_evidence: Vec<String>,
    /// By name, descending.
    pub desc: bool,
    /// Count matches only up to this many (one more means "more than").
    pub count_cap: Option<u64>,
    pub offset: u64,
    pub limit: u32,
}

/// A record's columns and its owners, read in the same statement as one text of ids.
fn columns(backend: Backend) -> String {
    let owners = joined(backend, "o.supplier_id");
    format!(
        "id, kind, active, version, created_at, updated_at, body, \
         (SELECT {owners} FROM registry_owners o WHERE o.entry_id = registry_entries.id) AS owners"
    )
}

fn row_to_entry(row: &AnyRow) -> Result<EntryRow> {
    let body: String = row.try_get("body")?;
    Ok(EntryRow {
        id: uuid(&row.try_get::<String, _>("id")?)?,
        kind: row.try_get("kind")?,
        active: row.try_get::<i64, _>("active")? != 0,
        version: row.try_get("version")?,
        created_at: ts(&row.try_get::<String, _>("created_at")?)?,
        updated_at: ts(&row.try_get::<String, _>("updated_at")?)?,
        body: serde_json::from_str(&body).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        owners: {
            let joined: Option<String> = row.try_get("owners")?;
            let mut owners = joined.iter().flat_map(|j| j.split(',')).map(uuid).collect::<Result<Vec<_>>>()?;
            owners.sort();
            owners
        },
    })
}

/// The query for records by id.
fn by_ids(backend: Backend, ids: &[Uuid]) -> (String, Vec<Arg>) {
    let mut w = Where::default();
    let list: Vec<String> = ids.iter().map(|id| w.arg(Arg::Text(id.to_string()))).collect();
    w.and(format!("id IN ({})", list.join(", ")));
    (format!("SELECT {} FROM registry_entries{}", columns(backend), w.sql()), w.args)
}

/// Maps a unique-index violation to a conflict on `field`.
fn conflict_on(field: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |e| match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict { field },
        _ => StoreError::Database(e),
    }
}

impl Store {
    /// One record by id (any kind; callers check the kind).
    pub async fn get_entry(&self, id: Uuid) -> Result<Option<EntryRow>> {
        Ok(self.get_entries(&[id]).await?.into_iter().next())
    }

    /// Several records by id, with their owners; missing ids are left out.
    pub async fn get_entries(&self, ids: &[Uuid]) -> Result<Vec<EntryRow>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let (sql, a) = by_ids(self.backend, ids);
        let rows = sqlx::query_with(&sql, args(&a)).fetch_all(&self.pool).await?;
        rows.iter().map(row_to_entry).collect()
    }

    /// One page of records and the total count of matching records.
    pub async fn list_entries(&self, q: &ListQuery) -> Result<(Vec<EntryRow>, u64)> {
        let mut w = Where::default();
        let kind = w.arg(Arg::Text(q.kind.to_string()));
        w.and(format!("kind = {kind}"));
        if !q.owned_by.is_empty() {
            let list: Vec<String> = q.owned_by.iter().map(|s| w.arg(Arg::Text(s.to_string()))).collect();
            w.and(format!("id IN (SELECT entry_id FROM registry_owners WHERE supplier_id IN ({}))", list.join(", ")));
        }
        if let Some(target) = q.referring_to {
            let p = w.arg(Arg::Text(target.to_string()));
            w.and(format!("id IN (SELECT entry_id FROM registry_refs WHERE target_id = {p})"));
        }
        if let Some(active) = q.active {
            let p = w.arg(Arg::Int(b2i(active)));
            w.and(format!("active = {p}"));
        }
        if let Some(text) = &q.name_contains {
            let cond = self.contains(&mut w, Names::Records, text, "id", "name_lower").await?;
            w.and(cond);
        }
        if let Some(nid) = &q.national_id {
            // Under the current and any previous data key.
            let ps: Vec<String> = self.key().blind_indexes(nid).into_iter().map(|i| w.arg(Arg::Text(i))).collect();
            w.and(format!("national_id_index IN ({})", ps.join(", ")));
        }
        if let Some(id) = q.id {
            let p = w.arg(Arg::Text(id.to_string()));
            w.and(format!("id = {p}"));
        }
        if let Some(only) = &q.only {
            if only.is_empty() {
                w.and("1 = 0".to_string());
            } else {
                let list: Vec<String> = only.iter().map(|id| w.arg(Arg::Text(id.to_string()))).collect();
                w.and(format!("id IN ({})", list.join(", ")));
            }
        }
        if !q.missing_evidence.is_empty() {
            let lacking: Vec<String> = q
                .missing_evidence
                .iter()
                .map(|k| {
                    let p = w.arg(Arg::Text(k.clone()));
                    format!("NOT EXISTS (SELECT 1 FROM person_evidence e WHERE e.person_id = registry_entries.id AND e.kind = {p})")
                })
                .collect();
            w.and(format!(
                "id IN (SELECT a.person_id FROM accounts a WHERE a.status NOT IN ('terminated', 'disabled')) AND ({})",
                lacking.join(" OR ")
            ));
        }
        let order = if q.desc { "name_lower DESC, id DESC" } else { "name_lower, id" };
        let (rows, total) =
            fetch_page_capped(&self.pool, &columns(self.backend), "registry_entries", &w, order, q.limit, q.offset, q.count_cap).await?;
        Ok((rows.iter().map(row_to_entry).collect::<Result<Vec<_>>>()?, total))
    }

    /// Ids of records of `kind` that refer to `target`.
    pub async fn referring(&self, kind: &'static str, target: Uuid) -> Result<Vec<Uuid>> {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT e.id FROM registry_entries e JOIN registry_refs r ON r.entry_id = e.id WHERE r.target_id = $1 AND e.kind = $2 ORDER BY e.id",
        )
        .bind(target.to_string())
        .bind(kind)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|s| uuid(s)).collect()
    }

    /// The decrypted national identity number of a record, if one is stored.
    pub async fn national_id(&self, id: Uuid) -> Result<Option<String>> {
        let sealed: Option<Option<String>> = sqlx::query_scalar("SELECT national_id_sealed FROM registry_entries WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        match sealed.flatten() {
            Some(s) => Ok(Some(self.key().open(&id.to_string(), &s)?)),
            None => Ok(None),
        }
    }

    /// How many records of each kind exist (for health and demo reports).
    pub async fn count_entries(&self, kind: &str) -> Result<u64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM registry_entries WHERE kind = $1")
            .bind(kind.to_string())
            .fetch_one(&self.pool)
            .await?;
        Ok(n as u64)
    }
}

impl Tx {
    /// Records by id as this transaction sees them (its own changes included).
    pub async fn entries(&mut self, ids: &[Uuid]) -> Result<Vec<EntryRow>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let (sql, a) = by_ids(self.backend, ids);
        let rows = sqlx::query_with(&sql, args(&a)).fetch_all(&mut *self.tx).await?;
        rows.iter().map(row_to_entry).collect()
    }

    /// Inserts a record with its owners and references.
    pub async fn insert_entry(&mut self, e: &NewEntry, now: Timestamp) -> Result<()> {
        let (field, key) = match &e.unique_key {
            Some((f, k)) => (*f, Some(k.clone())),
            None => ("id", None),
        };
        let (sealed, index) = self.seal(e)?;
        sqlx::query(
            "INSERT INTO registry_entries (id, kind, name_lower, unique_key, active, body, national_id_sealed, national_id_index, version, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 1, $5, $6, $7, 1, $8, $8)",
        )
        .bind(e.id.to_string())
        .bind(e.kind)
        .bind(e.name.to_lowercase())
        .bind(key)
        .bind(e.body.to_string())
        .bind(sealed)
        .bind(index)
        .bind(now.to_string())
        .execute(&mut *self.tx)
        .await
        .map_err(conflict_on(field))?;
        self.index_name(e.id, &e.name).await?;
        self.write_links(e).await
    }

    /// Replaces a record's content if it is still at `expected_version`.
    pub async fn update_entry(&mut self, e: &NewEntry, expected_version: i64, now: Timestamp) -> Result<i64> {
        let field = e.unique_key.as_ref().map(|(f, _)| *f).unwrap_or("id");
        let key = e.unique_key.as_ref().map(|(_, k)| k.clone());
        let (sealed, index) = self.seal(e)?;
        // A record updated without a national id keeps the stored one.
        let res = sqlx::query(
            "UPDATE registry_entries SET name_lower = $1, unique_key = $2, body = $3, \
             national_id_sealed = COALESCE($4, national_id_sealed), national_id_index = COALESCE($5, national_id_index), \
             version = version + 1, updated_at = $6 WHERE id = $7 AND version = $8",
        )
        .bind(e.name.to_lowercase())
        .bind(key)
        .bind(e.body.to_string())
        .bind(sealed)
        .bind(index)
        .bind(now.to_string())
        .bind(e.id.to_string())
        .bind(expected_version)
        .execute(&mut *self.tx)
        .await
        .map_err(conflict_on(field))?;
        if res.rows_affected() == 0 {
            return Err(self.stale("registry_entries", e.id).await);
        }
        self.index_name(e.id, &e.name).await?;
        if e.kind == "person" {
            // The person's accounts are found by the new name.
            self.index_accounts("person_id = $1", &[e.id.to_string()]).await?;
        }
        sqlx::query("DELETE FROM registry_owners WHERE entry_id = $1").bind(e.id.to_string()).execute(&mut *self.tx).await?;
        sqlx::query("DELETE FROM registry_refs WHERE entry_id = $1").bind(e.id.to_string()).execute(&mut *self.tx).await?;
        self.write_links(e).await?;
        Ok(expected_version + 1)
    }

    /// Marks a record active or inactive if it is still at `expected_version`.
    pub async fn set_entry_active(&mut self, id: Uuid, active: bool, expected_version: i64, now: Timestamp) -> Result<i64> {
        let res =
            sqlx::query("UPDATE registry_entries SET active = $1, version = version + 1, updated_at = $2 WHERE id = $3 AND version = $4")
                .bind(b2i(active))
                .bind(now.to_string())
                .bind(id.to_string())
                .bind(expected_version)
                .execute(&mut *self.tx)
                .await?;
        if res.rows_affected() == 0 {
            return Err(self.stale("registry_entries", id).await);
        }
        Ok(expected_version + 1)
    }

    fn seal(&self, e: &NewEntry) -> Result<(Option<String>, Option<String>)> {
        match &e.national_id {
            Some(n) => Ok((Some(self.key.seal(&e.id.to_string(), n)?), Some(self.key.blind_index(n)))),
            None => Ok((None, None)),
        }
    }

    async fn write_links(&mut self, e: &NewEntry) -> Result<()> {
        let mut owners = e.owners.clone();
        owners.sort();
        owners.dedup();
        for s in owners {
            sqlx::query("INSERT INTO registry_owners (supplier_id, entry_id) VALUES ($1, $2)")
                .bind(s.to_string())
                .bind(e.id.to_string())
                .execute(&mut *self.tx)
                .await?;
        }
        let mut refs = e.references.clone();
        refs.sort();
        refs.dedup();
        for r in refs {
            sqlx::query("INSERT INTO registry_refs (entry_id, target_id) VALUES ($1, $2)")
                .bind(e.id.to_string())
                .bind(r.to_string())
                .execute(&mut *self.tx)
                .await?;
        }
        Ok(())
    }
}
