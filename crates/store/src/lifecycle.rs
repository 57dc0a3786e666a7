//! Requests, accounts and everything around their lifecycle: evidence, authenticators,
//! username quarantine, manual provisioning tasks, termination reports.

use crate::sql::{Arg, Where, args, date, fetch_page, opt_ts, opt_uuid, ts, uuid};
use crate::{Result, Store, StoreError, Tx};
use domain::account::{AccountKind, AccountStatus};
use domain::time::{Date, Timestamp};
use sqlx::Row;
use sqlx::any::AnyRow;
use uuid::Uuid;

// ---------------------------------------------------------------- requests

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
    pub offset: u64,
    pub limit: u32,
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
        if let Some(late) = q.late {
            let p = w.arg(Arg::Int(i64::from(late)));
            w.and(format!("late = {p}"));
        }
        let (rows, total) =
            fetch_page(&self.pool, "id, version, created_at, updated_at, body", "requests", &w, "created_at DESC, id", q.limit, q.offset)
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
            let current: Option<i64> =
                sqlx::query_scalar("SELECT version FROM requests WHERE id = $1").bind(id.to_string()).fetch_optional(&mut *self.tx).await?;
            return Err(match current {
                Some(v) => StoreError::StaleVersion { current: v },
                None => StoreError::NotFound,
            });
        }
        Ok(expected_version + 1)
    }
}

// ---------------------------------------------------------------- accounts

/// An account with its role assignments.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountRow {
    pub id: Uuid,
    pub person_id: Uuid,
    pub system_id: Uuid,
    pub agreement_id: Option<Uuid>,
    pub username: String,
    pub status: AccountStatus,
    pub kind: AccountKind,
    pub valid_from: Date,
    pub valid_to: Option<Date>,
    pub request_id: Option<Uuid>,
    pub version: i64,
    pub status_reason: Option<String>,
    pub activated_at: Option<Timestamp>,
    pub disabled_at: Option<Timestamp>,
    pub last_activity_at: Option<Timestamp>,
    pub created_by: Option<String>,
    pub department_id: Option<Uuid>,
    pub purpose: Option<String>,
    pub signoff_due: Option<Timestamp>,
    pub signed_off_by: Option<String>,
    pub signed_off_at: Option<Timestamp>,
    pub created_at: Timestamp,
    /// (role, profile it came from)
    pub roles: Vec<(Uuid, Option<Uuid>)>,
}

const ACCOUNT_COLUMNS: &str = "id, person_id, system_id, agreement_id, username, status, kind, valid_from, valid_to, request_id, version, status_reason, \
     activated_at, disabled_at, last_activity_at, created_by, department_id, purpose, signoff_due, signed_off_by, signed_off_at, created_at";

fn account_row(r: &AnyRow) -> Result<AccountRow> {
    let g = |c: &str| -> Result<Option<String>> { Ok(r.try_get::<Option<String>, _>(c)?) };
    let status: String = r.try_get("status")?;
    let kind: String = r.try_get("kind")?;
    Ok(AccountRow {
        id: uuid(&r.try_get::<String, _>("id")?)?,
        person_id: uuid(&r.try_get::<String, _>("person_id")?)?,
        system_id: uuid(&r.try_get::<String, _>("system_id")?)?,
        agreement_id: opt_uuid(g("agreement_id")?)?,
        username: r.try_get("username")?,
        status: AccountStatus::parse(&status).ok_or_else(|| StoreError::Corrupt(format!("account status {status}")))?,
        kind: AccountKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("account kind {kind}")))?,
        valid_from: date(&r.try_get::<String, _>("valid_from")?)?,
        valid_to: g("valid_to")?.map(|d| date(&d)).transpose()?,
        request_id: opt_uuid(g("request_id")?)?,
        version: r.try_get("version")?,
        status_reason: g("status_reason")?,
        activated_at: opt_ts(g("activated_at")?)?,
        disabled_at: opt_ts(g("disabled_at")?)?,
        last_activity_at: opt_ts(g("last_activity_at")?)?,
        created_by: g("created_by")?,
        department_id: opt_uuid(g("department_id")?)?,
        purpose: g("purpose")?,
        signoff_due: opt_ts(g("signoff_due")?)?,
        signed_off_by: g("signed_off_by")?,
        signed_off_at: opt_ts(g("signed_off_at")?)?,
        created_at: ts(&r.try_get::<String, _>("created_at")?)?,
        roles: Vec::new(),
    })
}

/// Which accounts to list.
#[derive(Debug, Clone, Default)]
pub struct AccountQuery {
    pub person_id: Option<Uuid>,
    pub system_id: Option<Uuid>,
    /// Accounts under agreements owned by this supplier.
    pub supplier_id: Option<Uuid>,
    pub agreement_id: Option<Uuid>,
    pub statuses: Vec<&'static str>,
    pub kind: Option<&'static str>,
    pub offset: u64,
    pub limit: u32,
}

/// An account as the daily lifecycle sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct LifecycleRow {
    pub id: Uuid,
    pub system_id: Uuid,
    pub username: String,
    pub status: AccountStatus,
    pub kind: AccountKind,
    pub valid_to: Option<Date>,
    pub agreement_id: Option<Uuid>,
    pub last_activity_at: Option<Timestamp>,
    pub activated_at: Option<Timestamp>,
}

impl Store {
    pub async fn account(&self, id: Uuid) -> Result<Option<AccountRow>> {
        let row = sqlx::query(&format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = $1"))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        let Some(mut acc) = row.as_ref().map(account_row).transpose()? else { return Ok(None) };
        acc.roles = self.account_roles(id).await?;
        Ok(Some(acc))
    }

    async fn account_roles(&self, id: Uuid) -> Result<Vec<(Uuid, Option<Uuid>)>> {
        let rows: Vec<(String, Option<String>)> =
            sqlx::query_as("SELECT role_id, profile_id FROM account_roles WHERE account_id = $1 ORDER BY role_id")
                .bind(id.to_string())
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter().map(|(r, p)| Ok((uuid(&r)?, opt_uuid(p)?))).collect()
    }

    pub async fn list_accounts(&self, q: &AccountQuery) -> Result<(Vec<AccountRow>, u64)> {
        let mut w = Where::default();
        for (col, v) in [("person_id", q.person_id), ("system_id", q.system_id), ("agreement_id", q.agreement_id)] {
            if let Some(v) = v {
                let p = w.arg(Arg::Text(v.to_string()));
                w.and(format!("{col} = {p}"));
            }
        }
        if let Some(s) = q.supplier_id {
            let p = w.arg(Arg::Text(s.to_string()));
            w.and(format!("agreement_id IN (SELECT entry_id FROM registry_owners WHERE supplier_id = {p})"));
        }
        if !q.statuses.is_empty() {
            let list: Vec<String> = q.statuses.iter().map(|s| w.arg(Arg::Text(s.to_string()))).collect();
            w.and(format!("status IN ({})", list.join(", ")));
        }
        if let Some(k) = q.kind {
            let p = w.arg(Arg::Text(k.to_string()));
            w.and(format!("kind = {p}"));
        }
        let (rows, total) = fetch_page(&self.pool, ACCOUNT_COLUMNS, "accounts", &w, "username, id", q.limit, q.offset).await?;
        let mut out = rows.iter().map(account_row).collect::<Result<Vec<_>>>()?;
        // The role assignments of the whole page, a few queries rather than one per account.
        let mut roles: std::collections::HashMap<Uuid, Vec<(Uuid, Option<Uuid>)>> = std::collections::HashMap::new();
        for chunk in out.chunks(200) {
            let mut w = Where::default();
            let list: Vec<String> = chunk.iter().map(|a| w.arg(Arg::Text(a.id.to_string()))).collect();
            w.and(format!("account_id IN ({})", list.join(", ")));
            let sql = format!("SELECT account_id, role_id, profile_id FROM account_roles{} ORDER BY role_id", w.sql());
            let rows: Vec<(String, String, Option<String>)> = sqlx::query_as_with(&sql, args(&w.args)).fetch_all(&self.pool).await?;
            for (a, r, p) in rows {
                roles.entry(uuid(&a)?).or_default().push((uuid(&r)?, opt_uuid(p)?));
            }
        }
        for acc in &mut out {
            acc.roles = roles.remove(&acc.id).unwrap_or_default();
        }
        Ok((out, total))
    }

    /// Accounts the daily lifecycle may act on (not terminated or disabled).
    pub async fn lifecycle_accounts(&self) -> Result<Vec<LifecycleRow>> {
        let rows = sqlx::query(
            "SELECT id, system_id, username, status, kind, valid_to, agreement_id, last_activity_at, activated_at FROM accounts \
             WHERE status IN ('provisioning', 'awaiting_activation', 'active', 'locked')",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let status: String = r.try_get("status")?;
                let kind: String = r.try_get("kind")?;
                Ok(LifecycleRow {
                    id: uuid(&r.try_get::<String, _>("id")?)?,
                    system_id: uuid(&r.try_get::<String, _>("system_id")?)?,
                    username: r.try_get("username")?,
                    status: AccountStatus::parse(&status).ok_or_else(|| StoreError::Corrupt(status.clone()))?,
                    kind: AccountKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(kind.clone()))?,
                    valid_to: r.try_get::<Option<String>, _>("valid_to")?.map(|d| date(&d)).transpose()?,
                    agreement_id: opt_uuid(r.try_get("agreement_id")?)?,
                    last_activity_at: opt_ts(r.try_get("last_activity_at")?)?,
                    activated_at: opt_ts(r.try_get("activated_at")?)?,
                })
            })
            .collect()
    }

    /// Live accounts under an agreement in a system (for the user cap).
    pub async fn count_live_accounts(&self, agreement_id: Uuid, system_id: Uuid) -> Result<u32> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM accounts WHERE agreement_id = $1 AND system_id = $2 AND status IN ('provisioning', 'awaiting_activation', 'active', 'locked')",
        )
        .bind(agreement_id.to_string())
        .bind(system_id.to_string())
        .fetch_one(&self.pool)
        .await?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// Usernames that may not be given out in a system: in use, or in quarantine.
    pub async fn unavailable_usernames(&self, system_id: Uuid) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT username FROM accounts WHERE system_id = $1 UNION SELECT username FROM username_quarantine WHERE system_id = $1",
        )
        .bind(system_id.to_string())
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn quarantined(&self, system_id: Uuid, username: &str) -> Result<Option<Timestamp>> {
        let until: Option<String> = sqlx::query_scalar("SELECT until FROM username_quarantine WHERE system_id = $1 AND username = $2")
            .bind(system_id.to_string())
            .bind(username.to_string())
            .fetch_optional(&self.pool)
            .await?;
        opt_ts(until)
    }
}

/// An account to create.
#[derive(Debug, Clone)]
pub struct AccountInsert {
    pub id: Uuid,
    pub person_id: Uuid,
    pub system_id: Uuid,
    pub agreement_id: Option<Uuid>,
    pub username: String,
    pub status: AccountStatus,
    pub kind: AccountKind,
    pub valid_from: Date,
    pub valid_to: Option<Date>,
    pub request_id: Option<Uuid>,
    pub created_by: String,
    pub department_id: Option<Uuid>,
    pub purpose: Option<String>,
    pub signoff_due: Option<Timestamp>,
    pub roles: Vec<(Uuid, Option<Uuid>)>,
}

impl Tx {
    /// Creates an account. The username must be free in the system (unique index).
    pub async fn insert_account(&mut self, a: &AccountInsert, now: Timestamp) -> Result<()> {
        sqlx::query(
            "INSERT INTO accounts (id, person_id, system_id, agreement_id, username, status, kind, valid_from, valid_to, request_id, created_by, department_id, purpose, signoff_due, activated_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
        )
        .bind(a.id.to_string())
        .bind(a.person_id.to_string())
        .bind(a.system_id.to_string())
        .bind(a.agreement_id.map(|x| x.to_string()))
        .bind(a.username.clone())
        .bind(a.status.as_str())
        .bind(a.kind.as_str())
        .bind(a.valid_from.to_string())
        .bind(a.valid_to.map(|d| d.to_string()))
        .bind(a.request_id.map(|x| x.to_string()))
        .bind(a.created_by.clone())
        .bind(a.department_id.map(|x| x.to_string()))
        .bind(a.purpose.clone())
        .bind(a.signoff_due.map(|t| t.to_string()))
        .bind((a.status == AccountStatus::Active).then(|| now.to_string()))
        .bind(now.to_string())
        .execute(&mut *self.tx)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict { field: "username" },
            _ => StoreError::Database(e),
        })?;
        self.set_account_roles(a.id, &a.roles).await
    }

    pub async fn set_account_roles(&mut self, account: Uuid, roles: &[(Uuid, Option<Uuid>)]) -> Result<()> {
        sqlx::query("DELETE FROM account_roles WHERE account_id = $1").bind(account.to_string()).execute(&mut *self.tx).await?;
        let mut seen = std::collections::HashSet::new();
        for (role, profile) in roles.iter().filter(|(r, _)| seen.insert(*r)) {
            sqlx::query("INSERT INTO account_roles (account_id, role_id, profile_id) VALUES ($1, $2, $3)")
                .bind(account.to_string())
                .bind(role.to_string())
                .bind(profile.map(|p| p.to_string()))
                .execute(&mut *self.tx)
                .await?;
        }
        Ok(())
    }

    /// Moves an account to `status` if it is still at `expected_version`.
    pub async fn set_account_status(
        &mut self,
        id: Uuid,
        status: AccountStatus,
        reason: Option<&str>,
        expected_version: i64,
        now: Timestamp,
    ) -> Result<i64> {
        let disabled =
            matches!(status, AccountStatus::Disabled | AccountStatus::Terminated | AccountStatus::Locked).then(|| now.to_string());
        let activated = (status == AccountStatus::Active).then(|| now.to_string());
        let res = sqlx::query(
            "UPDATE accounts SET status = $1, status_reason = $2, disabled_at = COALESCE($3, disabled_at), activated_at = COALESCE($4, activated_at), \
             version = version + 1 WHERE id = $5 AND version = $6",
        )
        .bind(status.as_str())
        .bind(reason.map(String::from))
        .bind(disabled)
        .bind(activated)
        .bind(id.to_string())
        .bind(expected_version)
        .execute(&mut *self.tx)
        .await?;
        if res.rows_affected() == 0 {
            let current: Option<i64> =
                sqlx::query_scalar("SELECT version FROM accounts WHERE id = $1").bind(id.to_string()).fetch_optional(&mut *self.tx).await?;
            return Err(match current {
                Some(v) => StoreError::StaleVersion { current: v },
                None => StoreError::NotFound,
            });
        }
        Ok(expected_version + 1)
    }

    pub async fn set_account_end(&mut self, id: Uuid, valid_to: Option<Date>) -> Result<()> {
        sqlx::query("UPDATE accounts SET valid_to = $1, version = version + 1 WHERE id = $2")
            .bind(valid_to.map(|d| d.to_string()))
            .bind(id.to_string())
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Disables accounts in bulk (the daily lifecycle); accounts already ended are left.
    pub async fn disable_accounts(&mut self, ids: &[Uuid], reason: &str, now: Timestamp) -> Result<u64> {
        if ids.is_empty() {
            return Ok(0);
        }
        let mut w = Where::default();
        let status = w.arg(Arg::Text(AccountStatus::Disabled.as_str().into()));
        let reason = w.arg(Arg::Text(reason.to_string()));
        let at = w.arg(Arg::Text(now.to_string()));
        let list: Vec<String> = ids.iter().map(|id| w.arg(Arg::Text(id.to_string()))).collect();
        let sql = format!(
            "UPDATE accounts SET status = {status}, status_reason = {reason}, disabled_at = {at}, version = version + 1 \
             WHERE id IN ({}) AND status IN ('provisioning', 'awaiting_activation', 'active', 'locked')",
            list.join(", ")
        );
        Ok(sqlx::query_with(&sql, args(&w.args)).execute(&mut *self.tx).await?.rows_affected())
    }

    /// records a sign-on; the latest one counts. Returns whether the account exists.
    pub async fn record_sign_on(&mut self, system_id: Uuid, username: &str, at: Timestamp) -> Result<bool> {
        let res = sqlx::query(
            "UPDATE accounts SET last_activity_at = $1 WHERE system_id = $2 AND username = $3 AND (last_activity_at IS NULL OR last_activity_at < $1)",
        )
        .bind(at.to_string())
        .bind(system_id.to_string())
        .bind(username.to_string())
        .execute(&mut *self.tx)
        .await?;
        if res.rows_affected() == 1 {
            return Ok(true);
        }
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM accounts WHERE system_id = $1 AND username = $2")
            .bind(system_id.to_string())
            .bind(username.to_string())
            .fetch_one(&mut *self.tx)
            .await?;
        Ok(n > 0)
    }

    /// EMG-2: a deleted temp account needs the leader's sign-off again.
    pub async fn reset_signoff(&mut self, id: Uuid, due: Timestamp) -> Result<()> {
        sqlx::query("UPDATE accounts SET signed_off_by = NULL, signed_off_at = NULL, signoff_due = $1 WHERE id = $2")
            .bind(due.to_string())
            .bind(id.to_string())
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    pub async fn sign_off_account(&mut self, id: Uuid, by: &str, now: Timestamp) -> Result<bool> {
        let res = sqlx::query(
            "UPDATE accounts SET signed_off_by = $1, signed_off_at = $2, version = version + 1 WHERE id = $3 AND signed_off_at IS NULL",
        )
        .bind(by.to_string())
        .bind(now.to_string())
        .bind(id.to_string())
        .execute(&mut *self.tx)
        .await?;
        Ok(res.rows_affected() == 1)
    }

    /// ACC-3: keeps a released username out of use until `until`.
    pub async fn quarantine_username(&mut self, system_id: Uuid, username: &str, now: Timestamp, until: Timestamp) -> Result<()> {
        sqlx::query("INSERT INTO username_quarantine (system_id, username, released_at, until) VALUES ($1, $2, $3, $4) ON CONFLICT (system_id, username) DO UPDATE SET until = $4")
            .bind(system_id.to_string())
            .bind(username.to_string())
            .bind(now.to_string())
            .bind(until.to_string())
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Releases the quarantined usernames whose time is up; returns how many. The account
    /// rows keep their usernames for history, so a released name is given out again by
    /// renaming the old, terminated account's username out of the way.
    pub async fn release_quarantine(&mut self, now: Timestamp) -> Result<u64> {
        let due: Vec<(String, String)> = sqlx::query_as("SELECT system_id, username FROM username_quarantine WHERE until <= $1")
            .bind(now.to_string())
            .fetch_all(&mut *self.tx)
            .await?;
        for (system, username) in &due {
            sqlx::query(
                "UPDATE accounts SET username = username || '~' || id WHERE system_id = $1 AND username = $2 AND status = 'terminated'",
            )
            .bind(system.clone())
            .bind(username.clone())
            .execute(&mut *self.tx)
            .await?;
            sqlx::query("DELETE FROM username_quarantine WHERE system_id = $1 AND username = $2")
                .bind(system.clone())
                .bind(username.clone())
                .execute(&mut *self.tx)
                .await?;
        }
        Ok(due.len() as u64)
    }
}

// ---------------------------------------------------------------- evidence, authenticators

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

// ---------------------------------------------------------------- outbox and manual tasks

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

    /// Provisioning actions that failed at least once and are not done yet (PRV-2).
    pub async fn failing_messages(&self, topic: &str) -> Result<Vec<FailingMessage>> {
        let rows: Vec<(String, String, i64, Option<String>, String)> = sqlx::query_as(
            "SELECT id, payload, attempts, last_error, available_at FROM outbox WHERE topic = $1 AND completed_at IS NULL AND last_error IS NOT NULL ORDER BY seq",
        )
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
