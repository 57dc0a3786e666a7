//! Accounts in target systems and their role assignments. The request and lifecycle
//! rules that create and end them come with the access-request capability; the demo
//! loader and benchmarks fill them in bulk.

use crate::sql::placeholders;
use crate::{Result, Store, Tx};
use domain::time::{Date, Timestamp};
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
