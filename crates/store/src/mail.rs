//! NOT-1: users' e-mail addresses, the notices gathered for their digest, and the
//! digests made (one per person and day, by the primary key).

use crate::sql::{Arg, Where, args, uuid};
use crate::{Result, Store, Tx};
use domain::authz::UserRole;
use domain::time::Timestamp;
use sqlx::Row;
use uuid::Uuid;

/// Where and how a user is mailed.
#[derive(Debug, Clone, PartialEq)]
pub struct MailRecipient {
    pub user_id: Uuid,
    pub email: String,
    pub language: Option<String>,
}

/// Which users a notice reaches: a role, optionally at one supplier or department.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RecipientQuery {
    pub role: UserRole,
    pub supplier_id: Option<Uuid>,
    pub department_id: Option<Uuid>,
}

impl Store {
    /// The user's e-mail address, if one is recorded.
    pub async fn user_email(&self, user: Uuid) -> Result<Option<String>> {
        let row: Option<(Option<String>,)> =
            sqlx::query_as("SELECT email FROM users WHERE id = $1").bind(user.to_string()).fetch_optional(&self.pool).await?;
        Ok(row.and_then(|r| r.0).filter(|e| !e.is_empty()))
    }

    /// An active user with an address, as the mailer sends to them.
    pub async fn mail_recipient(&self, user: Uuid) -> Result<Option<MailRecipient>> {
        let row = sqlx::query("SELECT id, email, language FROM users WHERE id = $1 AND active = 1 AND email IS NOT NULL AND email <> ''")
            .bind(user.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| Ok(MailRecipient { user_id: uuid(&r.try_get::<String, _>(0)?)?, email: r.try_get(1)?, language: r.try_get(2)? }))
            .transpose()
    }

    /// The active users with an address a notice reaches.
    pub async fn notice_recipients(&self, q: RecipientQuery) -> Result<Vec<Uuid>> {
        let mut w = Where::default();
        w.and("active = 1 AND email IS NOT NULL AND email <> ''".into());
        let role = w.arg(Arg::Text(q.role.as_str().to_string()));
        w.and(format!("role = {role}"));
        if let Some(s) = q.supplier_id {
            let p = w.arg(Arg::Text(s.to_string()));
            w.and(format!("supplier_id = {p}"));
        }
        if let Some(d) = q.department_id {
            let p = w.arg(Arg::Text(d.to_string()));
            w.and(format!("department_id = {p}"));
        }
        let rows = sqlx::query_with(&format!("SELECT id FROM users{} ORDER BY id", w.sql()), args(&w.args)).fetch_all(&self.pool).await?;
        rows.iter().map(|r| uuid(&r.try_get::<String, _>(0)?)).collect()
    }

    /// Active users with an address who have no digest for `day` yet.
    pub async fn digest_candidates(&self, day: &str) -> Result<Vec<Uuid>> {
        let rows = sqlx::query(
            "SELECT id FROM users WHERE active = 1 AND email IS NOT NULL AND email <> '' \
             AND id NOT IN (SELECT user_id FROM mail_digests WHERE day = $1) ORDER BY id",
        )
        .bind(day.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| uuid(&r.try_get::<String, _>(0)?)).collect()
    }

    /// The notices waiting for the user's next digest, counted by kind.
    pub async fn waiting_notices(&self, user: Uuid) -> Result<Vec<(String, u64)>> {
        let rows =
            sqlx::query("SELECT kind, COUNT(*) FROM mail_notices WHERE user_id = $1 AND mailed_at IS NULL GROUP BY kind ORDER BY kind")
                .bind(user.to_string())
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(|r| Ok((r.try_get::<String, _>(0)?, u64::try_from(r.try_get::<i64, _>(1)?).unwrap_or(0)))).collect()
    }
}

impl Tx {
    pub async fn set_user_email(&mut self, user: Uuid, email: Option<&str>) -> Result<()> {
        sqlx::query("UPDATE users SET email = $1 WHERE id = $2")
            .bind(email.map(String::from))
            .bind(user.to_string())
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Gathers a notice for each user's digest; `mailed` when it went out at once.
    pub async fn add_notices(&mut self, users: &[Uuid], kind: &str, mailed: bool, now: Timestamp) -> Result<()> {
        for u in users {
            sqlx::query("INSERT INTO mail_notices (id, user_id, kind, created_at, mailed_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(Uuid::now_v7().to_string())
                .bind(u.to_string())
                .bind(kind.to_string())
                .bind(now.to_string())
                .bind(mailed.then(|| now.to_string()))
                .execute(&mut *self.tx)
                .await?;
        }
        Ok(())
    }

    /// Records the user's digest of `day` and marks their waiting notices as mailed.
    /// `false` when the day's digest was made already (by another run): nothing is
    /// changed then, and the caller rolls back its mail.
    pub async fn record_digest(&mut self, user: Uuid, day: &str, outbox_id: Uuid, now: Timestamp) -> Result<bool> {
        let done: Option<(String,)> = sqlx::query_as("SELECT user_id FROM mail_digests WHERE user_id = $1 AND day = $2")
            .bind(user.to_string())
            .bind(day.to_string())
            .fetch_optional(&mut *self.tx)
            .await?;
        if done.is_some() {
            return Ok(false);
        }
        sqlx::query("INSERT INTO mail_digests (user_id, day, outbox_id, created_at) VALUES ($1, $2, $3, $4)")
            .bind(user.to_string())
            .bind(day.to_string())
            .bind(outbox_id.to_string())
            .bind(now.to_string())
            .execute(&mut *self.tx)
            .await?;
        sqlx::query("UPDATE mail_notices SET mailed_at = $1 WHERE user_id = $2 AND mailed_at IS NULL")
            .bind(now.to_string())
            .bind(user.to_string())
            .execute(&mut *self.tx)
            .await?;
        Ok(true)
    }
}
