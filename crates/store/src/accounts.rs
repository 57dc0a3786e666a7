//! Accounts in target systems: created one by one by the request flow or in bulk by the
//! demo loader; read back, status changes, role assignments, username quarantine,
//! sign-ons and emergency sign-offs.

use crate::search::Names;
use crate::sql::{Arg, Where, args, date, fetch_page_capped, joined, opt_ts, opt_uuid, placeholders, ts, uuid};
use crate::{Backend, Result, Store, StoreError, Tx};
use domain::account::{AccountKind, AccountStatus};
use domain::time::{Date, Timestamp};
use sqlx::Row;
use sqlx::any::AnyRow;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct NewAccount {
    pub id: Uuid,
    pub person_id: Uuid,
    pub system_id: Uuid,
    pub agreement_id: Option<Uuid>,
    pub username: String,
    pub status: &'static str,
    pub valid_from: Date,
    pub valid_to: Option<Date>,
    /// (role, profile it came from)
    pub roles: Vec<(Uuid, Option<Uuid>)>,
}

/// Rows per multi-row INSERT; small, since the driver's binding cost grows faster than
/// linearly with a statement's parameter count.
const BATCH: usize = 50;

impl Tx {
    /// Inserts accounts and their role assignments with multi-row statements.
    pub async fn insert_accounts(&mut self, accounts: &[NewAccount], now: Timestamp) -> Result<()> {
        for chunk in accounts.chunks(BATCH) {
            let sql = format!(
                "INSERT INTO accounts (id, person_id, system_id, agreement_id, username, status, valid_from, valid_to, created_at) VALUES {}",
                placeholders(chunk.len(), 9)
            );
            let mut q = sqlx::query(&sql);
            for a in chunk {
                q = q
                    .bind(a.id.to_string())
                    .bind(a.person_id.to_string())
                    .bind(a.system_id.to_string())
                    .bind(a.agreement_id.map(|x| x.to_string()))
                    .bind(a.username.clone())
                    .bind(a.status)
                    .bind(a.valid_from.to_string())
                    .bind(a.valid_to.map(|d| d.to_string()))
                    .bind(now.to_string());
            }
            q.execute(&mut *self.tx).await?;
        }
        for chunk in accounts.chunks(BATCH) {
            let ids: Vec<String> = chunk.iter().map(|a| a.id.to_string()).collect();
            let list = (1..=ids.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
            self.index_accounts(&format!("id IN ({list})"), &ids).await?;
        }
        let roles: Vec<(Uuid, Uuid, Option<Uuid>)> =
            accounts.iter().flat_map(|a| a.roles.iter().map(move |(r, p)| (a.id, *r, *p))).collect();
        for chunk in roles.chunks(BATCH) {
            let sql = format!("INSERT INTO account_roles (account_id, role_id, profile_id) VALUES {}", placeholders(chunk.len(), 3));
            let mut q = sqlx::query(&sql);
            for (a, r, p) in chunk {
                q = q.bind(a.to_string()).bind(r.to_string()).bind(p.map(|x| x.to_string()));
            }
            q.execute(&mut *self.tx).await?;
        }
        Ok(())
    }
}

impl Store {
    pub async fn count_accounts(&self) -> Result<u64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM accounts").fetch_one(&self.pool).await?;
        Ok(n as u64)
    }

    pub async fn count_role_assignments(&self) -> Result<u64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM account_roles").fetch_one(&self.pool).await?;
        Ok(n as u64)
    }

    /// Usernames taken in a system, for generating new unique ones.
    pub async fn usernames_in_system(&self, system_id: Uuid) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar("SELECT username FROM accounts WHERE system_id = $1 ORDER BY username")
            .bind(system_id.to_string())
            .fetch_all(&self.pool)
            .await?)
    }
}

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
    /// When the coordinator last reminded the signer of a sign-off (EMG-2).
    pub signoff_reminded_at: Option<Timestamp>,
    pub created_at: Timestamp,
    /// (role, profile it came from)
    pub roles: Vec<(Uuid, Option<Uuid>)>,
}

/// An account's columns and its roles (as `role:profile` joined by commas), read in one
/// statement.
fn account_columns(backend: Backend) -> String {
    let roles = joined(backend, "ar.role_id || ':' || COALESCE(ar.profile_id, '')");
    format!(
        "id, person_id, system_id, agreement_id, username, status, kind, valid_from, valid_to, request_id, version, status_reason, \
         activated_at, disabled_at, last_activity_at, created_by, department_id, purpose, signoff_due, signed_off_by, signed_off_at, \
         signoff_reminded_at, created_at, (SELECT {roles} FROM account_roles ar WHERE ar.account_id = accounts.id) AS roles"
    )
}

/// The roles column of [`account_columns`], by role.
fn roles(joined: Option<String>) -> Result<Vec<(Uuid, Option<Uuid>)>> {
    let mut out = Vec::new();
    for pair in joined.iter().flat_map(|j| j.split(',')) {
        let (role, profile) = pair.split_once(':').ok_or_else(|| StoreError::Corrupt(format!("account role {pair}")))?;
        out.push((uuid(role)?, if profile.is_empty() { None } else { Some(uuid(profile)?) }));
    }
    out.sort();
    Ok(out)
}

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
        signoff_reminded_at: opt_ts(g("signoff_reminded_at")?)?,
        created_at: ts(&r.try_get::<String, _>("created_at")?)?,
        roles: roles(g("roles")?)?,
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
    /// Accounts made for this department (REQ-2, EMG-1) …
    pub department_id: Option<Uuid>,
    /// … or under one of these agreements (the department's area).
    pub or_agreements: Vec<Uuid>,
    pub statuses: Vec<&'static str>,
    pub kind: Option<&'static str>,
    /// Part of the username or of the person's name (any case).
    pub text: Option<String>,
    /// The order of the list; by username when `None`.
    pub sort: Option<(AccountSort, bool)>,
    /// Count matches only up to this many (one more means "more than").
    pub count_cap: Option<u64>,
    /// ACC-2: open accounts ending on or before this day — those past their end that the
    /// lifecycle has not closed yet among them.
    pub ends_by: Option<Date>,
    pub offset: u64,
    pub limit: u32,
}

/// What an account list can be ordered by (`true` beside it: descending).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountSort {
    Username,
    Person,
    System,
    Status,
    ValidFrom,
    ValidTo,
}

impl AccountSort {
    fn sql(self) -> &'static str {
        match self {
            AccountSort::Username => "username",
            AccountSort::Person => "(SELECT name_lower FROM registry_entries r WHERE r.id = accounts.person_id)",
            AccountSort::System => "(SELECT name_lower FROM registry_entries r WHERE r.id = accounts.system_id)",
            AccountSort::Status => "status",
            AccountSort::ValidFrom => "valid_from",
            // Open-ended last when ascending, on both engines.
            AccountSort::ValidTo => "COALESCE(valid_to, '9999-12-31')",
        }
    }
}

/// An account as the daily lifecycle sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct LifecycleRow {
    pub id: Uuid,
    pub person_id: Uuid,
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
        let row = sqlx::query(&format!("SELECT {} FROM accounts WHERE id = $1", account_columns(self.backend)))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(account_row).transpose()
    }

    pub async fn list_accounts(&self, q: &AccountQuery) -> Result<(Vec<AccountRow>, u64)> {
        let mut w = Where::default();
        for (col, v) in [("person_id", q.person_id), ("system_id", q.system_id), ("agreement_id", q.agreement_id)] {
            if let Some(v) = v {
                let p = w.arg(Arg::Text(v.to_string()));
                w.and(format!("{col} = {p}"));
            }
        }
        if let Some(d) = q.department_id {
            let p = w.arg(Arg::Text(d.to_string()));
            let mut cond = format!("department_id = {p}");
            if !q.or_agreements.is_empty() {
                let list: Vec<String> = q.or_agreements.iter().map(|a| w.arg(Arg::Text(a.to_string()))).collect();
                cond = format!("({cond} OR agreement_id IN ({}))", list.join(", "));
            }
            w.and(cond);
        }
        if let Some(by) = q.ends_by {
            let p = w.arg(Arg::Text(by.to_string()));
            w.and(format!("valid_to IS NOT NULL AND valid_to <= {p} AND status NOT IN ('terminated', 'disabled')"));
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
        if let Some(text) = q.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            // The account's username or its person's name.
            let cond = self.contains(&mut w, Names::Accounts, text, "id", "search_text").await?;
            w.and(cond);
        }
        let order = match q.sort {
            Some((col, desc)) => format!("{} {dir}, id {dir}", col.sql(), dir = if desc { "DESC" } else { "ASC" }),
            None => "username, id".to_string(),
        };
        let (rows, total) =
            fetch_page_capped(&self.pool, &account_columns(self.backend), "accounts", &w, &order, q.limit, q.offset, q.count_cap).await?;
        let out = rows.iter().map(account_row).collect::<Result<Vec<_>>>()?;
        Ok((out, total))
    }

    /// Accounts the daily lifecycle may act on (not terminated or disabled).
    pub async fn lifecycle_accounts(&self) -> Result<Vec<LifecycleRow>> {
        let rows = sqlx::query(
            "SELECT id, person_id, system_id, username, status, kind, valid_to, agreement_id, last_activity_at, activated_at FROM accounts \
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
                    person_id: uuid(&r.try_get::<String, _>("person_id")?)?,
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
        self.index_accounts("id = $1", &[a.id.to_string()]).await?;
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
            return Err(self.stale("accounts", id).await);
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

    /// ACC-9: the state a lock interrupts, which an unlock returns the account to.
    pub async fn set_locked_from(&mut self, id: Uuid, status: AccountStatus) -> Result<()> {
        sqlx::query("UPDATE accounts SET locked_from = $1 WHERE id = $2")
            .bind(status.as_str().to_string())
            .bind(id.to_string())
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// The state an account was locked from (`None`: locked before this was recorded).
    pub async fn locked_from(&mut self, id: Uuid) -> Result<Option<AccountStatus>> {
        let v: Option<Option<String>> =
            sqlx::query_scalar("SELECT locked_from FROM accounts WHERE id = $1").bind(id.to_string()).fetch_optional(&mut *self.tx).await?;
        Ok(v.flatten().as_deref().and_then(AccountStatus::parse))
    }

    /// EMG-2: records that the signer of an open sign-off was reminded; false when it
    /// was signed off meanwhile.
    pub async fn remind_signoff(&mut self, id: Uuid, now: Timestamp) -> Result<bool> {
        let res = sqlx::query("UPDATE accounts SET signoff_reminded_at = $1 WHERE id = $2 AND signed_off_at IS NULL")
            .bind(now.to_string())
            .bind(id.to_string())
            .execute(&mut *self.tx)
            .await?;
        Ok(res.rows_affected() == 1)
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
