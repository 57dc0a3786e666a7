//! Sessions of the web pages. The cookie holds a random secret; only its SHA-256 hash is
//! stored, so a copy of the database does not let anyone in.

use crate::sql::{opt_ts, opt_uuid, ts};
use crate::{Result, Store, Tx};
use domain::time::Timestamp;
use uuid::Uuid;

/// A stored session.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRow {
    pub id_hash: String,
    /// Empty while an OpenID Connect login is under way.
    pub user_id: Option<Uuid>,
    /// How far the login got: `oidc`, `password`, `totp`, `enrol`, `active`.
    pub stage: String,
    /// The form token every state-changing request of this session must carry.
    pub csrf: String,
    /// What a pending OpenID Connect login must find again (state, nonce, PKCE verifier).
    pub pending: Option<String>,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub ended_at: Option<Timestamp>,
}

type Row = (String, Option<String>, String, String, Option<String>, String, String, Option<String>);
const COLUMNS: &str = "id_hash, user_id, stage, csrf, pending, created_at, last_seen_at, ended_at";

fn to_session(r: Row) -> Result<SessionRow> {
    Ok(SessionRow {
        id_hash: r.0,
        user_id: opt_uuid(r.1)?,
        stage: r.2,
        csrf: r.3,
        pending: r.4,
        created_at: ts(&r.5)?,
        last_seen_at: ts(&r.6)?,
        ended_at: opt_ts(r.7)?,
    })
}

impl Store {
    pub async fn session(&self, id_hash: &str) -> Result<Option<SessionRow>> {
        let row: Option<Row> = sqlx::query_as(&format!("SELECT {COLUMNS} FROM web_sessions WHERE id_hash = $1"))
            .bind(id_hash.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.map(to_session).transpose()
    }

    /// The session with this hash and, in the same read, its user (every page asks for
    /// both).
    pub async fn session_with_user(&self, id_hash: &str) -> Result<Option<(SessionRow, Option<crate::StoredUser>)>> {
        use sqlx::Row;
        let session_cols = COLUMNS.split(", ").map(|c| format!("s.{c}")).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "SELECT {session_cols}, {} FROM web_sessions s LEFT JOIN users u ON u.id = s.user_id WHERE s.id_hash = $1",
            crate::access::user_columns_of("u")
        );
        let Some(r) = sqlx::query(&sql).bind(id_hash.to_string()).fetch_optional(&self.pool).await? else { return Ok(None) };
        let session: self::Row =
            (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?, r.try_get(4)?, r.try_get(5)?, r.try_get(6)?, r.try_get(7)?);
        Ok(Some((to_session(session)?, crate::access::user_at(&r, 8)?)))
    }

    /// Records that the session was used (for the idle timeout). Not a change of state
    /// anyone audits, so it runs outside a transaction of its own.
    pub async fn touch_session(&self, id_hash: &str, now: Timestamp) -> Result<()> {
        sqlx::query("UPDATE web_sessions SET last_seen_at = $1 WHERE id_hash = $2 AND ended_at IS NULL")
            .bind(now.to_string())
            .bind(id_hash.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Sessions neither ended nor pending, as (user, created, last seen): the caller
    /// applies the idle and lifetime limits.
    pub async fn open_sessions(&self) -> Result<Vec<(Uuid, Timestamp, Timestamp)>> {
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT user_id, created_at, last_seen_at FROM web_sessions WHERE ended_at IS NULL AND user_id IS NOT NULL AND stage = 'active'",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(|(u, c, l)| Ok((crate::sql::uuid(&u)?, ts(&c)?, ts(&l)?))).collect()
    }
}

impl Tx {
    pub async fn insert_session(&mut self, s: &SessionRow) -> Result<()> {
        sqlx::query(&format!("INSERT INTO web_sessions ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)"))
            .bind(s.id_hash.clone())
            .bind(s.user_id.map(|u| u.to_string()))
            .bind(s.stage.clone())
            .bind(s.csrf.clone())
            .bind(s.pending.clone())
            .bind(s.created_at.to_string())
            .bind(s.last_seen_at.to_string())
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Moves a live session to the next login stage; `false` when it has ended meanwhile.
    pub async fn set_session_stage(&mut self, id_hash: &str, stage: &str, now: Timestamp) -> Result<bool> {
        let res = sqlx::query("UPDATE web_sessions SET stage = $1, last_seen_at = $2 WHERE id_hash = $3 AND ended_at IS NULL")
            .bind(stage.to_string())
            .bind(now.to_string())
            .bind(id_hash.to_string())
            .execute(&mut *self.tx)
            .await?;
        Ok(res.rows_affected() == 1)
    }

    /// Gives a session a new secret (ASVS 7.2.4: a new secret once the login completes).
    pub async fn rekey_session(&mut self, id_hash: &str, new_hash: &str) -> Result<bool> {
        let res = sqlx::query("UPDATE web_sessions SET id_hash = $1 WHERE id_hash = $2 AND ended_at IS NULL")
            .bind(new_hash.to_string())
            .bind(id_hash.to_string())
            .execute(&mut *self.tx)
            .await?;
        Ok(res.rows_affected() == 1)
    }

    /// Ends one session; `false` when it had ended already.
    pub async fn end_session(&mut self, id_hash: &str, now: Timestamp) -> Result<bool> {
        let res = sqlx::query("UPDATE web_sessions SET ended_at = $1 WHERE id_hash = $2 AND ended_at IS NULL")
            .bind(now.to_string())
            .bind(id_hash.to_string())
            .execute(&mut *self.tx)
            .await?;
        Ok(res.rows_affected() == 1)
    }

    /// ends every live session of the users who are this registry person.
    pub async fn end_person_sessions(&mut self, person: Uuid, now: Timestamp) -> Result<u64> {
        let res = sqlx::query(
            "UPDATE web_sessions SET ended_at = $1 WHERE ended_at IS NULL AND user_id IN (SELECT id FROM users WHERE person_id = $2)",
        )
        .bind(now.to_string())
        .bind(person.to_string())
        .execute(&mut *self.tx)
        .await?;
        Ok(res.rows_affected())
    }

    /// Ends every live session of a user and revokes their login tokens (X-8: ending a
    /// user's access ends both); returns how many sessions and tokens ended.
    pub async fn end_user_sessions(&mut self, user: Uuid, now: Timestamp) -> Result<u64> {
        let sessions = sqlx::query("UPDATE web_sessions SET ended_at = $1 WHERE user_id = $2 AND ended_at IS NULL")
            .bind(now.to_string())
            .bind(user.to_string())
            .execute(&mut *self.tx)
            .await?;
        let tokens = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
            .bind(now.to_string())
            .bind(user.to_string())
            .execute(&mut *self.tx)
            .await?;
        Ok(sessions.rows_affected() + tokens.rows_affected())
    }
}
