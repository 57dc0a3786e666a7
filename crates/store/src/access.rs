//! Portvagt's own local users and the API tokens of machine clients. Tokens are stored
//! as SHA-256 hashes of high-entropy secrets; the secret is shown once at creation.

use crate::sql::{opt_ts, opt_uuid, ts, uuid};
use crate::{Result, Store, StoreError, Tx, b2i};
use domain::authz::UserRole;
use domain::login::LoginState;
use domain::time::Timestamp;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct NewUser {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: UserRole,
    pub supplier_id: Option<Uuid>,
    pub department_id: Option<Uuid>,
    pub person_id: Option<Uuid>,
    pub must_change_password: bool,
    /// The `sub` claim this user logs in with through OpenID Connect.
    pub oidc_subject: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StoredUser {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: UserRole,
    pub supplier_id: Option<Uuid>,
    pub department_id: Option<Uuid>,
    pub person_id: Option<Uuid>,
    pub must_change_password: bool,
    pub login: LoginState,
    pub active: bool,
    /// The TOTP secret, sealed with the data key; `totp_confirmed` once a code proved it.
    pub totp_sealed: Option<String>,
    pub totp_confirmed: bool,
    /// The user's chosen language code (`da`, `sv`, `en`).
    pub language: Option<String>,
    pub oidc_subject: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewApiToken {
    pub id: Uuid,
    pub name: String,
    pub token_hash: String,
    pub role: UserRole,
    pub supplier_id: Option<Uuid>,
    pub department_id: Option<Uuid>,
    pub person_id: Option<Uuid>,
    pub system_id: Option<Uuid>,
    /// The user a login token was issued to.
    pub user_id: Option<Uuid>,
    pub created_by: Uuid,
    pub expires_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StoredApiToken {
    pub id: Uuid,
    pub name: String,
    pub role: UserRole,
    pub supplier_id: Option<Uuid>,
    pub department_id: Option<Uuid>,
    pub person_id: Option<Uuid>,
    pub system_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    pub created_by: Uuid,
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

fn role(s: &str) -> Result<UserRole> {
    UserRole::parse(s).ok_or_else(|| StoreError::Corrupt(format!("unknown role {s}")))
}

type UserRow = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    i64,
    i64,
    Option<String>,
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
    i64,
    Option<String>,
    Option<String>,
);
const USER_COLUMNS: &str = "id, username, display_name, password_hash, role, supplier_id, must_change_password, failed_attempts, locked_until, active, department_id, person_id, totp_sealed, totp_confirmed, language, oidc_subject";

/// The user's columns of a joined row, from column `at` on; `None` when the join found
/// no user.
pub(crate) fn user_at(r: &sqlx::any::AnyRow, at: usize) -> Result<Option<StoredUser>> {
    use sqlx::Row;
    let Some(id) = r.try_get::<Option<String>, _>(at)? else { return Ok(None) };
    let row: UserRow = (
        id,
        r.try_get(at + 1)?,
        r.try_get(at + 2)?,
        r.try_get(at + 3)?,
        r.try_get(at + 4)?,
        r.try_get(at + 5)?,
        r.try_get(at + 6)?,
        r.try_get(at + 7)?,
        r.try_get(at + 8)?,
        r.try_get(at + 9)?,
        r.try_get(at + 10)?,
        r.try_get(at + 11)?,
        r.try_get(at + 12)?,
        r.try_get(at + 13)?,
        r.try_get(at + 14)?,
        r.try_get(at + 15)?,
    );
    to_user(row).map(Some)
}

/// [`USER_COLUMNS`] of the table named `alias`.
pub(crate) fn user_columns_of(alias: &str) -> String {
    USER_COLUMNS.split(", ").map(|c| format!("{alias}.{c}")).collect::<Vec<_>>().join(", ")
}

fn to_user(r: UserRow) -> Result<StoredUser> {
    Ok(StoredUser {
        id: uuid(&r.0)?,
        username: r.1,
        display_name: r.2,
        password_hash: r.3,
        role: role(&r.4)?,
        supplier_id: opt_uuid(r.5)?,
        department_id: opt_uuid(r.10)?,
        person_id: opt_uuid(r.11)?,
        must_change_password: r.6 != 0,
        login: LoginState { failed_attempts: u32::try_from(r.7).unwrap_or(u32::MAX), locked_until: opt_ts(r.8)? },
        active: r.9 != 0,
        totp_sealed: r.12,
        totp_confirmed: r.13 != 0,
        language: r.14,
        oidc_subject: r.15,
    })
}

type TokenRow = (
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);
const TOKEN_COLUMNS: &str =
    "id, name, role, supplier_id, created_by, created_at, expires_at, revoked_at, department_id, person_id, user_id, system_id";

fn to_token(r: TokenRow) -> Result<StoredApiToken> {
    Ok(StoredApiToken {
        id: uuid(&r.0)?,
        name: r.1,
        role: role(&r.2)?,
        supplier_id: opt_uuid(r.3)?,
        department_id: opt_uuid(r.8)?,
        person_id: opt_uuid(r.9)?,
        user_id: opt_uuid(r.10)?,
        system_id: opt_uuid(r.11)?,
        created_by: uuid(&r.4)?,
        created_at: ts(&r.5)?,
        expires_at: opt_ts(r.6)?,
        revoked_at: opt_ts(r.7)?,
    })
}

impl Store {
    /// AUTH-2: the user's `n` passwords before the current one, newest first (hashes).
    pub async fn previous_password_hashes(&self, user: Uuid, n: u32) -> Result<Vec<String>> {
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT password_hash FROM password_history WHERE user_id = $1 ORDER BY set_at DESC LIMIT $2")
                .bind(user.to_string())
                .bind(i64::from(n))
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// AUTH-2: when the user's password was set (their creation, for the first one).
    pub async fn password_set_at(&self, user: Uuid) -> Result<Option<Timestamp>> {
        let row: Option<(String,)> = sqlx::query_as("SELECT COALESCE(password_changed_at, created_at) FROM users WHERE id = $1")
            .bind(user.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|(t,)| Timestamp::parse(&t).map_err(|e| StoreError::Corrupt(format!("password time: {e}")))).transpose()
    }

    pub async fn count_users(&self) -> Result<u64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(&self.pool).await?;
        Ok(n as u64)
    }

    pub async fn user_by_username(&self, username: &str) -> Result<Option<StoredUser>> {
        let row: Option<UserRow> = sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE username = $1"))
            .bind(username.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.map(to_user).transpose()
    }

    /// Users' display names by username (those of the names that are users).
    pub async fn display_names(&self, usernames: &[String]) -> Result<std::collections::HashMap<String, String>> {
        let mut names: Vec<&String> = usernames.iter().collect();
        names.sort();
        names.dedup();
        if names.is_empty() {
            return Ok(Default::default());
        }
        let mut w = crate::sql::Where::default();
        let list: Vec<String> = names.iter().map(|n| w.arg(crate::sql::Arg::Text(n.to_string()))).collect();
        let sql = format!("SELECT username, display_name FROM users WHERE username IN ({})", list.join(", "));
        let rows: Vec<(String, String)> = sqlx::query_as_with(&sql, crate::sql::args(&w.args)).fetch_all(&self.pool).await?;
        Ok(rows.into_iter().collect())
    }

    pub async fn user(&self, id: Uuid) -> Result<Option<StoredUser>> {
        let row: Option<UserRow> = sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.map(to_user).transpose()
    }

    pub async fn user_by_oidc_subject(&self, subject: &str) -> Result<Option<StoredUser>> {
        let row: Option<UserRow> = sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE oidc_subject = $1"))
            .bind(subject.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.map(to_user).transpose()
    }

    /// The last TOTP time step a user's code was accepted for (0: none): a code is
    /// accepted once.
    pub async fn totp_last_step(&self, user: Uuid) -> Result<i64> {
        let step: Option<i64> =
            sqlx::query_scalar("SELECT totp_last_step FROM users WHERE id = $1").bind(user.to_string()).fetch_optional(&self.pool).await?;
        Ok(step.unwrap_or(0))
    }

    /// Every local user, by username.
    pub async fn list_users(&self) -> Result<Vec<StoredUser>> {
        let rows: Vec<UserRow> =
            sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY username")).fetch_all(&self.pool).await?;
        rows.into_iter().map(to_user).collect()
    }

    /// The token with this hash, if it exists (revoked and expired ones included; the
    /// caller decides).
    pub async fn token_by_hash(&self, hash: &str) -> Result<Option<StoredApiToken>> {
        let row: Option<TokenRow> = sqlx::query_as(&format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = $1"))
            .bind(hash.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.map(to_token).transpose()
    }

    pub async fn token(&self, id: Uuid) -> Result<Option<StoredApiToken>> {
        let row: Option<TokenRow> = sqlx::query_as(&format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE id = $1"))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.map(to_token).transpose()
    }

    /// Distinct persons holding the local administrator role through an active user or
    /// a live token (EMG-1 caps their number).
    pub async fn local_administrators(&self, now: Timestamp) -> Result<Vec<Uuid>> {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT person_id FROM users WHERE role = 'local_administrator' AND active = 1 AND person_id IS NOT NULL \
             UNION SELECT person_id FROM api_tokens WHERE role = 'local_administrator' AND revoked_at IS NULL AND person_id IS NOT NULL \
             AND (expires_at IS NULL OR expires_at > $1)",
        )
        .bind(now.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|s| uuid(s)).collect()
    }

    pub async fn list_tokens(&self) -> Result<Vec<StoredApiToken>> {
        let rows: Vec<TokenRow> =
            sqlx::query_as(&format!("SELECT {TOKEN_COLUMNS} FROM api_tokens ORDER BY created_at, id")).fetch_all(&self.pool).await?;
        rows.into_iter().map(to_token).collect()
    }
}

impl Tx {
    pub async fn insert_user(&mut self, u: &NewUser, now: Timestamp) -> Result<()> {
        sqlx::query(
            "INSERT INTO users (id, username, display_name, password_hash, role, supplier_id, must_change_password, failed_attempts, active, created_at, department_id, person_id, oidc_subject) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 0, 1, $8, $9, $10, $11)",
        )
        .bind(u.id.to_string())
        .bind(u.username.clone())
        .bind(u.display_name.clone())
        .bind(u.password_hash.clone())
        .bind(u.role.as_str())
        .bind(u.supplier_id.map(|s| s.to_string()))
        .bind(b2i(u.must_change_password))
        .bind(now.to_string())
        .bind(u.department_id.map(|s| s.to_string()))
        .bind(u.person_id.map(|s| s.to_string()))
        .bind(u.oidc_subject.clone())
        .execute(&mut *self.tx)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() && d.message().contains("oidc") => {
                StoreError::Conflict { field: "oidc_subject" }
            }
            sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict { field: "username" },
            _ => StoreError::Database(e),
        })?;
        Ok(())
    }

    pub async fn set_login_state(&mut self, user: Uuid, s: LoginState) -> Result<()> {
        sqlx::query("UPDATE users SET failed_attempts = $1, locked_until = $2 WHERE id = $3")
            .bind(i64::from(s.failed_attempts))
            .bind(s.locked_until.map(|t| t.to_string()))
            .bind(user.to_string())
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Deactivates (no login) or reactivates a user.
    pub async fn set_user_active(&mut self, user: Uuid, active: bool) -> Result<()> {
        sqlx::query("UPDATE users SET active = $1 WHERE id = $2").bind(b2i(active)).bind(user.to_string()).execute(&mut *self.tx).await?;
        Ok(())
    }

    /// A user's name as shown, and the OpenID Connect subject they log in with.
    pub async fn set_user_profile(&mut self, user: Uuid, display_name: &str, oidc_subject: Option<&str>) -> Result<()> {
        sqlx::query("UPDATE users SET display_name = $1, oidc_subject = $2 WHERE id = $3")
            .bind(display_name.to_string())
            .bind(oidc_subject.map(str::to_string))
            .bind(user.to_string())
            .execute(&mut *self.tx)
            .await
            .map_err(|e| match &e {
                sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict { field: "oidc_subject" },
                _ => StoreError::Database(e),
            })?;
        Ok(())
    }

    pub async fn set_password(&mut self, user: Uuid, hash: &str, must_change: bool, now: Timestamp) -> Result<()> {
        // The password being replaced joins the history (AUTH-2: no reuse of recent ones).
        sqlx::query("INSERT INTO password_history (user_id, password_hash, set_at) SELECT id, password_hash, $1 FROM users WHERE id = $2")
            .bind(now.to_string())
            .bind(user.to_string())
            .execute(&mut *self.tx)
            .await?;
        sqlx::query("UPDATE users SET password_hash = $1, must_change_password = $2, password_changed_at = $3 WHERE id = $4")
            .bind(hash.to_string())
            .bind(b2i(must_change))
            .bind(now.to_string())
            .bind(user.to_string())
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Stores a (sealed) TOTP secret; `confirmed` once a code from it was accepted.
    pub async fn set_totp(&mut self, user: Uuid, sealed: Option<&str>, confirmed: bool) -> Result<()> {
        sqlx::query("UPDATE users SET totp_sealed = $1, totp_confirmed = $2 WHERE id = $3")
            .bind(sealed.map(str::to_string))
            .bind(b2i(confirmed))
            .bind(user.to_string())
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Records the time step of an accepted TOTP code; `false` when that step (or a
    /// later one) was used already, so two logins racing with one code cannot both win.
    pub async fn use_totp_step(&mut self, user: Uuid, step: i64) -> Result<bool> {
        let res = sqlx::query("UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1")
            .bind(step)
            .bind(user.to_string())
            .execute(&mut *self.tx)
            .await?;
        Ok(res.rows_affected() == 1)
    }

    pub async fn set_user_language(&mut self, user: Uuid, code: &str) -> Result<()> {
        sqlx::query("UPDATE users SET language = $1 WHERE id = $2")
            .bind(code.to_string())
            .bind(user.to_string())
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    pub async fn insert_token(&mut self, t: &NewApiToken, now: Timestamp) -> Result<()> {
        sqlx::query(
            "INSERT INTO api_tokens (id, name, token_hash, role, supplier_id, created_by, created_at, expires_at, department_id, person_id, user_id, system_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(t.id.to_string())
        .bind(t.name.clone())
        .bind(t.token_hash.clone())
        .bind(t.role.as_str())
        .bind(t.supplier_id.map(|s| s.to_string()))
        .bind(t.created_by.to_string())
        .bind(now.to_string())
        .bind(t.expires_at.map(|e| e.to_string()))
        .bind(t.department_id.map(|s| s.to_string()))
        .bind(t.person_id.map(|s| s.to_string()))
        .bind(t.user_id.map(|s| s.to_string()))
        .bind(t.system_id.map(|s| s.to_string()))
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Revokes a token; `false` when it does not exist or was revoked already.
    pub async fn revoke_token(&mut self, id: Uuid, now: Timestamp) -> Result<bool> {
        let res = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(now.to_string())
            .bind(id.to_string())
            .execute(&mut *self.tx)
            .await?;
        Ok(res.rows_affected() == 1)
    }
}
