//! Access requests: the domain record as JSON beside its indexed columns, updated
//! only at the version the caller saw.

use crate::search::Names;
use crate::sql::{Arg, Where, fetch_page_capped, ts, uuid};
use crate::{Result, Store, StoreError, Tx};
use domain::time::{Date, Timestamp};
use sqlx::Row;
use sqlx::any::AnyRow;
use uuid::Uuid;

/// A stored access request: the domain record as JSON with its bookkeeping.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestRow {
    pub id: Uuid,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub body: serde_json::Value,
}

/// Which requests to list.
#[derive(Debug, Clone, Default)]
pub struct RequestQuery {
    pub states: Vec<&'static str>,
    pub supplier_id: Option<Uuid>,
    pub department_id: Option<Uuid>,
    pub person_id: Option<Uuid>,
    pub late: Option<bool>,
    /// Only requests whose wanted start is before this day.
    pub wanted_before: Option<Date>,
    pub kind: Option<&'static str>,
    /// Part of the person's name (any case).
    pub text: Option<String>,
    /// The order of the list; newest first when `None`.
    pub sort: Option<(RequestSort, bool)>,
    /// Count matches only up to this many (one more means "more than").
    pub count_cap: Option<u64>,
    pub offset: u64,
    pub limit: u32,
}

/// What a request list can be ordered by (`true` beside it: descending).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestSort {
    Person,
    Kind,
    State,
    WantedStart,
    Created,
}

impl RequestSort {
    fn sql(self) -> &'static str {
        match self {
            RequestSort::Person => "(SELECT name_lower FROM registry_entries r WHERE r.id = requests.person_id)",
            RequestSort::Kind => "kind",
            RequestSort::State => "state",
            RequestSort::WantedStart => "wanted_start",
            RequestSort::Created => "created_at",
        }
    }
}

fn request_row(r: &AnyRow) -> Result<RequestRow> {
    let body: String = r.try_get("body")?;
    Ok(RequestRow {
        id: uuid(&r.try_get::<String, _>("id")?)?,
        version: r.try_get("version")?,
        created_at: ts(&r.try_get::<String, _>("created_at")?)?,
        updated_at: ts(&r.try_get::<String, _>("updated_at")?)?,
        body: serde_json::from_str(&body).map_err(|e| StoreError::Corrupt(e.to_string()))?,
    })
}

/// The indexed columns of a request, taken from its JSON.
fn request_columns(body: &serde_json::Value) -> (String, String, String, Option<String>, String, i64, String, String, Option<String>) {
    let s = |k: &str| body.get(k).and_then(|v| v.as_str()).map(String::from);
    (
        s("kind").unwrap_or_default(),
        s("state").unwrap_or_default(),
        s("person_id").unwrap_or_default(),
        s("supplier_id"),
        s("department_id").unwrap_or_default(),
        i64::from(body.get("late").and_then(|v| v.as_bool()).unwrap_or(false)),
        s("wanted_start").unwrap_or_default(),
        body.pointer("/requested_by/id").and_then(|v| v.as_str()).unwrap_or_default().to_string(),
        s("submitted_at"),
    )
}

impl Store {
    pub async fn request(&self, id: Uuid) -> Result<Option<RequestRow>> {
        let row = sqlx::query("SELECT id, version, created_at, updated_at, body FROM requests WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(request_row).transpose()
    }

    pub async fn list_requests(&self, q: &RequestQuery) -> Result<(Vec<RequestRow>, u64)> {
        let mut w = Where::default();
        if !q.states.is_empty() {
            let list: Vec<String> = q.states.iter().map(|s| w.arg(Arg::Text(s.to_string()))).collect();
            w.and(format!("state IN ({})", list.join(", ")));
        }
        for (col, v) in [("supplier_id", q.supplier_id), ("department_id", q.department_id), ("person_id", q.person_id)] {
            if let Some(v) = v {
                let p = w.arg(Arg::Text(v.to_string()));
                w.and(format!("{col} = {p}"));
            }
        }
        if let Some(day) = q.wanted_before {
            let p = w.arg(Arg::Text(day.to_string()));
            w.and(format!("wanted_start < {p}"));
        }
        if let Some(late) = q.late {
            let p = w.arg(Arg::Int(i64::from(late)));
            w.and(format!("late = {p}"));
        }
        if let Some(k) = q.kind {
            let p = w.arg(Arg::Text(k.to_string()));
            w.and(format!("kind = {p}"));
        }
        if let Some(text) = q.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            // The person's name, read through the request's own rows when the term is common.
            let name = "(SELECT r.name_lower FROM registry_entries r WHERE r.id = requests.person_id)";
            let cond = self.contains(&mut w, Names::Records, text, "person_id", name).await?;
            w.and(cond);
        }
        let order = match q.sort {
            Some((col, desc)) => format!("{} {dir}, id {dir}", col.sql(), dir = if desc { "DESC" } else { "ASC" }),
            None => "created_at DESC, id".to_string(),
        };
        let (rows, total) = fetch_page_capped(
            &self.pool,
            "id, version, created_at, updated_at, body",
            "requests",
            &w,
            &order,
            q.limit,
            q.offset,
            q.count_cap,
        )
        .await?;
        Ok((rows.iter().map(request_row).collect::<Result<_>>()?, total))
    }
}

impl Tx {
    pub async fn insert_request(&mut self, id: Uuid, body: &serde_json::Value, now: Timestamp) -> Result<()> {
        let (kind, state, person, supplier, department, late, start, by, submitted) = request_columns(body);
        sqlx::query(
            "INSERT INTO requests (id, kind, state, person_id, supplier_id, department_id, late, wanted_start, requested_by, submitted_at, version, created_at, updated_at, body) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, $11, $12)",
        )
        .bind(id.to_string())
        .bind(kind)
        .bind(state)
        .bind(person)
        .bind(supplier)
        .bind(department)
        .bind(late)
        .bind(start)
        .bind(by)
        .bind(submitted)
        .bind(now.to_string())
        .bind(body.to_string())
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Replaces a request if it is still at `expected_version`: of two approvers acting at
    /// once, exactly one succeeds.
    pub async fn update_request(&mut self, id: Uuid, body: &serde_json::Value, expected_version: i64, now: Timestamp) -> Result<i64> {
        let (_, state, _, _, _, late, _, _, submitted) = request_columns(body);
        let res = sqlx::query("UPDATE requests SET state = $1, late = $2, submitted_at = $3, body = $4, version = version + 1, updated_at = $5 WHERE id = $6 AND version = $7")
            .bind(state)
            .bind(late)
            .bind(submitted)
            .bind(body.to_string())
            .bind(now.to_string())
            .bind(id.to_string())
            .bind(expected_version)
            .execute(&mut *self.tx)
            .await?;
        if res.rows_affected() == 0 {
            return Err(self.stale("requests", id).await);
        }
        Ok(expected_version + 1)
    }
}
